/**
 * The task workflow's activities: every Coder and GitHub call. Each takes and returns small
 * plain JSON; errors leave through `withFailureMapping` with a type the workflow knows.
 */
import {
  type AgentBackend,
  type AgentHandle,
  type BackendKind,
  ChatFollower,
  type CoderAgentsBackend,
  ISSUE_LABEL,
  type ReadinessTimings,
  TASK_LABEL,
  waitUntilReady,
} from '@code-factory/coder';
import { ExternalError } from '@code-factory/errors';
import { commentOnIssue, type GitHubApp } from '@code-factory/github';
import {
  agentBrief,
  type BriefTemplates,
  MAX_REVIEW_COMMENTS,
  renderStatusComment,
  STATUS_MARKER,
} from '@code-factory/messages';
import {
  CONFIG_PATH,
  parseRepoConfig,
  type RepoConfig,
  type ResolvedShepherd,
  resolveTriggers,
  triggerRefusal,
  withDefaults,
} from '@code-factory/repo-config';
import {
  AGENT_WATCH_WORKFLOW_TYPE,
  type AgentRef,
  type AgentWatchActivities,
  agentUpdateSignal,
  agentWatchWorkflowId,
  coderAccessSignal,
  type FollowedAgent,
  followAgentSignal,
  followedOwnersQuery,
  type IssueRef,
  type RepoConfigState,
  type RepositoryActivities,
  releaseAgentUpdate,
  type ShepherdSettings,
  type StartAgentInput,
  type TaskActivities,
} from '@code-factory/workflows';
import { CancelledFailure, Context, log, sleep } from '@temporalio/activity';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { withFailureMapping } from './failures';
import { followActivities } from './follow-activities';
import { collectCiFailure, repoShepherdActivities } from './repo-shepherd-activities';
import { taskShepherdActivities } from './task-shepherd-activities';

/** A task run's history bound when the worker was given none (TASK_HISTORY_LIMIT unset). */
const DEFAULT_TASK_HISTORY_LIMIT = 2_000;

/** `[shepherd]` as a task uses it: durations multiplied by SHEPHERD_TIME_SCALE (1 outside tests). */
export function scaleShepherd(s: ResolvedShepherd, scale: number): ShepherdSettings {
  const ms = (value: number) => Math.max(1, Math.round(value * scale));
  return {
    updateBranch: s.updateBranch,
    rerunFailedJobs: s.rerunFailedJobs,
    ignoreBaseFailures: s.ignoreBaseFailures,
    threadNudgeAfterMs: ms(s.threadNudgeAfterMs),
    reviewReminderAfterMs: ms(s.reviewReminderAfterMs),
    waitingReminderAfterMs: ms(s.waitingReminderAfterMs),
    releaseAfterIdleMs: s.releaseAfterIdleMs === null ? null : ms(s.releaseAfterIdleMs),
    watchAfterMergeMs: s.watchAfterMergeMs === null ? null : ms(s.watchAfterMergeMs),
    reopenOnRegression: s.reopenOnRegression,
  };
}

export interface ActivityDeps {
  github: GitHubApp;
  backends: Partial<Record<BackendKind, AgentBackend>>;
  defaultBackend: BackendKind;
  timings: ReadinessTimings;
  templates: BriefTemplates;
  /** GitHub login of the agent user: only its pull requests are followed. */
  agentLogin: string;
  /** The config the repository workflow stores; null when that workflow does not exist yet. */
  storedRepoConfig(repository: { owner: string; name: string }): Promise<RepoConfigState | null>;
  /** STATUS_COMMENT_INTERVAL_MS: how often live progress may edit the status comment. */
  statusCommentIntervalMs?: number;
  /** TASK_HISTORY_LIMIT: a task run continues as new past this many history events. */
  historyLimit?: number;
  /** BUDGET_RETRY_INTERVAL_MS: how often a task waiting for the Coder budget tries again. */
  budgetRetryIntervalMs?: number;
  /** SHEPHERD_TIME_SCALE: `[shepherd]` durations are multiplied by it (tests shorten them). */
  shepherdTimeScale?: number;
  /** TRIGGER_LABEL: the label that starts an agent where the repo config names none. */
  triggerLabel?: string;
  /** CODER_PROBE_INTERVAL_MS: the first wait of a task waiting for Coder (doubles). */
  coderProbeMs?: number;
  /** MAX_ACTIVE_AGENTS_PER_INSTALLATION (absent: unlimited). */
  maxActiveAgentsPerInstallation?: number;
  /**
   * Push for Coder Agents chats: the agent-watch workflow of this task queue follows each
   * chat and signals its changes. Absent: chats are polled like tasks.
   */
  agentWatch?: {
    client: Client;
    taskQueue: string;
    /** Poll interval while a chat stream is down. */
    pollMs: number;
    reconnectMs: number;
    /** How often the holder asks whether the owners to follow changed (default 250 ms). */
    refreshMs?: number;
    /** How long a dead holder keeps the streams before another worker takes over. */
    heartbeatTimeoutMs?: number;
    /**
     * Aborted when this worker starts shutting down: the holder lets go at once, so another
     * worker takes the streams over without waiting for the shutdown grace time.
     */
    released?: AbortSignal;
  };
}

