/** What the status comment shows for a running agent, and the failures the steps explain. */
import {
  CODER_DOWN_NOTES,
  type HeldFacts,
  type ShepherdFacts,
  type StatusView,
} from '@code-factory/messages';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { type AgentRef, ErrorTypes } from '../activities';
import type { TaskLifecycle } from '../state';

/** Said after an agent error a person must fix. */
export const KEPT = 'The comments are kept and delivered once the agent can go on.';

/** The status comment of a running agent, with what Coder pushed about it. */
export function liveView(task: TaskLifecycle, agent: AgentRef): Omit<StatusView, 'taskName'> {
  const s = task.state;
  const live = s.live;
  const pullRequest =
    live?.pullRequest ?? (s.pullRequestUrl ? { url: s.pullRequestUrl } : undefined);
  const blocking = task.live.blockingError();
  return {
    state: task.fleet.paused ? 'paused' : blocking ? 'stalled' : 'running',
    agentUrl: agent.url,
    ...(live ? { activity: activityOf(live.readiness, live.status) } : {}),
    ...(pullRequest ? { pullRequest: { ...pullRequest } } : {}),
    ...(live?.pullRequests ? { pullRequests: live.pullRequests.map((p) => ({ ...p })) } : {}),
    ...(live?.summary ? { summary: live.summary } : {}),
    ...(blocking ? { problem: `${blocking} ${KEPT}` } : {}),
    ...(s.ownerNote ? { note: s.ownerNote } : {}),
    ...shepherdView(task),
    ...heldView(task),
    ...costView(task),
  };
}

/** What waits for approval, for the status comment (nothing when nothing waits or was dropped). */
export function heldView(task: TaskLifecycle): { held?: HeldFacts } {
  const facts = task.held.facts();
  return facts.authors.length > 0 || facts.dropped > 0 ? { held: facts } : {};
}

/** What the issue spent so far, where Coder reports a cost (nothing otherwise). */
export function costView(task: TaskLifecycle): { cost?: StatusView['cost'] } {
  const spent = task.costs.spent;
  return spent ? { cost: spent } : {};
}

/** What shepherding found, for the status comment (nothing when it found nothing). */
export function shepherdView(task: TaskLifecycle): { shepherd?: ShepherdFacts } {
  const sh = task.state.shepherd;
  const facts: ShepherdFacts = {
    ...(sh.conflict ? { conflictWith: sh.conflict.base } : {}),
    ...(sh.threads ? { threads: { ...sh.threads } } : {}),
    ...(sh.flakes.length ? { flakes: sh.flakes.map((f) => f.job) } : {}),
    ...(sh.reviewRequested
      ? { waiting: [`Review requested from ${sh.reviewRequested.reviewers.join(', ')}.`] }
      : {}),
  };
  return Object.keys(facts).length > 0 ? { shepherd: facts } : {};
}

/** The status comment while Coder does not answer. */
export function coderDownView(
  task: TaskLifecycle,
  agent: AgentRef | null,
): Omit<StatusView, 'taskName'> {
  const s = task.state;
  return {
    state: 'waiting-for-coder',
    problem: s.failure?.step === 'start' ? CODER_DOWN_NOTES.start : CODER_DOWN_NOTES.deliver,
    ...(agent ? { agentUrl: agent.url } : {}),
    ...(s.pullRequestUrl ? { pullRequestUrl: s.pullRequestUrl } : {}),
    ...heldView(task),
  };
}

export function activityOf(
  readiness: string,
  status?: string,
): 'working' | 'waiting-for-you' | 'idle' | 'error' | 'queued-in-coder' {
  // Coder holds the chat until the deployment has capacity (its concurrent-agent limit).
  if (status === 'queued_for_capacity') return 'queued-in-coder';
  if (readiness === 'ready') return 'idle';
  if (readiness === 'blocked') return 'waiting-for-you';
  if (readiness === 'error' || readiness === 'gone') return 'error';
  return 'working';
}

/** An agent error a person must fix, as the user-fixable failure the workflow explains. */
export function agentErrorFailure(explanation: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorTypes.userFixable,
    message: explanation,
    nonRetryable: true,
  });
}

export function applicationFailureOf(err: unknown): ApplicationFailure | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause;
  if (err instanceof ApplicationFailure) return err;
  return undefined;
}
