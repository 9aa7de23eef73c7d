/**
 * The carried record's versions. A run reads its input's `carried` through `upgradeCarried`,
 * the one place an older shape becomes today's; each version has a test in `carried.test.ts`.
 *
 * - version 0: the shape before 1.0 (no `version` field; optional fields added one release at
 *   a time, worker settings and flags carried as copies). Runs of those workers are not
 *   replayed by 1.0 workers, but the input a last pre-1.0 run continued into is read.
 * - version 1: the 1.0 record.
 * - version 2: version 1 and the fields marked "held input" and "cost" (issue 27: untrusted
 *   input held, cost per issue).
 * - version 3: `CarriedState` in types.ts; version 2 gets the fields marked "follow-through"
 *   (issue 27 part 2: the watch of the branch after a merge), and so does version 1.
 */
import type { Failure } from './records';
import { CARRIED_VERSION, type CarriedState, type Phase, type TaskSnapshot } from './types';

export function emptyState(): CarriedState {
  return {
    version: CARRIED_VERSION,
    phase: 'requested',
    backend: null,
    agent: null,
    assignment: null,
    ownerNote: null,
    failure: null,
    coderDown: null,
    pullRequestUrl: null,
    runs: 0,
    counts: {
      accepted: 0,
      duplicates: 0,
      rejected: 0,
      forwardedMessages: 0,
      forwardedItems: 0,
      skipped: 0,
      cleanupFailures: 0,
      agentUpdates: 0,
    },
    inbox: [],
    pendingReactions: [],
    recentDeliveries: [],
    sentReviewComments: [],
    live: null,
    earlyUpdate: null,
    statusComment: { id: null, revision: 0, shownRevision: 0, shownAt: null, shownPaused: false },
    paused: false,
    commands: [],
    commandReplies: {},
    slots: [],
    remindedSince: null,
    pendingReminder: null,
    // held input
    held: [],
    heldDropped: 0,
    heldShown: '',
    // end held input
    shepherd: {
      flakes: [],
      conflict: null,
      told: [],
      threads: null,
      nudged: null,
      reviewClockFrom: null,
      reviewRequested: null,
      blockedSince: null,
      waitingReminded: null,
      lastActivityAt: null,
    },
    // cost
    cost: emptyCost(),
    // end cost
    // follow-through
    follow: null,
    followUp: null,
    followed: [],
    // end follow-through
  };
}

// cost
/** Version 2's `cost`: nothing spent, the repository's limit. */
export function emptyCost(): CarriedState['cost'] {
  return {
    earlier: { totalMicros: 0, requests: 0, unpriced: 0 },
    current: null,
    limitMicros: null,
    stopDue: false,
    toldLimitMicros: null,
    mergedCounted: [],
  };
}
// end cost

/** Thrown for carried input no version describes; the workflow task fails and is retried. */
export class UnreadableCarriedState extends Error {
  constructor(reason: string) {
    super(`carried state cannot be read: ${reason}`);
    this.name = 'UnreadableCarriedState';
  }
}

/** Today's record from any version this worker knows (a copy: the input is left alone). */
export function upgradeCarried(raw: unknown): CarriedState {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UnreadableCarriedState('not an object');
  }
  const input = cloneState(raw as Record<string, unknown>);
  const version = input.version ?? 0;
  if (typeof input.phase !== 'string') throw new UnreadableCarriedState('no phase');
  if (version === CARRIED_VERSION) return readCurrent(input as Partial<CarriedState>);
  if (version === 2) return fromVersion2(input as unknown as Version2);
  if (version === 1) return fromVersion2(fromVersion1(input as unknown as Version1));
  if (version === 0) return fromVersion0(input as unknown as Version0);
  throw new UnreadableCarriedState(
    `version ${String(version)} is not one this worker knows (it knows 0 to ${CARRIED_VERSION})`,
  );
}

/** Today's shape as it is, with the fields added to a version after it shipped given defaults. */
function readCurrent(input: Partial<CarriedState>): CarriedState {
  const base = emptyState();
  const read = { ...base, ...input };
  // Fields added to version 1 later, each with its default.
  return { ...read, shepherd: { ...base.shepherd, ...read.shepherd } };
}