export type WorkerActivities = TaskActivities & RepositoryActivities & AgentWatchActivities;

export function createActivities(deps: ActivityDeps): WorkerActivities {
  const follows = deps.agentWatch ? new FollowBatcher(deps.agentWatch) : null;
  const backend = (kind: BackendKind): AgentBackend => {
    const found = deps.backends[kind];
    if (found) return found;
    const name = kind === 'tasks' ? 'Coder Tasks' : 'Coder Agents';
    throw new ExternalError(`the ${kind} backend is not available on this Coder deployment`, {
      kind: 'user_fixable',
      service: 'coder',
      userMessage: `This issue needs ${name}, which the Coder deployment does not offer (Coder removed the Tasks API in v2.37). Remove \`[agent] backend\` from \`.code-factory/config.toml\` (or set it to the other backend), then reassign the issue.`,
    });
  };
  const repo = (ref: IssueRef) => ({ owner: ref.repository.owner, repo: ref.repository.name });

  /**
   * The repository's config: the one its repository workflow stored at the last push, or,
   * before any push was seen, the file on the default branch.
   */
  const repoConfig = async (ref: IssueRef): Promise<RepoConfig | null> => {
    const stored = await deps.storedRepoConfig(ref.repository);
    if (stored?.sha) return stored.config;
    const text = await deps.github
      .installation(ref.installationId)
      .fileText({ ...repo(ref), path: CONFIG_PATH });
    if (text === null) return null;
    const parsed = parseRepoConfig(text);
    if (!parsed.ok) {
      log.warn('repo config on the default branch is invalid; using defaults', {
        repository: `${ref.repository.owner}/${ref.repository.name}`,
        errors: parsed.errors,
      });
      return null;
    }
    return parsed.config;
  };

  /** Username of the Coder token's user; Coder Tasks without chats take `me` as the owner. */
  const serviceUser = async (): Promise<string> => {
    const agents = deps.backends.agents as CoderAgentsBackend | undefined;
    return agents ? (await agents.me()).username : 'me';
  };

  const resolveIdentity = async (
    input: Parameters<TaskActivities['resolveCoderIdentity']>[0],
  ): ReturnType<TaskActivities['resolveCoderIdentity']> => {
    const config = await repoConfig(input);
    const kind = config?.agent?.backend ?? deps.defaultBackend;
    if (input.asService) {
      // No person assigned it (repo config): the token's own user, no owner_id.
      return { backend: kind, owner: await serviceUser(), repoConfig: config };
    }
    const { owner, ownerId } = await backend(kind).resolveOwner({
      githubUserId: input.githubUserId,
      githubLogin: input.githubLogin,
    });
    return { backend: kind, owner, ...(ownerId ? { ownerId } : {}), repoConfig: config };
  };

  const activities: WorkerActivities = {
    async checkAssignerPermission(input) {
      // The repository's `[triggers]` first: a label that is not its trigger label costs no
      // permission call (every label a person adds reaches this gate).
      const config = await repoConfig(input);
      const triggers = resolveTriggers(config?.triggers, deps.triggerLabel ?? 'code-factory');
      const refused = triggerRefusal(triggers, {
        trigger: input.trigger ?? 'assign',
        label: input.label,
      });
      if (refused !== null) return { permission: 'not asked', allowed: false, refused };
      const { permission, allowed } = await deps.github
        .installation(input.installationId)
        .collaboratorPermission({ ...repo(input), username: input.login });
      return { permission, allowed };
    },

    async resolveCoderIdentity(input) {
      const identity = await resolveIdentity(input);
      const perInstallation = deps.maxActiveAgentsPerInstallation;
      return perInstallation === undefined
        ? identity
        : { ...identity, limits: { perInstallation } };
    },

    async postComment(input) {
      const posted = await commentOnIssue(deps.github.installation(input.installationId), {
        ...repo(input),
        issueNumber: input.issueNumber,
        body: input.body,
      });
      return { commentId: posted.id };
    },

    async collectReview(input) {
      const comments = await deps.github.installation(input.installationId).reviewComments({
        ...repo(input),
        pullNumber: input.pullNumber,
        reviewId: input.reviewId,
        max: MAX_REVIEW_COMMENTS,
      });
      return { comments };
    },

    async startAgent(input: StartAgentInput) {
      // Heartbeats while Coder answers: the workflow's heartbeat timeout (20 s) hands an attempt
      // lost with a dead worker to another one long before its start-to-close timeout.
      return heartbeating(async () => {
        const config = input.repoConfig !== undefined ? input.repoConfig : await repoConfig(input);
        const resolved = config ? withDefaults(config) : null;
        const brief = agentBrief(
          { url: input.issueUrl, owner: input.repository.owner, repo: input.repository.name },
          resolved,
          deps.templates,
          input.backend,
          input.instruction,
          input.regression,
        );
        const started = await backend(input.backend).ensureAgent({
          taskName: input.taskName,
          owner: input.owner,
          ...(input.ownerId ? { ownerId: input.ownerId } : {}),
          input: brief.input,
          templateName: brief.templateName,
          ...(resolved?.coderProject ? { project: resolved.coderProject } : {}),
          // Recognisable in Coder's UI: `owner/repo#N: <issue title>`.
          title: `${input.repository.owner}/${input.repository.name}#${input.issueNumber}: ${input.issueTitle}`,
          labels: {
            [TASK_LABEL]: input.taskName,
            [ISSUE_LABEL]: `${input.repository.owner}/${input.repository.name}#${input.issueNumber}`,
          },
          // Workspace parameters for chats pinned to a template's workspace (the template
          // receives those it declares; see docs/coder-backends.md).
          ...(resolved
            ? {
                parameters: {
                  sandbox_size: resolved.sandbox.size,
                  docker: String(resolved.sandbox.docker),
                  volumes: JSON.stringify(resolved.sandbox.volumes),
                },
              }
            : {}),
        });
        const ref = toRef(started.agent);
        const pushed = input.backend === 'agents' && deps.agentWatch !== undefined;
        if (pushed && follows) {
          await follows.follow({
            chatId: ref.id,
            taskName: input.taskName,
            ...(ref.ownerId ? { ownerId: ref.ownerId } : {}),
          });
        }
        const status = started.status;
        return {
          agent: pushed ? { ...ref, pushed: true } : ref,
          adopted: started.adopted,
          ...(status
            ? {
                status: {
                  status: status.state ?? status.detail,
                  readiness: status.readiness,
                  ...(status.error ? { error: status.error } : {}),
                  ...(status.pullRequest ? { pullRequest: status.pullRequest } : {}),
                  ...(status.pullRequests ? { pullRequests: status.pullRequests } : {}),
                  ...(status.summary ? { summary: status.summary } : {}),
                },
              }
            : {}),
          ...(started.ownerFallback ? { ownerFallback: started.ownerFallback } : {}),
        };
      });
    },

    async taskSettings(input) {
      const settings = {
        statusCommentIntervalMs: deps.statusCommentIntervalMs ?? 30_000,
        historyLimit: deps.historyLimit ?? DEFAULT_TASK_HISTORY_LIMIT,
        budgetRetryIntervalMs: deps.budgetRetryIntervalMs ?? 15 * 60_000,
      };
      if (!input?.repository) return settings;
      const stored = await deps.storedRepoConfig(input.repository);
      const resolved = withDefaults(stored?.config ?? {});
      return {
        ...settings,
        shepherd: scaleShepherd(resolved.shepherd, deps.shepherdTimeScale ?? 1),
        ...(resolved.maxCostPerIssueMicros !== null
          ? { maxCostPerIssueMicros: resolved.maxCostPerIssueMicros }
          : {}),
      };
    },

    async waitForAgentReady({ agent }) {
      const ctx = Context.current();
      const status = await waitUntilReady(backend(agent.backend), agent, deps.timings, {
        now: () => Date.now(),
        // Activity sleep rejects when the workflow cancels us (e.g. the issue was closed).
        sleep: (ms) => sleep(ms),
        onPoll: (s) => ctx.heartbeat({ readiness: s.readiness, detail: s.detail }),
      });
      return status.pullRequestUrl
        ? { state: status.detail, pullRequestUrl: status.pullRequestUrl }
        : { state: status.detail };
    },

    async deliverToAgent({ agent, text }) {
      const result = await backend(agent.backend).send(agent, text);
      // Exported with the runtime's metrics (Prometheus when WORKER_METRICS_ADDRESS is set).
      Context.current()
        .metricMeter.createCounter(
          'code_factory_forwarded_messages',
          'messages',
          'Messages delivered to agents',
        )
        .add(1, { backend: agent.backend, queued: String(result.queued) });
      return result;
    },

    async interruptAgent({ agent }) {
      const chosen = backend(agent.backend);
      if (!chosen.interrupt) {
        throw new Error(`the ${agent.backend} backend cannot interrupt an agent`);
      }
      await chosen.interrupt(agent);
    },

    async stopAgent({ agent }) {
      if (!deps.backends[agent.backend]) {
        // Coder dropped the API this agent ran on (e.g. Tasks after an upgrade to v2.37):
        // there is nothing left to delete through it.
        log.warn('agent backend gone from Coder; nothing to stop', { backend: agent.backend });
        return { existed: false };
      }
      const closed = await backend(agent.backend).close(agent);
      // The chat is archived: its owner's stream (and key) are kept only for other open tasks.
      if (agent.backend === 'agents' && deps.agentWatch) {
        await releaseChatOwner(
          deps.agentWatch,
          deps.backends.agents as CoderAgentsBackend | undefined,
          agent,
        );
      }
      return closed;
    },

    async followAgentStreams({ watcherId }) {
      const watch = deps.agentWatch;
      const agents = deps.backends.agents as CoderAgentsBackend | undefined;
      if (!watch || !agents) throw new Error('this worker does not follow Coder chats');
      const ctx = Context.current();
      const follower = new ChatFollower({
        backend: agents,
        pollMs: deps.timings.pollMs,
        reconnectMs: watch.reconnectMs,
        maxReconnectMs: 30_000,
        // A cost read more often than the status comment may change could not be shown.
        costIntervalMs: deps.statusCommentIntervalMs ?? 30_000,
        log: (level, message, attrs) => log[level](message, attrs ?? {}),
        onUpdate: async (update) => {
          try {
            await watch.client.workflow
              .getHandle(update.taskName)
              .signal(agentUpdateSignal, update);
          } catch (err) {
            // The issue closed meanwhile, or the chat is another deployment's: nothing to tell.
            if (err instanceof WorkflowNotFoundError) return 'not-ours';
            throw err;
          }
        },
      });
      const watcher = watch.client.workflow.getHandle(watcherId);
      let version: number | undefined;
      /** The refusals the watch was last told about (fingerprint). */
      let reported = '';
      const letGo = () =>
        new ExternalError('this worker is shutting down; another worker takes the streams over', {
          kind: 'retryable',
          service: 'coder',
        });
      // One listener for the whole hold, not one per round.
      const releasing = aborted(watch.released);
      // Heartbeats go out on their own timer, not once per round: a query waits up to 5 s,
      // longer than a short heartbeat timeout, and a silent holder would be timed out and
      // started again while it still holds its streams. The SDK throttles what reaches the
      // server.
      const heartbeat = () => ctx.heartbeat(follower.health());
      heartbeat();
      const beat = setInterval(heartbeat, 500);
      try {
        for (;;) {
          if (watch.released?.aborted) throw letGo();
          try {
            // Bounded: right after a takeover the watch workflow may still be cached on the
            // dead worker, and a query waits until the server hands it to a live one. Change
            // only: an unchanged list answers null.
            const owners = await watch.client.withDeadline(Date.now() + 5_000, () =>
              watcher.query(followedOwnersQuery, { sinceVersion: version }),
            );
            if (owners) {
              version = owners.version;
              follower.setOwners(owners.owners);
              // Owners whose last task closed: their keys go (those of other workers at their
              // next prune).
              await agents.keys.retainOnly(new Set(owners.owners), 'no open task', KEY_GRACE_MS);
            }
            reported = await reportRefusals(watcher, agents, reported);
          } catch (err) {
            if (watch.released?.aborted || ctx.cancellationSignal.aborted) throw err;
            // Keep following what we follow; the next round asks again.
            log.warn('could not read the chats to follow', { error: `${err}` });
          }
          await Promise.race([sleep(watch.refreshMs ?? 250), releasing]);
        }
      } catch (err) {
        if (watch.released?.aborted) throw letGo();
        if (err instanceof CancelledFailure || ctx.cancellationSignal.aborted) return;
        throw err;
      } finally {
        clearInterval(beat);
        follower.stop();
      }
    },

    async upsertStatusComment(input) {
      return deps.github.installation(input.installationId).upsertStatusComment({
        ...repo(input),
        issueNumber: input.issueNumber,
        commentId: input.commentId,
        body: renderStatusComment(input.view),
        marker: STATUS_MARKER,
      });
    },

    async reactToComment(input) {
      await deps.github.installation(input.installationId).addReaction({
        ...repo(input),
        commentId: input.commentId,
        source: input.source,
        content: input.content ?? 'eyes',
      });
    },

    collectCiFailure: (event) => collectCiFailure(deps, event),

    async readRepoConfig(input) {
      const text = await deps.github.installation(input.installationId).fileText({
        owner: input.repository.owner,
        repo: input.repository.name,
        path: CONFIG_PATH,
        ref: input.sha,
      });
      if (text === null) return { status: 'absent' };
      const parsed = parseRepoConfig(text);
      return parsed.ok
        ? { status: 'valid', config: parsed.config }
        : { status: 'invalid', errors: parsed.errors };
    },

    async linkedIssues(input) {
      return deps.github.installation(input.installationId).linkedIssues({
        owner: input.repository.owner,
        repo: input.repository.name,
        pullNumber: input.pullNumber,
      });
    },

    async agentPullRequestsForRun(input) {
      const gh = deps.github.installation(input.installationId);
      const target = { owner: input.repository.owner, repo: input.repository.name };
      const candidates = input.pullRequestNumbers.length
        ? await Promise.all(
            input.pullRequestNumbers.map((number) => gh.pullRequest({ ...target, number })),
          )
        : await gh.openPullRequestsWithHead({ ...target, headSha: input.headSha });
      const agentLogin = deps.agentLogin.toLowerCase();
      const result = [];
      for (const pull of candidates) {
        // Only the agent's open pull requests, and only while they are still at the run's commit.
        if (pull.authorLogin.toLowerCase() !== agentLogin) continue;
        if (pull.state !== 'open' || pull.headSha !== input.headSha) continue;
        const issueNumbers = await gh.linkedIssues({ ...target, pullNumber: pull.number });
        result.push({ number: pull.number, url: pull.url, issueNumbers });
      }
      return result;
    },

    ...repoShepherdActivities(deps),
    ...taskShepherdActivities(deps),
    ...followActivities(deps),
  };
  return withFailureMapping(
    activities as unknown as Record<string, (...args: never[]) => Promise<unknown>>,
    deps.coderProbeMs !== undefined ? { coderProbeMs: deps.coderProbeMs } : {},
  ) as unknown as WorkerActivities;
}

