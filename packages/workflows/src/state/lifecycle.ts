/**
 * The task lifecycle as a plain domain object: the workflow's handlers only call into it. No
 * Temporal APIs here, so it is unit-tested directly and carried across continue-as-new. It
 * keeps the phases of a start, a forward and a close (what may follow what: `TRANSITIONS`;
 * the parked phases are in `parking.ts`) and the intake of events; its parts keep the rest
 * (`inbox`, `live`, `fleet`, `shepherd`, `held`, `costs`, `follow`).
 */
import type { IssueAssigned, Repository } from '@code-factory/events';
import type { Regression } from '@code-factory/messages';
import type { Backend } from '../activities';
import { cloneState, emptyState, snapshotOf, upgradeCarried } from './carried';
import { IssueCosts } from './cost';
import { Fleet } from './fleet';
import { type FollowState, FollowThrough } from './follow';
import { HeldInput, refOf } from './held';
import { Inbox } from './inbox';
import { Intake } from './intake';
import type { InboxItem } from './items';
import { LiveProgress } from './live';
import { ParkingPhases } from './parking';
import { ShepherdLedger } from './shepherd';
import { IllegalTransition } from './transitions';
import type { AcceptResult, AgentStarted, CarriedState, StateView, TaskSnapshot } from './types';

/** Merge commits a task remembers having watched. */
const MAX_FOLLOWED = 20;

export class TaskLifecycle extends ParkingPhases {
  readonly inbox: Inbox;
  readonly fleet: Fleet;
  readonly shepherd: ShepherdLedger;
  readonly held: HeldInput;
  /** Change `held-input` (set by the run at its start): comments from outside the trust list are held. */
  holdsUntrusted = false;
  readonly costs: IssueCosts;
  readonly follow: FollowThrough;
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
    const s = carried === undefined ? emptyState() : upgradeCarried(carried);
    super(s, new LiveProgress(s));
    this.inbox = new Inbox(s);
    this.fleet = new Fleet(s);
    this.shepherd = new ShepherdLedger(s);
    this.held = new HeldInput(s);
    this.costs = new IssueCosts(s);
    this.follow = new FollowThrough(s);
    this.#intake = new Intake(s, this, { repository, issueNumber });
    // A close that was pending when the previous run continued as new is still pending.
    if (s.phase === 'closing') this.requestClose('carried over');
  }

  get state(): StateView {
    return this.s;
  }

  get closeRequested(): boolean {
    return this.#closeRequested;
  }

  get closeReason(): string {
    return this.#closeReason;
  }

  // --- Transitions: one method each; `TRANSITIONS` decides what may follow what. ---

  /** An assignment is being acted on: the agent is being started. */
  assign(assignment: IssueAssigned): void {
    this.move('starting', 'assign');
    this.s.assignment = assignment;
  }

  /** A concurrency slot is not free yet: the start waits in line. */
  queued(): void {
    if (this.s.phase !== 'queued') this.move('queued', 'queued');
  }

  /** Every slot the start needs is granted: go on starting. */
  dequeued(): void {
    this.move('starting', 'dequeued');
  }

  /** The assigner may not start an agent: back to waiting for an assignment. */
  skipAssignment(): void {
    this.move('requested', 'skipAssignment');
    this.s.counts.skipped++;
    this.s.assignment = null;
  }

  /** Which backend runs the agent (known before the agent exists). */
  identified(backend: Backend): void {
    this.s.backend = backend;
  }

  /** The agent exists (created or adopted); it may not take messages yet. */
  started(started: AgentStarted): void {
    if (this.s.phase !== 'starting') {
      throw new IllegalTransition(this.s.phase, 'starting', 'started');
    }
    this.s.agent = started.agent;
    if (started.ownerNote !== undefined) this.s.ownerNote = started.ownerNote;
    // A follow-up (a regression) went out in this agent's brief.
    this.s.followUp = null;
  }

  /** The agent takes messages. */
  ready(): void {
    if (this.s.phase === 'ready') return;
    this.move('ready', 'ready');
  }

  /** Messages are on their way to the agent. */
  forwarding(): void {
    this.move('working', 'forwarding');
  }

  /** One message with `items` items reached the agent. */
  forwarded(items: number): void {
    this.s.counts.forwardedMessages++;
    this.s.counts.forwardedItems += items;
  }

  /**
   * Closing starts (or goes on, after a continue-as-new while closing): whatever waits is
   * dropped. Returns how many items were dropped.
   */
  close(): number {
    if (this.s.phase !== 'closing') this.move('closing', 'close');
    this.held.clear();
    return this.inbox.drop();
  }

  /** The agent is stopped and the issue says so. */
  closed(): void {
    this.move('closed', 'closed');
  }

  // --- Follow-through after a merge (state/follow.ts) ---

  /**
   * The close is done and the agent's pull request had merged: the branch it merged into is
   * watched. What ends the watch early is a new close request (an operator, `/agent release`).
   */
  beginFollowing(watch: FollowState): void {
    this.move('following', 'beginFollowing');
    this.s.follow = watch;
    this.s.followed = [...this.s.followed, watch.sha].slice(-MAX_FOLLOWED);
    this.#closeRequested = false;
    this.#closeReason = '';
  }

  /** The watch ended (its window passed, a revert, an operator): the task is closed. */
  followEnded(): void {
    this.move('closed', 'followEnded');
  }

  /**
   * A new agent for the issue while its merge was watched: for a regression the issue was told
   * about (`followUp`, the new agent's first lines), or because a trigger came. The task goes
   * back to `requested` with `start` as the only work waiting; what the previous agent left (its
   * reference, pull request, live status and ledger) goes, the status comment and the cost stay.
   */
  startAgain(start: IssueAssigned, followUp: Regression | null): void {
    this.move('requested', 'startAgain');
    const fresh = emptyState();
    Object.assign(this.s, {
      follow: null,
      followUp,
      agent: null,
      ownerNote: null,
      pullRequestUrl: null,
      live: null,
      earlyUpdate: null,
      failure: null,
      coderDown: null,
      shepherd: fresh.shepherd,
      inbox: [start],
    });
  }

  // --- Facts the workflow learns along the way (no phase change). ---

  /** Returns true when the pull request is new to the task. */
  pullRequestSeen(url: string): boolean {
    if (url === this.s.pullRequestUrl) return false;
    this.s.pullRequestUrl = url;
    return true;
  }

  /** Items that could not go anywhere (no agent runs). */
  skipped(count: number): void {
    this.s.counts.skipped += count;
  }

  cleanupFailed(): void {
    this.s.counts.cleanupFailures++;
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
    return this.s.statusComment.id !== null && this.held.refreshDue;
  }

  /** True when the head of the inbox can be worked on now. */
  hasWork(): boolean {
    return this.inbox.length > 0 && !this.parked && !this.s.paused;
  }

  /** The `stuck-tasks` schedule's word, unless the task is closing anyway. */
  stuck(phase: string, since: string): boolean {
    return !this.#closeRequested && this.fleet.stuck(phase, since);
  }

  snapshot(): TaskSnapshot {
    return snapshotOf(this.s, {
      taskName: this.taskName,
      repository: this.repository,
      issueNumber: this.issueNumber,
      closeRequested: this.#closeRequested,
      liveDirty: this.live.liveEditDue,
    });
  }

  carry(): CarriedState {
    const carried = cloneState(this.s);
    carried.runs += 1;
    if (this.#closeRequested) carried.phase = 'closing';
    return carried;
  }
}
