/**
 * Messages and search attributes of the task workflow: the names operators type in the
 * `temporal` CLI and see in the Web UI. Safe to import from clients (ingress, tests).
 */

import type { RepoEvent, TaskEvent } from '@code-factory/events';
import type { RepoConfig } from '@code-factory/repo-config';
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AgentUpdate } from './activities';
import type { TaskSnapshot } from './state';

export const TASK_WORKFLOW_TYPE = 'taskWorkflow';

/** Every GitHub event for the issue, in arrival order. Bad payloads are logged and ignored. */
export const eventSignal = defineSignal<[TaskEvent]>('event');
/** Whole lifecycle state: phase, agent, queue, counts, last error. */
export const stateQuery = defineQuery<TaskSnapshot>('state');

export interface SendMessageInput {
  text: string;
  /** Shown to the agent as the author; defaults to "operator". */
  author?: string;
}
/** Operator: queue a message for the agent, in order with GitHub events. */
export const sendMessageUpdate = defineUpdate<{ queued: number }, [SendMessageInput]>(
  'sendMessage',
);
/** Operator: re-run the step that failed (start-up or a delivery). */
export const retryUpdate = defineUpdate<{ retrying: string }, []>('retry');
/** Operator: stop the agent's current turn (Coder Agents only; Tasks cannot be interrupted). */
export const interruptUpdate = defineUpdate<{ interrupted: string }, []>('interrupt');
/** From the agent-watch workflow: the agent's status, pull request or summary changed. */
export const agentUpdateSignal = defineSignal<[AgentUpdate]>('agentUpdate');
/**
 * Operator: hold the task. It keeps accepting events (in order) and forwards nothing; the
 * status comment says it is paused. Idempotent. One task, a repository or the fleet at once
 * with `temporal workflow signal --query ...` (docs/operations.md, "Pause and resume").
 */
export const pauseSignal = defineSignal<[{ reason?: string }?]>('pause');
/** Operator: undo `pause`; what waits is forwarded in order. Idempotent. */
export const resumeSignal = defineSignal<[]>('resume');
/** Operator: close the task as if the issue had been closed. */
export const closeSignal = defineSignal<[{ reason?: string }?]>('close');

export const SearchAttributes = {
  repository: defineSearchAttributeKey('CodeFactoryRepository', 'KEYWORD'),
  issueNumber: defineSearchAttributeKey('CodeFactoryIssueNumber', 'INT'),
  phase: defineSearchAttributeKey('CodeFactoryPhase', 'KEYWORD'),
  backend: defineSearchAttributeKey('CodeFactoryBackend', 'KEYWORD'),
  /** Since when the task is in its current phase; the `stuck-tasks` schedule filters on it. */
  phaseSince: defineSearchAttributeKey('CodeFactoryPhaseSince', 'DATETIME'),
  /** The operators paused the task (`pause` signal); absent or false otherwise. */
  paused: defineSearchAttributeKey('CodeFactoryPaused', 'BOOL'),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SearchAttributes);

export const REPOSITORY_WORKFLOW_TYPE = 'repositoryWorkflow';
/** Pull-request events, CI runs, branch pushes and merge-queue exits of one repository. */
export const repoEventSignal = defineSignal<[RepoEvent]>('repoEvent');

export interface RepoConfigState {
  sha: string | null;
  config: RepoConfig | null;
  /** Errors of the last config that failed validation (the previous valid one stays in use). */
  errors: string[] | null;
}
/** The repository's stored config (sparse; defaults are applied by readers). */
export const repoConfigQuery = defineQuery<RepoConfigState>('repoConfig');

export const AGENT_WATCH_WORKFLOW_TYPE = 'agentWatchWorkflow';
/**
 * The one workflow per task queue that holds Coder's chat streams (`agent-watch-<queue>`):
 * its heartbeating activity is the single holder, and a dead worker's hold is taken over.
 */
export function agentWatchWorkflowId(taskQueue: string): string {
  return `agent-watch-${taskQueue}`;
}

export interface FollowedAgent {
  chatId?: string;
  taskName?: string;
  ownerId?: string;
}
/**
 * A chat was created or adopted for an issue: its owner's stream must be held while the issue's
 * task is open. The worker batches these (`{ follows }`, one signal for every start in a short
 * window) so a fleet start does not funnel one signal per issue into this one run. An operator
 * may send a bare owner (`{"ownerId": "…"}`, `{}` for the service's own user): such an owner is
 * followed until an operator's `unfollow` names it.
 */
export const followAgentSignal =
  defineSignal<[FollowedAgent | { follows: FollowedAgent[] }]>('follow');
/**
 * An issue's task let go of its agent (closed, released): `{ taskName, ownerId? }`. The owner is
 * no longer followed once none of its tasks is open. An operator's bare `{ ownerId }` drops the
 * owner outright; `{ chatId }` alone (older releases) is ignored.
 */
export const unfollowAgentSignal = defineSignal<[FollowedAgent]>('unfollow');
/** `unfollow` as an update: answers whether the owner is still followed (another open task). */
export const releaseAgentUpdate = defineUpdate<{ ownerFollowed: boolean }, [FollowedAgent]>(
  'releaseAgent',
);
/** An owner Coder refuses to mint a key for, as the stream holder last saw it. */
export interface OwnerAccessRefusal {
  ownerId: string;
  failures: number;
  /** When the holder tries again (ms since the epoch). */
  retryAt: number;
  reason: string;
}
/** The stream holder's report of owners Coder refuses keys for (sent only when it changes). */
export const coderAccessSignal = defineSignal<[{ refused: OwnerAccessRefusal[] }]>('coderAccess');
/** What the worker detected in Coder at start, for the Web UI. */
export const coderDeploymentSignal = defineSignal<[{ description: string }]>('coderDeployment');
/** The key the service's own Coder user has in the owner list. */
export const SELF_OWNER = 'self';
/**
 * The Coder users whose chat streams are held (`self`: the service's own user), with the
 * version of the list, which grows by one each time an owner is added.
 */
export interface FollowedOwners {
  owners: string[];
  version: number;
}
/** The owners followed now; `{ sinceVersion }` answers `null` when nothing changed since. */
export const followedOwnersQuery = defineQuery<FollowedOwners | null, [{ sinceVersion?: number }?]>(
  'owners',
);
/**
 * The name releases that followed chat by chat answered with their chats; kept so runbooks that
 * ask it still get an answer, now the owner list as `owners` gives it.
 */
export const followedAgentsQuery = defineQuery<FollowedOwners>('followed');
