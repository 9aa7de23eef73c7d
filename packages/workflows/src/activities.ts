/**
 * The contract between the task workflow and the worker's activities: types only, so the
 * workflow bundle imports nothing that does I/O. Inputs and results are small plain JSON. The
 * repository workflow's contract is `repo-activities.ts`.
 */
import type {
  BackendKind,
  CiFailed,
  CommentSource,
  Repository,
  TriggerKind,
} from '@code-factory/events';
import type {
  BriefInstruction,
  CiFailureReport,
  Regression,
  ReviewCommentItem,
  StatusView,
} from '@code-factory/messages';
import type { RepoConfig, ResolvedShepherd } from '@code-factory/repo-config';
import type { FollowThroughActivities } from './follow-activities';

export type Backend = BackendKind;

/** The Coder agent that works on an issue: a Coder task or a Coder Agents chat. */
export interface AgentRef {
  backend: Backend;
  id: string;
  /** Coder username that owns the task or chat. */
  owner: string;
  /** Coder user id of the owner (Agents); absent in runs recorded before chats had owners. */
  ownerId?: string;
  /** Coder pushes this agent's changes (`agentUpdate` signals); no polling needed. */
  pushed?: boolean;
  name: string;
  /** Where a person can watch the agent in Coder. */
  url: string;
}

export interface IssueRef {
  installationId: number;
  repository: Repository;
  issueNumber: number;
}

export interface StartAgentInput extends IssueRef {
  backend: Backend;
  taskName: string;
  owner: string;
  ownerId?: string;
  issueUrl: string;
  issueTitle: string;
  /**
   * The repository's config as `resolveCoderIdentity` read it (null: none), so a start reads
   * it once; absent in runs recorded before it was passed along, and then read again.
   */
  repoConfig?: RepoConfig | null;
  /**
   * A mention started the task: its line is the brief's first instruction, with who wrote it
   * and where. Absent for an assignment or a label.
   */
  instruction?: BriefInstruction;
  /**
   * The agent is started again because the merge of the issue's pull request broke CI
   * (follow-through): the brief begins with the failure. Absent otherwise.
   */
  regression?: Regression;
}

/** What started (or asks to start) the task, as the gate reads it; absent: an assignment. */
export interface StartTrigger {
  trigger?: TriggerKind;
  /** `label`: the label that was added. */
  label?: string;
}

