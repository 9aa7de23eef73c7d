/**
 * The accounting of one concurrency scope (an installation or a repository): who holds a
 * slot, who waits, in which order. Plain code without Temporal APIs, so its rules are unit
 * tested (`slots.test.ts`); `slots-workflow.ts` only calls into it.
 *
 * Rules:
 * - First come, first served: a waiter is granted before anyone who asked after it, and a
 *   new acquire never jumps a queue that is not empty.
 * - Idempotent per task: asking again answers from the table (held: granted; queued: the
 *   current position) and never takes a second slot or a second place in the queue.
 * - The limit comes with each acquire (the latest wins). Lowering it never revokes a held
 *   slot; it only stops granting until enough holders have released.
 * - A waiter's position only ever goes down (nobody is put in front of it), so a task can keep
 *   the smallest `ahead` it has heard, whatever order the answers reach it in.
 */

export interface SlotHolder {
  taskId: string;
  /** ISO time the slot was granted. */
  since: string;
}

export interface SlotWaiter {
  taskId: string;
  /** ISO time the task first asked. */
  since: string;
  /** The position this waiter was last told (by the update's answer or `slotQueue`). */
  told?: number;
}

/** What continue-as-new carries, and what the `slots` query shows. */
export interface SlotsCarried {
  limit: number | null;
  holders: SlotHolder[];
  queue: SlotWaiter[];
  /** Holders granted from the queue that were not told yet. */
  untold?: string[];
}

export interface SlotsSnapshot {
  scope: string;
  /** The limit of the latest acquire; null before the first one. */
  limit: number | null;
  holders: SlotHolder[];
  queue: Array<{ taskId: string; since: string; ahead: number }>;
}

export type AcquireSlotResult = { granted: true } | { granted: false; ahead: number };

/** Something a task must be told: it was granted a slot, or its place in the queue moved. */
export type SlotNotice =
  | { kind: 'granted'; taskId: string }
  | { kind: 'queue'; taskId: string; ahead: number };

export class SlotTable {
  private limit: number | null;
  private readonly holders: SlotHolder[];
  private readonly queue: SlotWaiter[];
  /** Granted from the queue, not yet told. */
  private grants: string[] = [];

  constructor(carried?: SlotsCarried) {
    this.limit = carried?.limit ?? null;
    this.holders = (carried?.holders ?? []).map((h) => ({ ...h }));
    this.queue = (carried?.queue ?? []).map((w) => ({ ...w }));
    this.grants = [...(carried?.untold ?? [])];
  }

  acquire(taskId: string, limit: number, now: string): AcquireSlotResult {
    this.limit = limit;
    if (!this.holds(taskId) && !this.queue.some((w) => w.taskId === taskId)) {
      this.queue.push({ taskId, since: now });
    }
    this.promote(now);
    if (this.holds(taskId)) {
      // The answer tells it; a `slotGranted` as well would only repeat it.
      this.grants = this.grants.filter((id) => id !== taskId);
      return { granted: true };
    }
    const index = this.queue.findIndex((w) => w.taskId === taskId);
    const waiter = this.queue[index] as SlotWaiter;
    waiter.told = index;
    return { granted: false, ahead: index };
  }

  /** Gives the task's slot (or its place in the queue) back. False when it had neither. */
  release(taskId: string, now: string): boolean {
    const held = this.holders.findIndex((h) => h.taskId === taskId);
    const queued = this.queue.findIndex((w) => w.taskId === taskId);
    if (held >= 0) this.holders.splice(held, 1);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.grants = this.grants.filter((id) => id !== taskId);
    if (held < 0 && queued < 0) return false;
    this.promote(now);
    return true;
  }

  holds(taskId: string): boolean {
    return this.holders.some((h) => h.taskId === taskId);
  }

  holderIds(): string[] {
    return this.holders.map((h) => h.taskId);
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Whether `takeNotices` has anything to say. */
  hasNotices(): boolean {
    return this.grants.length > 0 || this.queue.some((w, i) => w.told !== i);
  }

  /** Grants first (in order), then every waiter whose position changed since it was told. */
  takeNotices(): SlotNotice[] {
    const notices: SlotNotice[] = this.grants.map((taskId) => ({ kind: 'granted', taskId }));
    this.grants = [];
    this.queue.forEach((waiter, ahead) => {
      if (waiter.told === ahead) return;
      waiter.told = ahead;
      notices.push({ kind: 'queue', taskId: waiter.taskId, ahead });
    });
    return notices;
  }

  carry(): SlotsCarried {
    return {
      limit: this.limit,
      holders: this.holders.map((h) => ({ ...h })),
      queue: this.queue.map((w) => ({ ...w })),
      ...(this.grants.length > 0 ? { untold: [...this.grants] } : {}),
    };
  }

  snapshot(scope: string): SlotsSnapshot {
    return {
      scope,
      limit: this.limit,
      holders: this.holders.map((h) => ({ ...h })),
      queue: this.queue.map((w, ahead) => ({ taskId: w.taskId, since: w.since, ahead })),
    };
  }

  private promote(now: string): void {
    const limit = this.limit ?? Number.POSITIVE_INFINITY;
    while (this.holders.length < limit) {
      const next = this.queue.shift();
      if (!next) return;
      this.holders.push({ taskId: next.taskId, since: now });
      this.grants.push(next.taskId);
    }
  }
}