/** Version 2: every field of version 3 but those added with it. */
type Version2 = Omit<CarriedState, 'version' | 'follow' | 'followUp' | 'followed'> & {
  version: 2;
};

function fromVersion2(old: Version2): CarriedState {
  return {
    ...readCurrent({ ...old, version: CARRIED_VERSION }),
    // follow-through: a version 2 run never watched a merge.
    follow: null,
    followUp: null,
    followed: [],
    // end follow-through
  };
}

/** Version 1: every field of version 2 but those added with it. */
type Version1 = Omit<Version2, 'version' | 'held' | 'heldDropped' | 'heldShown' | 'cost'> & {
  version: 1;
};

function fromVersion1(old: Version1): Version2 {
  return {
    ...old,
    version: 2,
    // held input: a version 1 run never held anything (its ingress skipped untrusted authors).
    held: [],
    heldDropped: 0,
    heldShown: '',
    // end held input
    // cost
    cost: emptyCost(),
    // end cost
  };
}

/** The pre-1.0 fields that differ from version 1 (the rest kept their names and meaning). */
interface Version0 extends Partial<Omit<CarriedState, 'version' | 'counts'>> {
  phase: Phase;
  counts?: Partial<CarriedState['counts']>;
  statusCommentId?: number | null;
  lastError?: string | null;
  failedStep?: Failure['step'] | null;
  failedOnAgentError?: boolean;
  liveDirty?: boolean;
  liveShownAt?: number | null;
  statusRefresh?: boolean;
  statusCommentIntervalMs?: number | null;
  historyLimit?: number | null;
  budgetRetryIntervalMs?: number | null;
}

function fromVersion0(old: Version0): CarriedState {
  const {
    statusCommentId,
    lastError,
    failedStep,
    failedOnAgentError,
    liveDirty,
    liveShownAt,
    statusRefresh,
    // Worker settings: each run asks its worker now.
    statusCommentIntervalMs: _interval,
    historyLimit: _limit,
    budgetRetryIntervalMs: _budget,
    counts,
    ...kept
  } = old;
  const base = emptyState();
  const paused = old.paused === true;
  const failure: Failure | null = failedStep
    ? {
        step: failedStep,
        message: lastError ?? '',
        cause: old.phase === 'waiting-for-coder' ? 'coder' : failedOnAgentError ? 'agent' : 'call',
      }
    : null;
  const defined = Object.fromEntries(
    Object.entries(kept).filter(([, value]) => value !== undefined),
  ) as Partial<CarriedState>;
  return {
    ...base,
    ...defined,
    version: CARRIED_VERSION,
    counts: { ...base.counts, ...counts },
    failure,
    statusComment: {
      id: statusCommentId ?? null,
      revision: liveDirty ? 1 : 0,
      shownRevision: 0,
      shownAt: liveShownAt ?? null,
      // A refresh that was due stays due.
      shownPaused: statusRefresh ? !paused : paused,
    },
  };
}

/** JSON round trip: the state is plain JSON by design, and this keeps it honest. */
export function cloneState<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The `state` query's answer: the record without bodies, and what it implies spelt out. */
export function snapshotOf(
  s: CarriedState,
  task: Pick<
    TaskSnapshot,
    'taskName' | 'repository' | 'issueNumber' | 'closeRequested' | 'liveDirty'
  >,
): TaskSnapshot {
  const { inbox, pendingReactions: _r, recentDeliveries, held, ...rest } = s;
  return {
    ...cloneState(rest),
    ...task,
    pending: inbox.map((item) => ({ kind: item.kind, deliveryId: item.deliveryId })),
    held: held.map(({ comment }) => ({
      author: comment.author.login,
      url: comment.url,
      source: comment.source,
      deliveryId: comment.deliveryId,
    })),
    recentDeliveryCount: recentDeliveries.length,
    failedStep: s.failure?.step ?? null,
    lastError: s.failure?.message ?? null,
  };
}
