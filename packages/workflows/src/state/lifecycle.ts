/**
 * The task lifecycle as a plain domain object: the workflow's handlers only call into it. No
 * Temporal APIs here, so it is unit-tested directly and carried across continue-as-new. It
 * keeps the phases (what may follow what: `TRANSITIONS`), the failure that parks a task and
 * the intake of events; its parts keep the rest (`inbox`, `live`, `fleet`).
 */
import type { IssueAssigned, Repository } from '@code-factory/events';
import type { Backend } from '../activities';
import { cloneState, emptyState, snapshotOf, upgradeCarried } from './carried';
import { IssueCosts } from './cost';
import { Fleet } from './fleet';
import { HeldInput, refOf } from './held';
import { Inbox } from './inbox';
import { Intake } from './intake';
import { LiveProgress } from './live';
import { ShepherdLedger } from './shepherd';
import { IllegalTransition, TRANSITIONS } from './transitions';
import type {
  AcceptResult,
  AgentStarted,
  CarriedState,
  FailedStep,
  Failure,
  InboxItem,
  Phase,
  StateView,
  TaskSnapshot,
} from './types';

export class TaskLifecycle {
  readonly #s: CarriedState;
  readonly inbox: Inbox;
  readonly live: LiveProgress;
  readonly fleet: Fleet;
  readonly shepherd: ShepherdLedger;
  readonly held: HeldInput;
  /** Change `held-input` (set by the run at its start): comments from outside the trust list are held. */
  holdsUntrusted = false;
  readonly costs: IssueCosts;
  readonly #intake: Intake;
  #closeRequested = false;
  #closeReason = '';

