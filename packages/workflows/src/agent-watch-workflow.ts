/**
 * One workflow per task queue (ID `agent-watch-<queue>`) that holds Coder's chat streams.
 *
 * Coder streams chat changes per owner, and every chat the product creates carries the issue's
 * workflow ID in its `code-factory/task` label, so what must be known here is only whose streams
 * to hold: the chat owners with an open task. The activity that creates or adopts a chat signals
 * `follow` with its task (batched per worker, so a fleet start of thousands of issues costs a
 * handful of signals), and the task lets go with `releaseAgent` when it closes; an owner whose
 * last task closed is no longer followed, so its stream closes and no key is minted for it
 * again. One long, heartbeating activity holds the streams and signals each change to the issue's
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
  coderAccessSignal,
  coderDeploymentSignal,
  type FollowedAgent,
  followAgentSignal,
  followedAgentsQuery,
  followedOwnersQuery,
  type OwnerAccessRefusal,
  releaseAgentUpdate,
  SELF_OWNER,
  unfollowAgentSignal,
} from './definitions';

export interface AgentWatchInput {
  /**
   * Owners followed without a known task (an operator's bare follow; runs from before tasks
   * were tracked): kept until an operator unfollows them. Carried over a continue-as-new.
   */
  owners?: string[];
  /** Each followed owner's open tasks (workflow IDs). Carried over a continue-as-new. */
  ownerTasks?: Record<string, string[]>;
  /** Releases before owner-level following carried every chat; only their owners are kept. */
  followed?: FollowedAgent[];
  deployment?: string;
  refused?: OwnerAccessRefusal[];
  /** Tests lower these. */
  heartbeatTimeoutMs?: number;
  maxHistoryEvents?: number;
}

const MAX_HISTORY_EVENTS = 2_000;
/** Owners kept at most; one stream each, so a leak here would grow every stream holder. */
const MAX_OWNERS = 10_000;
/** Tasks tracked at most (their IDs are carried over continue-as-new: ~30 bytes each). */
const MAX_TASKS = 30_000;
/** Refused owners shown in the details at most. */
const MAX_REFUSED_SHOWN = 20;

