/**
 * Fleet controls as the task keeps them: pause, `/agent` commands and their reply log,
 * concurrency slots, stuck reminders.
 */
import type { CommentPosted } from '@code-factory/events';
import { commandReplyDue, type ParsedCommand, parseAgentCommand } from '@code-factory/messages';
import type { PendingCommand, SlotHold } from './records';
import type { CarriedState } from './types';

export class Fleet {
  constructor(private readonly s: CarriedState) {}

  get paused(): boolean {
    return this.s.paused;
  }

  /** Returns false when the task was paused already. */
  pause(): boolean {
    if (this.s.paused) return false;
    this.s.paused = true;
    return true;
  }

  /** Returns false when the task was not paused. */
  unpause(): boolean {
    if (!this.s.paused) return false;
    this.s.paused = false;
    return true;
  }

  /**
   * A comment whose body is an `/agent` command is held for the control lane (true), never
   * forwarded; an edited one is dropped: a command acts once, when it is posted.
   */
  takeCommand(comment: CommentPosted): boolean {
    const parsed = parseAgentCommand(comment.body);
    if (!parsed) return false;
    if (!comment.edited) {
      this.s.commands = [
        ...this.s.commands,
        {
          installationId: comment.installationId,
          repository: comment.repository,
          commentId: comment.commentId,
          source: comment.source,
          author: comment.author.login,
          parsed,
        },
      ];
    }
    return true;
  }

  get commandsWaiting(): number {
    return this.s.commands.length;
  }

  /** Pops the oldest command comment. */
  nextCommand(): PendingCommand | undefined {
    return this.s.commands.shift();
  }

  /** Whether this command gets a reply now (at most one per kind per window); records it. */
  replyDue(parsed: ParsedCommand, nowMs: number): boolean {
    const due = commandReplyDue(this.s.commandReplies, parsed, nowMs);
    this.s.commandReplies = due.log;
    return due.reply;
  }

  /** A slot of `scope` is about to be asked for (recorded first: a lost answer still releases). */
  slotAsked(scope: string): void {
    if (this.#slot(scope)) return;
    this.s.slots = [...this.s.slots, { scope, granted: false, ahead: null }];
  }

  /** The answer to an acquire, or a `slotGranted`/`slotQueue` signal: grants are final. */
  slotAnswered(scope: string, answer: { granted: true } | { granted: false; ahead: number }): void {
    const slot = this.#slot(scope);
    if (!slot || slot.granted) return;
    if (answer.granted) {
      slot.granted = true;
      slot.ahead = null;
    } else if (slot.ahead === null || answer.ahead < slot.ahead) {
      slot.ahead = Math.max(0, Math.floor(answer.ahead));
    }
  }

  slotOf(scope: string): Readonly<SlotHold> | undefined {
    return this.#slot(scope);
  }

  /** Forgets every slot; returns the scopes to release. */
  releaseSlots(): string[] {
    const scopes = this.s.slots.map((slot) => slot.scope);
    this.s.slots = [];
    return scopes;
  }

  #slot(scope: string): SlotHold | undefined {
    return this.s.slots.find((slot) => slot.scope === scope);
  }

  /**
   * The `stuck-tasks` schedule says the task is stuck in `phase` since `since`. Returns true
   * when a reminder is due: the first for this stuck period, while the task is still in it.
   */
  stuck(phase: string, since: string): boolean {
    if (phase !== this.s.phase || since === this.s.remindedSince) return false;
    this.s.remindedSince = since;
    this.s.pendingReminder = { phase, since };
    return true;
  }

  get reminderWaiting(): boolean {
    return this.s.pendingReminder !== null;
  }

  /** Takes the reminder to post, if any. */
  takeReminder(): { phase: string; since: string } | null {
    const reminder = this.s.pendingReminder;
    this.s.pendingReminder = null;
    return reminder;
  }
}
