/**
 * One workflow per task queue (ID `agent-watch-<queue>`) that holds Coder's chat streams.
 *
 * It keeps the set of chats to follow (the activity that creates or adopts a chat signals
 * `follow`, the one that closes it `unfollow`) and runs one long, heartbeating activity that
 * holds the streams and signals each change to the workflow. Temporal runs one attempt
 * of that activity at a time, so however many workers run there is exactly one holder; when its
 * worker dies the heartbeat times out and another worker takes the hold over.
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
  unfollowAgentSignal,
} from './definitions';

export interface AgentWatchInput {
  followed?: FollowedAgent[];
  deployment?: string;
  /** Tests lower these. */
  heartbeatTimeoutMs?: number;
  maxHistoryEvents?: number;
}

const MAX_HISTORY_EVENTS = 2_000;
/** Followed chats kept at most; a leak here would grow every stream holder. */
const MAX_FOLLOWED = 20_000;

export async function agentWatchWorkflow(input: AgentWatchInput = {}): Promise<void> {
  const followed = new Map<string, FollowedAgent>();
  for (const chat of input.followed ?? []) followed.set(chat.chatId, chat);
  let deployment = input.deployment ?? 'not reported yet';
  let changed = false;

  setHandler(followAgentSignal, (chat) => {
    if (!isFollowedAgent(chat)) {
      log.warn('follow ignored: malformed', { chat: JSON.stringify(chat)?.slice(0, 200) });
      return;
    }
    if (followed.size >= MAX_FOLLOWED && !followed.has(chat.chatId)) {
      log.warn('follow ignored: too many chats followed', { limit: MAX_FOLLOWED });
      return;
    }
    followed.set(chat.chatId, {
      chatId: chat.chatId,
      taskName: chat.taskName,
      ...(chat.ownerId ? { ownerId: chat.ownerId } : {}),
    });
    changed = true;
  });
  setHandler(unfollowAgentSignal, (arg) => {
    if (typeof arg?.chatId === 'string' && followed.delete(arg.chatId)) changed = true;
  });
  setHandler(coderDeploymentSignal, (arg) => {
    if (typeof arg?.description === 'string') {
      deployment = arg.description.slice(0, 300);
      changed = true;
    }
  });
  setHandler(followedAgentsQuery, () => [...followed.values()]);

  const describe = () =>
    setCurrentDetails(
      [
        `**Coder**: ${deployment}`,
        `Following ${followed.size} chat(s) by push; changes are signalled to each issue's workflow as \`agentUpdate\`.`,
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
  log.info('agent watch continuing as new', { followed: followed.size });
  return continueAsNew<typeof agentWatchWorkflow>({
    ...input,
    followed: [...followed.values()],
    deployment,
  });
}

function isFollowedAgent(value: unknown): value is FollowedAgent {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.chatId === 'string' &&
    v.chatId.length > 0 &&
    v.chatId.length <= 100 &&
    typeof v.taskName === 'string' &&
    v.taskName.length > 0 &&
    v.taskName.length <= 100 &&
    (v.ownerId === undefined || (typeof v.ownerId === 'string' && v.ownerId.length <= 100))
  );
}