export async function agentWatchWorkflow(input: AgentWatchInput = {}): Promise<void> {
  /** Owners kept until an operator lets them go. */
  const pinned = new Set<string>(input.owners ?? []);
  for (const chat of input.followed ?? []) pinned.add(chat.ownerId || SELF_OWNER);
  const tasks = new Map<string, Set<string>>(
    Object.entries(input.ownerTasks ?? {}).map(([owner, names]) => [owner, new Set(names)]),
  );
  let tracked = [...tasks.values()].reduce((n, set) => n + set.size, 0);
  const followed = () => {
    const all = new Set(pinned);
    for (const owner of tasks.keys()) all.add(owner);
    return all;
  };
  let version = followed().size;
  let deployment = input.deployment ?? 'not reported yet';
  let refused: OwnerAccessRefusal[] = input.refused ?? [];
  let changed = false;

  const follow = (chat: FollowedAgent) => {
    const owner = chat.ownerId || SELF_OWNER;
    const known = pinned.has(owner) || tasks.has(owner);
    if (!known && pinned.size + tasks.size >= MAX_OWNERS) {
      log.warn('follow ignored: too many chat owners followed', { limit: MAX_OWNERS });
      return;
    }
    if (!chat.taskName) {
      pinned.add(owner);
    } else if (tracked >= MAX_TASKS) {
      // Past the bound the owner is kept for good rather than risk losing its stream.
      log.warn('task not tracked: too many open tasks; owner kept', { limit: MAX_TASKS });
      pinned.add(owner);
    } else {
      const set = tasks.get(owner) ?? new Set<string>();
      if (!set.has(chat.taskName)) {
        set.add(chat.taskName);
        tracked++;
      }
      tasks.set(owner, set);
    }
    if (!known) {
      version++;
      changed = true;
    }
  };
  /** Lets go of a task; answers whether its owner is still followed. */
  const release = (chat: FollowedAgent): boolean => {
    const owner = chat.ownerId || SELF_OWNER;
    const before = pinned.has(owner) || tasks.has(owner);
    if (chat.taskName) {
      const set = tasks.get(owner);
      if (set?.delete(chat.taskName)) tracked--;
      if (set && set.size === 0) tasks.delete(owner);
    } else if (chat.ownerId !== undefined || !chat.chatId) {
      // An operator's bare owner: let go of it and every task of it.
      tracked -= tasks.get(owner)?.size ?? 0;
      tasks.delete(owner);
      pinned.delete(owner);
    }
    const after = pinned.has(owner) || tasks.has(owner);
    if (before && !after) {
      version++;
      changed = true;
      refused = refused.filter((r) => r.ownerId !== owner);
    }
    return after;
  };

  setHandler(followAgentSignal, (arg) => {
    const batch =
      arg && typeof arg === 'object' && 'follows' in arg && Array.isArray(arg.follows)
        ? arg.follows
        : [arg];
    for (const chat of batch.slice(0, 10_000)) {
      if (!isFollowedAgent(chat)) {
        log.warn('follow ignored: malformed', { chat: JSON.stringify(chat)?.slice(0, 200) });
        continue;
      }
      follow(chat);
    }
  });
  setHandler(unfollowAgentSignal, (chat) => {
    if (!isFollowedAgent(chat)) {
      log.warn('unfollow ignored: malformed', { chat: JSON.stringify(chat)?.slice(0, 200) });
      return;
    }
    release(chat);
  });
  setHandler(releaseAgentUpdate, (chat) => ({ ownerFollowed: release(chat) }), {
    validator: (chat) => {
      if (!isFollowedAgent(chat) || !chat.taskName) {
        throw new Error('releaseAgent needs { taskName, ownerId? } with short strings');
      }
    },
  });
  setHandler(coderDeploymentSignal, (arg) => {
    if (typeof arg?.description === 'string') {
      deployment = arg.description.slice(0, 300);
      changed = true;
    }
  });
  setHandler(coderAccessSignal, (arg) => {
    if (!arg || !Array.isArray(arg.refused)) return;
    const owners = followed();
    refused = arg.refused
      .filter(
        (r): r is OwnerAccessRefusal =>
          !!r &&
          typeof r.ownerId === 'string' &&
          owners.has(r.ownerId) &&
          typeof r.failures === 'number' &&
          typeof r.retryAt === 'number' &&
          typeof r.reason === 'string',
      )
      .slice(0, MAX_OWNERS)
      .map((r) => ({ ...r, reason: r.reason.slice(0, 300) }));
    changed = true;
  });
  setHandler(followedOwnersQuery, (since) =>
    since?.sinceVersion === version ? null : { owners: [...followed()], version },
  );
  setHandler(followedAgentsQuery, () => ({ owners: [...followed()], version }));

  const describe = () => {
    const lines = [
      `**Coder**: ${deployment}`,
      `Holding the chat streams of ${followed().size} Coder user(s) with ${tracked} open task(s); each change to a chat labelled \`code-factory/task\` is signalled to that issue's workflow as \`agentUpdate\`. An owner is let go when its last task closes.`,
    ];
    if (refused.length > 0) {
      lines.push(
        `**Coder refuses a key for ${refused.length} owner(s)**; each is asked again only after a growing back-off (at most hourly):`,
        refused
          .slice(0, MAX_REFUSED_SHOWN)
          .map(
            (r) =>
              `- \`${r.ownerId}\`: ${r.reason} (${r.failures} time(s); next try ${new Date(r.retryAt).toISOString()})`,
          )
          .join('\n'),
      );
    }
    setCurrentDetails(lines.join('\n\n'));
  };
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
  log.info('agent watch continuing as new', { owners: followed().size, tasks: tracked });
  const { followed: _chats, ...rest } = input;
  return continueAsNew<typeof agentWatchWorkflow>({
    ...rest,
    owners: [...pinned],
    ownerTasks: Object.fromEntries([...tasks].map(([owner, set]) => [owner, [...set]])),
    deployment,
    refused,
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
  return short(v.chatId) && short(v.taskName) && short(v.ownerId) && !('follows' in v);
}