/** How often a heartbeating activity reports in (the workflow's timeout for it is 20 s). */
const HEARTBEAT_EVERY_MS = 5_000;

/** Runs `work`, heartbeating every HEARTBEAT_EVERY_MS until it settles. */
async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat();
  const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}

function toRef(agent: AgentHandle): AgentRef {
  return {
    backend: agent.backend,
    id: agent.id,
    owner: agent.owner,
    ...(agent.ownerId ? { ownerId: agent.ownerId } : {}),
    name: agent.name,
    url: agent.url,
  };
}

/** Resolves when `signal` aborts (never, without one). */
function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function watchInput(watch: NonNullable<ActivityDeps['agentWatch']>) {
  return watch.heartbeatTimeoutMs ? { heartbeatTimeoutMs: watch.heartbeatTimeoutMs } : {};
}

/** How long follows wait to be sent together (one signal for every start in the window). */
export const FOLLOW_BATCH_MS = 50;

/**
 * Tells this task queue's agent-watch workflow (started if need be) which tasks' chats to
 * follow. Follows made within `FOLLOW_BATCH_MS`, or while the previous signal is still on its
 * way, go as one signal: a fleet start of thousands of issues costs the watch a handful of
 * signals, and the busier the server, the larger each batch. Each caller waits until its
 * follow is sent.
 */
