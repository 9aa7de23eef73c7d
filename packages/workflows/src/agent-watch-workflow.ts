/**
 * One workflow per task queue (ID `agent-watch-<queue>`) that holds Coder's chat streams.
 *
 * Coder streams chat changes per owner, and every chat the product creates carries the issue's
 * workflow ID in its `code-factory/task` label, so what must be known here is only whose streams
 * to hold: the list of chat owners. The activity that creates or adopts a chat signals `follow`
 * when its owner may be new (once per owner and worker process every few minutes, never once per
 * chat: a fleet start of thousands of issues must not funnel thousands of signals into this one
 * run). One long, heartbeating activity holds the streams and signals each change to the issue's
 * workflow. Temporal runs one attempt of that activity at a time, so however many workers run
 * there is exactly one holder; when its worker dies the heartbeat times out and another worker
 * takes the hold over.
 */
import {
  ActivityCancellationType,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentWatchActivities } from './activities';
import {
  coderDeploymentSignal,
  type FollowedAgent,
  followAgentSignal,
  followedAgentsQuery,
  followedOwnersQuery,
  SELF_OWNER,
  unfollowAgentSignal,
} from './definitions';

export interface AgentWatchInput {
  /** The owners followed (carried over a continue-as-new). */
  owners?: string[];
  /** Releases before owner-level following carried every chat; only their owners are kept. */
  followed?: FollowedAgent[];
  deployment?: string;
  /** Tests lower these. */
  heartbeatTimeoutMs?: number;
  maxHistoryEvents?: number;
}

const MAX_HISTORY_EVENTS = 2_000;
/** Owners kept at most; one stream each, so a leak here would grow every stream holder. */
const MAX_OWNERS = 10_000;

export async function agentWatchWorkflow(input: AgentWatchInput = {}): Promise<void> {
  const owners = new Set<string>(input.owners ?? []);
  for (const chat of input.followed ?? []) owners.add(chat.ownerId ?? SELF_OWNER);
  let version = owners.size;
  let deployment = input.deployment ?? 'not reported yet';
  let changed = false;

  setHandler(followAgentSignal, (chat) => {
    if (!isFollowedAgent(chat)) {
      log.warn('follow ignored: malformed', { chat: JSON.stringify(chat)?.slice(0, 200) });
      return;
    }
    const owner = chat.ownerId || SELF_OWNER;
    if (owners.has(owner)) return;
    if (owners.size >= MAX_OWNERS) {
      log.warn('follow ignored: too many chat owners followed', { limit: MAX_OWNERS });
      return;
    }
    owners.add(owner);
    version++;
    changed = true;
  });
  // Releases that followed chat by chat sent this on close; nothing to undo now.
  setHandler(unfollowAgentSignal, () => undefined);
  setHandler(coderDeploymentSignal, (arg) => {
    if (typeof arg?.description === 'string') {
      deployment = arg.description.slice(0, 300);
      changed = true;
    }
  });
  setHandler(followedOwnersQuery, (since) =>
    since?.sinceVersion === version ? null : { owners: [...owners], version },
  );
  setHandler(followedAgentsQuery, () => ({ owners: [...owners], version }));

  const describe = () =>
    setCurrentDetails(
      [
        `**Coder**: ${deployment}`,
        `Holding the chat streams of ${owners.size} Coder user(s); each change to a chat labelled \`code-factory/task\` is signalled to that issue's workflow as \`agentUpdate\`.`,
      ].join('\n\n'),
    );
  describe();

  const acts = proxyActivities<AgentWatchActivities>({
    // The hold is renewed every day; the heartbeat is what detects a dead holder.
    startToCloseTimeout: '1 day',
    heartbeatTimeout: input.heartbeatTimeoutMs ?? 30_000,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // A short ceiling: after a takeover the next attempt must not wait long.
    retry: { initialInterval: '1 second', maximumInterval: '5 seconds', backoffCoefficient: 2 },
  });

  const holder = new CancellationScope();
  const hold = holder
    .run(() =>
      acts.followAgentStreams.executeWithOptions({ summary: 'hold Coder chat streams' }, [
        { watcherId: workflowInfo().workflowId },
      ]),
    )
    .catch((err) => {
      if (!isCancellation(err)) log.warn('stream holder ended', { error: `${err}` });
    });

  const limit = input.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
  const tooLong = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > limit;
  for (;;) {
    await condition(() => changed || tooLong());
    if (changed) {
      changed = false;
      describe();
    }
    if (tooLong()) break;
  }
  // Hand the hold over cleanly: the next run starts its own holder.
  holder.cancel();
  await hold;
  await condition(allHandlersFinished);
  log.info('agent watch continuing as new', { owners: owners.size });
  const { followed: _chats, ...rest } = input;
  return continueAsNew<typeof agentWatchWorkflow>({
    ...rest,
    owners: [...owners],
    deployment,
  });
}

/**
 * The activity sends the chat that prompted the follow; an operator may send only the owner
 * (`{"ownerId": "<Coder user id>"}`, or `{}` for the service's own user).
 */
function isFollowedAgent(value: unknown): value is Partial<FollowedAgent> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const short = (x: unknown) => x === undefined || (typeof x === 'string' && x.length <= 100);
  return short(v.chatId) && short(v.taskName) && short(v.ownerId);
}