export interface TaskActivities extends FollowThroughActivities {
  /**
   * The gate every start passes: the repository takes this trigger (`[triggers]`: the kind is
   * on, a label is its trigger label), then the requester (who assigned, mentioned or
   * labelled) has write or admin permission. `refused` says why a trigger was not taken; then
   * no permission was asked.
   */
  checkAssignerPermission(
    input: IssueRef & { login: string } & StartTrigger,
  ): Promise<{ permission: string; allowed: boolean; refused?: string }>;
  /**
   * Which backend runs the agent and which Coder user owns it. User-fixable when unlinked.
   * `asService`: work the repo config asked for runs as the service's own Coder user.
   */
  resolveCoderIdentity(
    input: IssueRef & { githubUserId: number; githubLogin: string; asService?: boolean },
  ): Promise<{
    backend: Backend;
    owner: string;
    ownerId?: string;
    repoConfig?: RepoConfig | null;
    limits?: { perInstallation?: number };
  }>;
  /** Creates the agent, or adopts the one that already exists under the task name. */
  startAgent(input: StartAgentInput): Promise<StartedAgent>;
  /** Heartbeating poll until the agent can take input; fails when it cannot come up. */
  waitForAgentReady(input: {
    agent: AgentRef;
  }): Promise<{ state: string; pullRequestUrl?: string }>;
  /** Sends one message; `queued` when the backend holds it until the agent is free. */
  deliverToAgent(input: { agent: AgentRef; text: string }): Promise<{ queued: boolean }>;
  /** Stops the agent's current turn (backends that support it). */
  interruptAgent(input: { agent: AgentRef }): Promise<void>;
  /** Deletes the task or archives the chat; a missing agent is not an error. */
  stopAgent(input: { agent: AgentRef }): Promise<{ existed: boolean }>;
  /**
   * Adds 👀 to a comment (or review) as soon as the workflow accepted it; `content: '+1'`
   * acknowledges an `/agent` command.
   */
  reactToComment(
    input: IssueRef & {
      commentId: number;
      source: CommentSource;
      content?: 'eyes' | '+1';
    },
  ): Promise<void>;
  /**
   * The comments of a submitted review (at most MAX_REVIEW_COMMENTS), in order, so a review
   * reaches the agent as one message.
   */
  collectReview(
    input: IssueRef & { pullNumber: number; reviewId: number },
  ): Promise<{ comments: ReviewCommentItem[] }>;
  /** Posts a new comment on the issue (a reply to an `/agent` command, a stuck reminder). */
  postComment(input: IssueRef & { body: string }): Promise<{ commentId: number }>;
  /**
   * Failed jobs (at most 5) of a workflow run with the tail of each job's log, or
   * `current: false` when the pull request has moved past the run's commit.
   */
  collectCiFailure(input: CiFailed): Promise<CiFailureReport>;
  /** Creates or edits the one status comment of the issue (found by its hidden marker). */
  upsertStatusComment(
    input: IssueRef & { commentId: number | null; view: StatusView },
  ): Promise<{ commentId: number }>;
  /**
   * The worker's settings a task run needs (the workflow cannot read the environment), and
   * the repository's `[shepherd]` settings from its stored config (the defaults without one).
   */
  taskSettings(input?: { repository: Repository }): Promise<TaskSettings>;
  /**
   * Whether an agent pull request still merges. GitHub computes it in the background: asked
   * again a few times while it reads null. `conflictFiles`: files both sides changed (the
   * push's files when it listed them, else the pull request's).
   */
  checkMergeable(
    input: IssueRef & { pullNumber: number; pushedFiles?: string[] },
  ): Promise<MergeCheck>;
  /**
   * The review threads of an agent pull request, counted, with the unanswered ones (one
   * activity: it also asks GitHub which of their files a commit touched since).
   */
  readReviewThreads(input: IssueRef & { pullNumber: number }): Promise<ThreadLedger>;
  /**
   * A ready pull request (not a draft, the checks its base branch requires green on its head)
   * nobody has reviewed: reviews are requested from the CODEOWNERS of its changed paths, else
   * from `assigner`. `requested: []` with `why` when it was not ready (a draft, required checks
   * pending or failing) or GitHub refused.
   */
  requestReview(
    input: IssueRef & { pullNumber: number; assigner: string },
  ): Promise<{ requested: string[]; why?: string }>;
  /** The App brings the pull request's branch up to date; a refusal (422) is an answer. */
  updatePullRequestBranch(
    input: IssueRef & { pullNumber: number; expectedHeadSha: string },
  ): Promise<{ updated: true } | { updated: false; reason: string }>;
}

/** One review thread nobody answered yet, as the nudge lists it. */
export interface OpenThread {
  id: string;
  path: string;
  line: number | null;
  author: string;
  firstLine: string;
}

export interface ThreadLedger {
  /** Unresolved threads on lines still in the diff (an outdated one leaves the count). */
  open: number;
  resolved: number;
  /**
   * Open, current (not outdated) threads by someone other than the agent that got no reply and
   * no commit on the pull request's head touching their file since they were opened.
   */
  unanswered: OpenThread[];
}

export interface MergeCheck {
  /** GitHub's `mergeable_state`: `clean`, `dirty` (conflicts), `behind`, `blocked`, … */
  state: string;
  /** null: GitHub had not computed it after every try. */
  mergeable: boolean | null;
  merged: boolean;
  baseRef: string;
  baseSha: string;
  headSha: string;
  conflictFiles: string[];
}