export class FollowBatcher {
  private pending: FollowedAgent[] = [];
  private flushing: Promise<void> | null = null;
  /** The signal on its way (settled either way): the next batch goes after it. */
  private sending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly watch: NonNullable<ActivityDeps['agentWatch']>,
    private readonly batchMs = FOLLOW_BATCH_MS,
  ) {}

  follow(chat: FollowedAgent): Promise<void> {
    this.pending.push(chat);
    if (this.flushing) return this.flushing;
    const window = new Promise<void>((resolve) => setTimeout(resolve, this.batchMs));
    this.flushing = Promise.all([window, this.sending]).then(() => {
      const follows = this.pending;
      this.pending = [];
      this.flushing = null;
      const sent = this.send(follows);
      this.sending = sent.catch(() => undefined);
      return sent;
    });
    return this.flushing;
  }

  private async send(follows: FollowedAgent[]): Promise<void> {
    await this.watch.client.workflow.signalWithStart(AGENT_WATCH_WORKFLOW_TYPE, {
      workflowId: agentWatchWorkflowId(this.watch.taskQueue),
      taskQueue: this.watch.taskQueue,
      args: [watchInput(this.watch)],
      signal: followAgentSignal,
      signalArgs: [{ follows }],
    });
  }
}

/**
 * The issue's task let go of its chat: the watch stops following the owner once none of its
 * tasks is open, and then this worker's key for the owner is revoked at once (other workers'
 * keys go at their next janitor round). A watch that is not there follows nobody.
 */