  /** `carried`: the previous run's state, of any version `upgradeCarried` reads. */
  constructor(
    readonly taskName: string,
    readonly repository: Repository,
    readonly issueNumber: number,
    carried?: unknown,
  ) {
    this.#s = carried === undefined ? emptyState() : upgradeCarried(carried);
    this.inbox = new Inbox(this.#s);
    this.live = new LiveProgress(this.#s);
    this.fleet = new Fleet(this.#s);
    this.shepherd = new ShepherdLedger(this.#s);
    this.held = new HeldInput(this.#s);
    this.costs = new IssueCosts(this.#s);
    this.#intake = new Intake(this.#s, this, { repository, issueNumber });
    // A close that was pending when the previous run continued as new is still pending.
    if (this.#s.phase === 'closing') this.requestClose('carried over');
  }

  get state(): StateView {
    return this.#s;
  }

  get phase(): Phase {
    return this.#s.phase;
  }

  get closeRequested(): boolean {
    return this.#closeRequested;
  }

  get closeReason(): string {
    return this.#closeReason;
  }

  // --- Transitions: one method each; the table above decides what may follow what. ---

  /** An assignment is being acted on: the agent is being started. */
  assign(assignment: IssueAssigned): void {
    this.#move('starting', 'assign');
    this.#s.assignment = assignment;
  }

  /** A concurrency slot is not free yet: the start waits in line. */
  queued(): void {
    if (this.#s.phase !== 'queued') this.#move('queued', 'queued');
  }

  /** Every slot the start needs is granted: go on starting. */
  dequeued(): void {
    this.#move('starting', 'dequeued');
  }

  /** The assigner may not start an agent: back to waiting for an assignment. */
  skipAssignment(): void {
    this.#move('requested', 'skipAssignment');
    this.#s.counts.skipped++;
    this.#s.assignment = null;
  }

  /** Which backend runs the agent (known before the agent exists). */
  identified(backend: Backend): void {
    this.#s.backend = backend;
  }

  /** The agent exists (created or adopted); it may not take messages yet. */
  started(started: AgentStarted): void {
    if (this.#s.phase !== 'starting') {
      throw new IllegalTransition(this.#s.phase, 'starting', 'started');
    }
    this.#s.agent = started.agent;
    if (started.ownerNote !== undefined) this.#s.ownerNote = started.ownerNote;
  }

  /** The agent takes messages. */
  ready(): void {
    if (this.#s.phase === 'ready') return;
    this.#move('ready', 'ready');
  }

  /** Messages are on their way to the agent. */
  forwarding(): void {
    this.#move('working', 'forwarding');
  }

  /** One message with `items` items reached the agent. */
  forwarded(items: number): void {
    this.#s.counts.forwardedMessages++;
    this.#s.counts.forwardedItems += items;
  }

  /** A step failed; it waits for `retry` (or, on an agent error, for Coder to clear it). */
  failed(step: FailedStep, message: string, onAgentError = false): void {
    this.#move('failed', 'failed');
    this.#s.failure = { step, message, cause: onAgentError ? 'agent' : 'call' };
  }

  /** Coder refused work for a budget or usage limit: parked like an agent error, phase of its own. */
  waitForBudget(message: string): void {
    this.#move('waiting-for-budget', 'waitForBudget');
    this.#s.failure = { step: 'deliver', message, cause: 'agent' };
  }

  /** The issue reached its cost limit: parked in the budget's phase until it is raised. */
  overBudget(message: string): void {
    this.#move('waiting-for-budget', 'overBudget');
    this.#s.failure = { step: 'deliver', message, cause: 'cost' };
    this.#s.cost.stopDue = true;
  }

  /** Parked because the issue reached its cost limit (not Coder's usage limit). */
  get overCostLimit(): boolean {
    return this.#s.phase === 'waiting-for-budget' && this.#s.failure?.cause === 'cost';
  }

  /**
   * Coder did not answer `step`: the task waits for Coder, the work kept in order. Returns
   * true when this is the first failure of the outage (the issue is told once); a try that
   * finds Coder still down waits longer (`delayAfter(failedProbes)`).
   */
  waitForCoder(
    step: FailedStep,
    message: string,
    nowMs: number,
    delayAfter: (failedProbes: number) => number,
  ): boolean {
    this.#move('waiting-for-coder', 'waitForCoder');
    this.#s.failure = { step, message, cause: 'coder' };
    const down = this.#s.coderDown;
    const failedProbes = down ? down.failedProbes + 1 : 0;
    this.#s.coderDown = {
      step,
      since: down?.since ?? new Date(nowMs).toISOString(),
      failedProbes,
      nextProbeAt: nowMs + delayAfter(failedProbes),
    };
    // A running agent's status comment says so through the status lane (throttled).
    if (!down && step === 'deliver') this.live.changed();
    return !down;
  }

  /**
   * Coder answered a call: the outage, if there was one, is over. Returns true when it was
   * (the status comment, which said "waiting for Coder", is due for an edit).
   */
  coderAnswered(): boolean {
    const down = this.#s.coderDown;
    if (!down) return false;
    this.#s.coderDown = null;
    // A start writes its own comment anyway.
    if (down.step === 'deliver') this.live.changed();
    return true;
  }

  /** Failed, or waiting for the budget or for Coder: nothing is delivered until it goes on. */
  get parked(): boolean {
    const phase = this.#s.phase;
    return phase === 'failed' || phase === 'waiting-for-budget' || phase === 'waiting-for-coder';
  }

  get failure(): Readonly<Failure> | null {
    return this.#s.failure;
  }

  /** Parked on an agent error a person must fix (it goes on once Coder clears the error). */
  get failedOnAgentError(): boolean {
    return this.#s.failure?.cause === 'agent';
  }

  /**
   * An operator retries the failed step. `readopt`: a start that failed after the agent was
   * created is redone whole (the agent is adopted again by name). Returns the step retried.
   */
  retry(readopt: boolean): FailedStep {
    if (!this.parked) throw new IllegalTransition(this.#s.phase, 'ready', 'retry');
    const step = this.#s.failure?.step ?? 'start';
    if (this.failedOnAgentError) this.live.forgetError();
    this.#s.failure = null;
    if (step === 'start' && this.#s.agent && readopt) this.#s.agent = null;
    this.#move(this.#s.agent ? 'ready' : 'requested', 'retry');
    if (step === 'start' && this.#s.assignment && !this.#s.agent) {
      this.#s.inbox.unshift(this.#s.assignment);
    }
    return step;
  }

  /** A task parked on an agent error a person had to fix, now that Coder says it is fixed. */
  canResumeAfterAgentError(): boolean {
    return (
      this.parked &&
      this.failedOnAgentError &&
      this.#s.live !== null &&
      this.live.blockingError() === null
    );
  }

  /** Coder reports the agent out of the error that parked the task: go on. */
  resume(): void {
    this.#s.failure = null;
    this.#move('ready', 'resume');
  }

  /**
   * Closing starts (or goes on, after a continue-as-new while closing): whatever waits is
   * dropped. Returns how many items were dropped.
   */
  close(): number {
    if (this.#s.phase !== 'closing') this.#move('closing', 'close');
    this.held.clear();
    return this.inbox.drop();
  }

  /** The agent is stopped and the issue says so. */
  closed(): void {
    this.#move('closed', 'closed');
  }

  #move(to: Phase, transition: string): void {
    const from = this.#s.phase;
    if (!TRANSITIONS[from].includes(to)) throw new IllegalTransition(from, to, transition);
    this.#s.phase = to;
  }

  // --- Facts the workflow learns along the way (no phase change). ---

  /** Returns true when the pull request is new to the task. */
  pullRequestSeen(url: string): boolean {
    if (url === this.#s.pullRequestUrl) return false;
    this.#s.pullRequestUrl = url;
    return true;
  }

  /** Items that could not go anywhere (no agent runs). */
  skipped(count: number): void {
    this.#s.counts.skipped += count;
  }

  cleanupFailed(): void {
    this.#s.counts.cleanupFailures++;
  }

  // --- Intake (state/intake.ts) ---

  /** Validates, de-duplicates and queues one event (an `/agent` command goes to the fleet). */
  accept(raw: unknown): AcceptResult {
    return this.#intake.accept(raw);
  }

  /** De-duplicates and queues an event or an operator's message. */
  enqueue(item: InboxItem): AcceptResult {
    return this.#intake.enqueue(item);
  }

  requestClose(reason: string): void {
    if (this.#closeRequested) return;
    this.#closeRequested = true;
    this.#closeReason = reason;
  }

  /**
   * `/agent approve` by `by`: what `target` names (all when absent) leaves the held items and
   * goes into the inbox in its place by arrival (state/held.ts). Returns what was approved.
   */
  approve(by: string, target?: string): Array<{ author: string; url: string }> {
    const approved = this.held.approve(by, target);
    for (const item of approved) this.inbox.insertByArrival(item);
    return approved.map(refOf);
  }

  /** The status comment does not show what waits for approval as it is. */
  get heldRefreshDue(): boolean {
    return this.#s.statusComment.id !== null && this.held.refreshDue;
  }

  /** True when the head of the inbox can be worked on now. */
  hasWork(): boolean {
    return this.inbox.length > 0 && !this.parked && !this.#s.paused;
  }

  /** The `stuck-tasks` schedule's word, unless the task is closing anyway. */
  stuck(phase: string, since: string): boolean {
    return !this.#closeRequested && this.fleet.stuck(phase, since);
  }

  snapshot(): TaskSnapshot {
    return snapshotOf(this.#s, {
      taskName: this.taskName,
      repository: this.repository,
      issueNumber: this.issueNumber,
      closeRequested: this.#closeRequested,
      liveDirty: this.live.liveEditDue,
    });
  }

  carry(): CarriedState {
    const carried = cloneState(this.#s);
    carried.runs += 1;
    if (this.#closeRequested) carried.phase = 'closing';
    return carried;
  }
}
