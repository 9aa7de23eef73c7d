/**
 * The phase of a task and the phases it parks in: `failed` (a step failed, or an agent error a
 * person must fix), `waiting-for-budget` (Coder's usage limit, or the issue's own cost limit)
 * and `waiting-for-coder` (Coder does not answer). Nothing is delivered while parked; a task
 * goes on by `retry`, or by itself when Coder clears the error or answers again.
 *
 * `TaskLifecycle` (lifecycle.ts) extends this with the start, the forward, the close and the
 * parts; every phase change of both goes through `move`, which the `TRANSITIONS` table guards.
 */
import type { LiveProgress } from './live';
import type { FailedStep, Failure } from './records';
import { IllegalTransition, TRANSITIONS } from './transitions';
import type { CarriedState, Phase } from './types';

export abstract class ParkingPhases {
  protected constructor(
    protected readonly s: CarriedState,
    readonly live: LiveProgress,
  ) {}

  get phase(): Phase {
    return this.s.phase;
  }

  /** The one way a phase changes: `TRANSITIONS` says what may follow what. */
  protected move(to: Phase, transition: string): void {
    const from = this.s.phase;
    if (!TRANSITIONS[from].includes(to)) throw new IllegalTransition(from, to, transition);
    this.s.phase = to;
  }

  /** A step failed; it waits for `retry` (or, on an agent error, for Coder to clear it). */
  failed(step: FailedStep, message: string, onAgentError = false): void {
    this.move('failed', 'failed');
    this.s.failure = { step, message, cause: onAgentError ? 'agent' : 'call' };
  }

  /** Coder refused work for a budget or usage limit: parked like an agent error, phase of its own. */
  waitForBudget(message: string): void {
    this.move('waiting-for-budget', 'waitForBudget');
    this.s.failure = { step: 'deliver', message, cause: 'agent' };
  }

  /** The issue reached its cost limit: parked in the budget's phase until it is raised. */
  overBudget(message: string): void {
    this.move('waiting-for-budget', 'overBudget');
    this.s.failure = { step: 'deliver', message, cause: 'cost' };
    this.s.cost.stopDue = true;
  }

  /** Parked because the issue reached its cost limit (not Coder's usage limit). */
  get overCostLimit(): boolean {
    return this.s.phase === 'waiting-for-budget' && this.s.failure?.cause === 'cost';
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
    this.move('waiting-for-coder', 'waitForCoder');
    this.s.failure = { step, message, cause: 'coder' };
    const down = this.s.coderDown;
    const failedProbes = down ? down.failedProbes + 1 : 0;
    this.s.coderDown = {
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
    const down = this.s.coderDown;
    if (!down) return false;
    this.s.coderDown = null;
    // A start writes its own comment anyway.
    if (down.step === 'deliver') this.live.changed();
    return true;
  }

  /** Failed, or waiting for the budget or for Coder: nothing is delivered until it goes on. */
  get parked(): boolean {
    const phase = this.s.phase;
    return phase === 'failed' || phase === 'waiting-for-budget' || phase === 'waiting-for-coder';
  }

  get failure(): Readonly<Failure> | null {
    return this.s.failure;
  }

  /** Parked on an agent error a person must fix (it goes on once Coder clears the error). */
  get failedOnAgentError(): boolean {
    return this.s.failure?.cause === 'agent';
  }

  /**
   * An operator retries the failed step. `readopt`: a start that failed after the agent was
   * created is redone whole (the agent is adopted again by name). Returns the step retried.
   */
  retry(readopt: boolean): FailedStep {
    if (!this.parked) throw new IllegalTransition(this.s.phase, 'ready', 'retry');
    const step = this.s.failure?.step ?? 'start';
    if (this.failedOnAgentError) this.live.forgetError();
    this.s.failure = null;
    if (step === 'start' && this.s.agent && readopt) this.s.agent = null;
    this.move(this.s.agent ? 'ready' : 'requested', 'retry');
    if (step === 'start' && this.s.assignment && !this.s.agent) {
      this.s.inbox.unshift(this.s.assignment);
    }
    return step;
  }

  /** A task parked on an agent error a person had to fix, now that Coder says it is fixed. */
  canResumeAfterAgentError(): boolean {
    return (
      this.parked &&
      this.failedOnAgentError &&
      this.s.live !== null &&
      this.live.blockingError() === null
    );
  }

  /** Coder reports the agent out of the error that parked the task: go on. */
  resume(): void {
    this.s.failure = null;
    this.move('ready', 'resume');
  }
}