export async function releaseChatOwner(
  watch: NonNullable<ActivityDeps['agentWatch']>,
  agents: CoderAgentsBackend | undefined,
  agent: AgentRef,
): Promise<void> {
  const ownerId = agent.ownerId;
  let ownerFollowed = false;
  try {
    ({ ownerFollowed } = await watch.client.workflow
      .getHandle(agentWatchWorkflowId(watch.taskQueue))
      .executeUpdate(releaseAgentUpdate, {
        args: [{ taskName: agent.name, ...(ownerId ? { ownerId } : {}) }],
      }));
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  if (!ownerFollowed && ownerId && agents) await agents.keys.revoke(ownerId, 'no open task');
}

/**
 * Revokes the keys this worker holds for owners the watch no longer follows (their last task
 * closed on another worker). Keys minted in the last few minutes are kept: their task may be
 * starting, its follow not sent yet.
 */
export async function pruneOwnerKeys(
  watch: NonNullable<ActivityDeps['agentWatch']>,
  agents: CoderAgentsBackend,
  graceMs = KEY_GRACE_MS,
): Promise<number> {
  if (agents.keys.owners().length === 0) return 0;
  let followed: string[];
  try {
    const answer = await watch.client.workflow
      .getHandle(agentWatchWorkflowId(watch.taskQueue))
      .query(followedOwnersQuery, {});
    followed = answer?.owners ?? [];
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    followed = [];
  }
  return agents.keys.retainOnly(new Set(followed), 'no open task', graceMs);
}

/**
 * Tells the watch which owners Coder refuses keys for, when that changed, so the Web UI shows
 * them with their back-off. Returns what was told (the fingerprint to compare next time).
 */
async function reportRefusals(
  watcher: ReturnType<Client['workflow']['getHandle']>,
  agents: CoderAgentsBackend,
  reported: string,
): Promise<string> {
  const refused = agents.keys.refusals().map((r) => ({
    ownerId: r.ownerId,
    failures: r.failures,
    retryAt: r.retryAt,
    reason: r.reason,
  }));
  const fingerprint = refused.map((r) => `${r.ownerId}:${r.failures}`).join(',');
  if (fingerprint === reported) return reported;
  await watcher.signal(coderAccessSignal, { refused });
  return fingerprint;
}

/** Keys younger than this survive a prune (see `pruneOwnerKeys`). */
export const KEY_GRACE_MS = 5 * 60_000;

/** Starts this task queue's agent-watch workflow (if it does not run) and reports the deployment. */
export async function startAgentWatch(
  watch: NonNullable<ActivityDeps['agentWatch']>,
  description: string,
): Promise<void> {
  await watch.client.workflow.signalWithStart(AGENT_WATCH_WORKFLOW_TYPE, {
    workflowId: agentWatchWorkflowId(watch.taskQueue),
    taskQueue: watch.taskQueue,
    args: [watchInput(watch)],
    signal: 'coderDeployment',
    signalArgs: [{ description }],
  });
}
