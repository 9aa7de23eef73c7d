/**
 * One run of a task workflow: the coordinator the steps and lanes share. It holds the
 * lifecycle (`TaskLifecycle`), what the search attributes say, the status comment's calls and
 * the worker's settings; the work itself lives in `steps/` (start, forward, failure, close)
 * and `lanes/` (status, control, budget, coder), the watch after a merge in `steps/follow.ts`,
 * the messages in `handlers.ts` and the continue-as-new decision in `continue.ts`.
 */
import type { StatusView } from '@code-factory/messages';
import {
  CancellationScope,
  isCancellation,
  log,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { TaskActivities, TaskSettings } from '../activities';
import { SearchAttributes } from '../definitions';
import { ControlLane } from '../lanes/control';
import { nextDue } from '../lanes/shepherd';
import { TaskLifecycle } from '../state';
import { Failures } from '../steps/failure';
import { Continuation } from './continue';
import { describe } from './describe';
import { acts, type CallOptions, githubOptions, local } from './options';

export interface TaskWorkflowInput {
  taskName: string;
  repository: { owner: string; name: string };
  issueNumber: number;
  /** State from the previous run when continuing as new (`CarriedState`, any known version). */
  carried?: unknown;
  /** Continue as new past this many history events (default: the worker's; tests lower it). */
  maxHistoryEvents?: number;
}

/** The worker's settings until this run has asked for them (and for runs with no agent). */
export const DEFAULT_SETTINGS: TaskSettings = {
  statusCommentIntervalMs: 30_000,
  historyLimit: 2_000,
  budgetRetryIntervalMs: 15 * 60_000,
};

/** Calls on the per-comment path, run as local activities by the loop (see `call`). */
type LocalCall = 'reactToComment' | 'collectCiFailure' | 'collectReview' | 'deliverToAgent';

export class TaskRun {
  readonly task: TaskLifecycle;
  readonly issue: { repository: { owner: string; name: string }; issueNumber: number };
  readonly failures = new Failures(this);
  readonly control = new ControlLane(this);
  readonly continuation = new Continuation(this);
  settings: TaskSettings = DEFAULT_SETTINGS;
  /** The unit of work a close cancels. */
  #scope: CancellationScope | null = null;
  /** What the search attributes say (this run): an upsert that changes nothing is skipped. */
  #published: string | null = null;
  /** Calls the status and control lanes have in flight (a continue-as-new waits for them). */
  laneCalls = 0;
  /** Change `shepherd-lanes` (versioning.ts): this run keeps the thread ledger and reminders. */
  shepherding = false;
  /**
   * Change `held-input` (versioning.ts): comments from outside the trust list are held for
   * `/agent approve`; before it, the task dropped them (the ingress never sent them).
   */
  holding = false;
  /**
   * Change `issue-cost` (versioning.ts): this run keeps the issue's cost from the agent updates,
   * shows it, and stops the agent at the cost limit.
   */
  costing = false;
  /**
   * Change `status-clock` (versioning.ts): the status throttle reads `clock()`, not
   * `Date.now()`, so its timer-or-edit choice comes out the same on replay.
   */
  stableClock = false;
  /** Change `settings-activity` (versioning.ts): `loadSettings` is an activity, not a local one. */
  settingsByActivity = false;
  /** When this run last heard from its history: see `heard()`. */
  #heardAt = Date.now();
  /**
   * Change `follow-through` (versioning.ts): a close after the agent's pull request merged
   * watches the branch it merged into (`steps/follow.ts`).
   */
  following = false;
  /** Bumped when something the shepherd lane's timers depend on changed. */
  shepherdVersion = 0;
  /** The review threads should be read again (a review came, or the agent went idle). */
  threadsDue = false;

  constructor(readonly input: TaskWorkflowInput) {
    this.task = new TaskLifecycle(
      input.taskName,
      input.repository,
      input.issueNumber,
      input.carried,
    );
    this.issue = { repository: input.repository, issueNumber: input.issueNumber };
  }

  /**
   * Called where the workflow task holds an event of the history: a message handled, an
   * activity or timer of ours ended. Never after a local activity: its result can reach the
   * code one workflow task later live than on replay, and `Date.now()` with it.
   */
  heard(): void {
    this.#heardAt = Date.now();
  }

  /** The time the status throttle compares (docs/gotchas.md#workflows). */
  clock(): number {
    return this.stableClock ? this.#heardAt : Date.now();
  }

  /**
   * The worker's settings for this run (the workflow cannot read them). Since change
   * `settings-activity` an activity: as a local activity its result could reach the code a
   * workflow task later live than on replay, after the agent's pushes live and before them on
   * replay (docs/gotchas.md#workflows).
   */
  async loadSettings(): Promise<void> {
    const proxy = this.settingsByActivity ? acts : local;
    this.settings = await proxy.taskSettings.executeWithOptions(
      { ...githubOptions, summary: 'worker and repository settings' },
      [{ repository: this.input.repository }],
    );
  }

  // --- What the Web UI and the search attributes show ---

  /** The search attributes every run of the task carries from its first run on. */
  labelIssue(): void {
    this.continuation.noteHistory();
    if (this.input.carried !== undefined) {
      // Continued runs inherit the search attributes.
      this.#published = inheritedPhase();
      return;
    }
    upsertSearchAttributes([
      {
        key: SearchAttributes.repository,
        value: `${this.input.repository.owner}/${this.input.repository.name}`,
      },
      { key: SearchAttributes.issueNumber, value: this.input.issueNumber },
    ]);
  }

  /**
   * The durable phase in the search attributes (with since when: the `stuck-tasks` schedule
   * reads it), and the details. `working` lasts one delivery: operators filter on the durable
   * phases, the details and the `state` query show the transient one.
   */
  publishPhase(): void {
    const phase = this.task.phase;
    const backend = this.task.state.backend;
    const shown = `${phase === 'working' ? 'ready' : phase}/${backend ?? ''}`;
    if (phase !== 'working' && shown !== this.#published) {
      const changed = this.#published?.split('/')[0] !== phase;
      upsertSearchAttributes([
        { key: SearchAttributes.phase, value: phase },
        ...(backend ? [{ key: SearchAttributes.backend, value: backend }] : []),
        ...(changed ? [{ key: SearchAttributes.phaseSince, value: new Date(Date.now()) }] : []),
      ]);
      this.#published = shown;
    }
    this.showDetails();
  }

  showDetails(extra?: string): void {
    const details = describe(this.task, this.shepherding ? nextDue(this) : null);
    setCurrentDetails(extra ? `${details}\n\n${extra}` : details);
  }

  /** Creates or edits the status comment (once the task has an installation to write with). */
  async showStatus(view: Omit<StatusView, 'taskName'>): Promise<void> {
    const installationId = this.task.state.assignment?.installationId;
    if (!installationId) return;
    const { commentId } = await acts.upsertStatusComment
      .executeWithOptions({ ...githubOptions, summary: `status comment: ${view.state}` }, [
        {
          installationId,
          ...this.issue,
          commentId: this.task.state.statusComment.id,
          view: { ...view, taskName: this.input.taskName },
        },
      ])
      .finally(() => this.heard());
    this.task.live.commentWritten(commentId);
  }

  /** A status edit that may fail without failing the step around it. */
  async tryShowStatus(view: Omit<StatusView, 'taskName'>): Promise<void> {
    try {
      await this.showStatus(view);
    } catch (err) {
      log.warn('could not update the status comment', { error: `${err}` });
    }
  }

  /** A new comment on the issue; one that fails is logged. */
  async tryPost(
    body: string,
    installationId = this.task.state.assignment?.installationId,
  ): Promise<void> {
    if (!installationId) return;
    try {
      await acts.postComment.executeWithOptions(
        { ...githubOptions, summary: 'comment on the issue' },
        [{ installationId, ...this.issue, body }],
      );
    } catch (err) {
      log.warn('could not comment on the issue', { error: `${err}` });
    }
  }

  /** `ready`, published only when it is news. */
  becomeReady(): void {
    if (this.task.phase === 'ready') return;
    this.task.ready();
    this.publishPhase();
  }

  // --- Running work ---

  /** Runs one unit of work so that a close cancels it; returns false when cancelled. */
  async cancellable(work: () => Promise<void>): Promise<boolean> {
    if (this.task.closeRequested) return false;
    this.#scope = new CancellationScope();
    try {
      await this.#scope.run(work);
      return true;
    } catch (err) {
      if (isCancellation(err) && this.task.closeRequested) return false;
      throw err;
    } finally {
      this.#scope = null;
    }
  }

  /** A close (of the issue, by an operator or `/agent release`) stops the unit of work. */
  cancelWork(): void {
    this.#scope?.cancel();
  }

  /** A lane's call: counted, so that a continue-as-new waits for it. */
  async inLane(call: () => Promise<void>): Promise<void> {
    this.laneCalls += 1;
    try {
      await call();
    } finally {
      this.laneCalls -= 1;
    }
  }

  /**
   * A call on the per-comment path, as a local activity (a marker, no workflow task of its
   * own). Only the loop calls these, one at a time: local activities are numbered in the order
   * they are scheduled, and two lanes scheduling them could interleave one way live and
   * another way on replay.
   */
  call<K extends LocalCall>(
    name: K,
    summary: string,
    args: Parameters<TaskActivities[K]>,
    options: CallOptions = githubOptions,
  ): Promise<Awaited<ReturnType<TaskActivities[K]>>> {
    type Call = {
      executeWithOptions(o: object, a: unknown[]): Promise<Awaited<ReturnType<TaskActivities[K]>>>;
    };
    const proxy = local[name] as unknown as Call;
    return proxy.executeWithOptions({ ...options, summary }, args);
  }
}

/** The phase and backend the run inherited (a continued run keeps its search attributes). */
function inheritedPhase(): string | null {
  const attrs = workflowInfo().typedSearchAttributes;
  const phase = attrs.get(SearchAttributes.phase);
  if (phase === undefined) return null;
  return `${phase}/${attrs.get(SearchAttributes.backend) ?? ''}`;
}
