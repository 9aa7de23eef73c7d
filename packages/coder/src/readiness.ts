/**
 * Waiting until an agent can take input, as one loop inside one heartbeating activity, so a
 * long start-up costs the workflow no history per poll.
 *
 *  - starting / busy: keep polling (start-up is bounded by `startupTimeoutMs`);
 *  - paused: resume once; paused again while we wait means someone stopped it: failure;
 *  - error: tolerated for `errorGraceMs` (builds flap), then failure;
 *  - gone: failure.
 */
import { ExternalError } from '@code-factory/errors';
import type { AgentBackend, AgentHandle, AgentStatus } from './backend';

export interface ReadinessTimings {
  pollMs: number;
  startupTimeoutMs: number;
  errorGraceMs: number;
}

export interface WaitHooks {
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Called on every poll: the activity heartbeats here and learns of cancellation. */
  onPoll(status: AgentStatus): void;
}

export class AgentUnavailableError extends Error {
  override name = 'AgentUnavailableError';
}

export async function waitUntilReady(
  backend: AgentBackend,
  agent: AgentHandle,
  timings: ReadinessTimings,
  hooks: WaitHooks,
): Promise<AgentStatus> {
  const startedAt = hooks.now();
  let errorSince: number | null = null;
  let resumed = false;
  let sawRunning = false;
  for (;;) {
    const status = await backend.status(agent);
    hooks.onPoll(status);
    const now = hooks.now();
    switch (status.readiness) {
      case 'ready':
        return status;
      case 'busy':
        // The backend holds messages for a busy agent itself: no need to wait.
        if (backend.queuesWhileBusy) return status;
        errorSince = null;
        break;
      case 'blocked':
        if (backend.queuesWhileBusy) return status;
        break;
      case 'starting':
        errorSince = null;
        if (now - startedAt > timings.startupTimeoutMs) {
          throw new AgentUnavailableError(
            `${agent.name} did not become ready within ${Math.round(timings.startupTimeoutMs / 1000)}s (last state ${status.detail})`,
          );
        }
        break;
      case 'paused':
        if (resumed && sawRunning) {
          throw new AgentUnavailableError(`${agent.name} was paused again while waiting for it`);
        }
        if (!resumed) {
          await backend.resume(agent);
          resumed = true;
        } else if (now - startedAt > timings.startupTimeoutMs) {
          throw new AgentUnavailableError(`${agent.name} did not resume in time`);
        }
        break;
      case 'error':
        // A chat error a person must fix (usage limit, credentials...): say so now.
        if (status.error?.userFixable) {
          throw new ExternalError(`${agent.name} stopped: ${status.error.kind}`, {
            kind: 'user_fixable',
            service: 'coder',
            userMessage: status.error.explanation ?? status.detail,
          });
        }
        // Any other chat error ends with the next message, which Coder takes.
        if (backend.queuesWhileBusy) return status;
        errorSince ??= now;
        if (now - errorSince > timings.errorGraceMs) {
          throw new AgentUnavailableError(
            `${agent.name} stayed in error for over ${Math.round(timings.errorGraceMs / 1000)}s (${status.detail})`,
          );
        }
        break;
      case 'gone':
        throw new AgentUnavailableError(`${agent.name} no longer exists in Coder`);
    }
    if (resumed && status.readiness !== 'paused') sawRunning = true;
    await hooks.sleep(timings.pollMs);
  }
}