/**
 * A repository's `[shepherd]` settings a task uses, durations in ms (null: off), scaled by the
 * worker's SHEPHERD_TIME_SCALE. The follow-through's two are absent in results recorded before
 * it (read as off).
 */
export type ShepherdSettings = Omit<ResolvedShepherd, 'watchAfterMergeMs' | 'reopenOnRegression'> &
  Partial<Pick<ResolvedShepherd, 'watchAfterMergeMs' | 'reopenOnRegression'>>;

/** Worker settings a task run asks for once it has an agent (each run asks again). */
export interface TaskSettings {
  /** STATUS_COMMENT_INTERVAL_MS: live edits of the status comment at most this often. */
  statusCommentIntervalMs: number;
  /** TASK_HISTORY_LIMIT: a run continues as new past this many history events. */
  historyLimit: number;
  /** BUDGET_RETRY_INTERVAL_MS: how often a task waiting for the budget tries again. */
  budgetRetryIntervalMs: number;
  /** The repository's `[shepherd]` table (absent when no repository was named). */
  shepherd?: ShepherdSettings;
  /** The repository's `limits.max_cost_per_issue` in micro-dollars (absent: no limit). */
  maxCostPerIssueMicros?: number;
}

export interface StartedAgent {
  agent: AgentRef;
  adopted: boolean;
  /** What the agent reported at creation (pushed agents: the workflow waits on nothing else). */
  status?: AgentLiveStatus;
  /** Why the agent is not owned by the requester, in plain words (shown once on the issue). */
  ownerFallback?: string;
}

/** An agent's error as Coder classified it. */
export interface AgentLiveError {
  kind: string;
  message: string;
  retryable: boolean;
  userFixable: boolean;
  explanation?: string;
}

/** What the product knows of a pushed agent right now. */
export interface AgentLiveStatus {
  /** Coder's words (`waiting`, `running`, `requires_action`, `error`, ...). */
  status: string;
  readiness: 'ready' | 'busy' | 'starting' | 'paused' | 'error' | 'blocked' | 'gone';
  error?: AgentLiveError;
  pullRequest?: { url: string; number?: number; state?: string };
  /** Every pull request the agent opened, when it opened more than one (Coder v2.39). */
  pullRequests?: Array<{ url: string; number?: number; state?: string }>;
  summary?: string;
}

/** What an agent cost so far (Coder's chat cost, micro-dollars); plain JSON. */
export interface AgentCostReading {
  totalMicros: number;
  requests: number;
  unpriced: number;
}

/** The `agentUpdate` signal: a change Coder pushed (or a poll found) for the issue's agent. */
export interface AgentUpdate extends AgentLiveStatus {
  chatId: string;
  taskName: string;
  archived: boolean;
  via: 'push' | 'poll';
  /** What the chat cost so far, where Coder reports it (read when a turn ends). */
  cost?: AgentCostReading;
}

/** Activities of the workflow that holds Coder's chat streams. */
export interface AgentWatchActivities {
  /**
   * Holds the chat streams of the chats `watcherId` follows and signals each change to the
   * issue's workflow; runs until cancelled, heartbeating, so another worker takes over when
   * this one dies.
   */
  followAgentStreams(input: { watcherId: string }): Promise<void>;
}

/** Error types the activities throw; the workflow branches on these, never on messages. */
export const ErrorTypes = {
  /** The user can fix it (unlinked account, missing template...). Message is user-facing. */
  userFixable: 'UserFixableError',
  /** The agent did not come up, or went away while we waited. */
  agentUnavailable: 'AgentUnavailableError',
  /** A 4xx that retrying cannot fix. */
  nonRetryable: 'NonRetryableError',
  /**
   * Coder did not answer, or answered 5xx or 429: retried like any transient failure, and
   * once the retries are spent the task waits for Coder (phase `waiting-for-coder`) instead
   * of failing. GitHub's transient failures keep the plain `RetryableError` type.
   */
  coderUnavailable: 'CoderUnavailableError',
} as const;
