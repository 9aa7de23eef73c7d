/**
 * A step that failed. Coder not answering is a state (`waiting-for-coder`, tried again by the
 * coder lane); an agent error a person must fix parks the task until Coder clears it; any
 * other failure is explained on the issue before the phase says `failed`, then waits for
 * `retry` or close.
 */
import { CODER_DOWN_NOTES } from '@code-factory/messages';
import { type ApplicationFailure, condition, log, metricMeter } from '@temporalio/workflow';
import { ErrorTypes } from '../activities';
import { coderProbeDelay, isCoderUnavailable, probeFirstMsOf } from '../coder-down';
import type { FailedStep } from '../state';
import type { TaskRun } from '../task/run';
import { applicationFailureOf, KEPT, liveView } from '../task/views';
import { releaseSlots } from './slots';

export class Failures {
  /** The issue is being told why a send failed: the status lane must not edit now. */
  explaining = false;

  constructor(private readonly run: TaskRun) {}

  async handle(err: unknown, step: FailedStep): Promise<void> {
    const failure = applicationFailureOf(err);
    const message = failure?.message ?? (err instanceof Error ? err.message : String(err));
    if (isCoderUnavailable(err)) {
      await this.#waitForCoder(step, message, probeFirstMsOf(err));
      return;
    }
    log.warn('step failed; waiting for retry or close', { step, type: failure?.type, message });
    if (step === 'start') {
      await this.#explain(step, failure, message);
      return;
    }
    // A live edit of the status lane would land after the explanation and hide it under
    // "idle": the one in flight finishes first, and none starts until the phase says failed
    // (the lane leaves parked tasks alone).
    this.explaining = true;
    try {
      await condition(() => this.run.laneCalls === 0);
      await this.#explain(step, failure, message);
    } finally {
      this.explaining = false;
    }
  }

  /** An agent error a person must fix parks the task; a spent budget has a phase of its own. */
  parkOnAgentError(message: string): void {
    const { task } = this.run;
    if (task.live.budgetExhausted()) task.waitForBudget(message);
    else task.failed('deliver', message, true);
  }

  /** The failure explained on the issue, then the phase (`failed`, or parked on an agent error). */
  async #explain(
    step: FailedStep,
    failure: ApplicationFailure | undefined,
    message: string,
  ): Promise<void> {
    const { run } = this;
    const { task } = run;
    const agent = task.state.agent;
    const agentUrl = agent?.url;
    if (step === 'start') {
      // Explained once, in plain words when the user can fix it; before the phase changes,
      // so whoever sees "failed" in the Web UI also finds the comment on the issue.
      const problem =
        failure?.type === ErrorTypes.userFixable
          ? message
          : 'Something went wrong while starting the agent. The operators have been told; they can retry it.';
      await run.tryShowStatus({ state: 'failed', problem, agentUrl });
      // A start that failed holds no agent: its slots go to the next in line (a retry asks again).
      await releaseSlots(run);
    } else if (failure?.type === ErrorTypes.userFixable && agent?.pushed === true) {
      // The agent reported an error a person must fix: said once, in plain words; the
      // comments wait, and the task resumes when Coder clears the error or on `retry`.
      await run.tryShowStatus({
        ...liveView(task, agent),
        state: 'stalled',
        problem: `${message} ${KEPT}`,
      });
      this.parkOnAgentError(message);
      run.publishPhase();
      return;
    } else if (failure?.type === ErrorTypes.agentUnavailable) {
      // The agent went away while messages waited (paused again, stuck in error, deleted).
      await run.tryShowStatus({
        state: 'stalled',
        problem: `${message}. The comments are kept; an operator can retry once the agent runs again.`,
        agentUrl,
      });
    } else {
      // Any other send that failed (a 4xx retrying cannot fix, GitHub down while CI logs were
      // read): `failed` is published only once the issue says so, never under "idle".
      await run.tryShowStatus({
        state: 'stalled',
        problem:
          failure?.type === ErrorTypes.userFixable
            ? `${message} The comments are kept; an operator can retry once it is fixed.`
            : 'A message could not be delivered to the agent. The comments are kept; the operators have been told and can retry it.',
        agentUrl,
      });
    }
    task.failed(step, message);
    run.publishPhase();
  }

  /**
   * Coder did not answer `step`: the work stays in order and the task waits for Coder, never
   * `failed` for this. The issue is told once per outage: at once for a start (the status
   * comment is created then, so the assignment shows), through the status lane for a running
   * agent (throttled like every live edit). The coder lane tries again.
   */
  async #waitForCoder(step: FailedStep, message: string, firstMs: number): Promise<void> {
    const { run } = this;
    const { task } = run;
    const first = !task.state.coderDown;
    if (step === 'start') {
      // Before the phase changes, as for `failed`: whoever sees it finds the issue says so.
      if (first) {
        await run.tryShowStatus({
          state: 'waiting-for-coder',
          problem: CODER_DOWN_NOTES.start,
          agentUrl: task.state.agent?.url,
        });
      }
      // No agent runs: the slots go to the next in line; the next try asks again.
      await releaseSlots(run);
    }
    // Math.random is the workflow's seeded one: the same spread on replay.
    task.waitForCoder(step, message, Date.now(), (n) => coderProbeDelay(n, Math.random(), firstMs));
    const down = task.state.coderDown;
    log.warn('Coder is not answering; waiting for it', {
      step,
      message,
      since: down?.since,
      failedProbes: down?.failedProbes,
      nextTryInMs: down ? down.nextProbeAt - Date.now() : undefined,
    });
    if (first) {
      metricMeter
        .createCounter(
          'code_factory_coder_unavailable_waits',
          'tasks',
          'Tasks that began waiting for Coder (it did not answer a start or a send)',
        )
        .add(1, { step });
    }
    run.publishPhase();
  }
}
