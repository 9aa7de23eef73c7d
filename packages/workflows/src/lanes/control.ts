/**
 * Fleet controls beside the loop: `/agent` commands in order (`approve` and `deny` answer for
 * the comments held for approval, state/held.ts), status refreshes (pause, resume, what waits
 * for approval) and stuck reminders. Ordinary activities only (local ones are the loop's); a
 * command acts at once, even while the loop waits on a start or a paused queue.
 */
import {
  approvedReply,
  budgetTooLowReply,
  COMMAND_REACTION,
  COMMAND_REPLIES,
  commandHelp,
  deniedReply,
  formatDollars,
  NO_AGENT_REPLY,
  NOTHING_TO_RETRY_REPLY,
  nothingHeldReply,
  type ParsedCommand,
  STOP_ON_TASKS_REPLY,
  stuckReminder,
} from '@code-factory/messages';
import { condition, log } from '@temporalio/workflow';
import type { PendingCommand } from '../state';
import { retry } from '../task/handlers';
import { acts, coderOptions, githubOptions } from '../task/options';
import type { TaskRun } from '../task/run';
import { costView } from '../task/views';
import { refreshStatus } from './status';

/** Said to the agent when the issue's cost limit is raised (its turn was interrupted). */
export const COST_NUDGE =
  'The cost limit of this issue was raised. Please continue where you left off.';

export class ControlLane {
  /** A command is being acted on (a run must not end under it). */
  busy = false;
  /** `/agent release`: the close that follows ends the agent, not the issue. */
  released = false;

  constructor(private readonly run: TaskRun) {}

  async lane(): Promise<void> {
    const { run } = this;
    const { task } = run;
    for (;;) {
      await condition(
        () =>
          task.closeRequested ||
          task.fleet.commandsWaiting > 0 ||
          task.live.refreshDue ||
          task.heldRefreshDue ||
          task.fleet.reminderWaiting,
      );
      if (task.closeRequested) return;
      const command = task.fleet.nextCommand();
      if (command) {
        this.busy = true;
        try {
          await this.#command(command);
        } finally {
          this.busy = false;
        }
        continue;
      }
      const reminder = task.fleet.takeReminder();
      if (reminder) {
        await run.inLane(() => run.tryPost(stuckReminder(reminder.phase, reminder.since)));
        continue;
      }
      if (task.live.refreshDue || task.heldRefreshDue) await run.inLane(() => refreshStatus(run));
    }
  }

  /** One `/agent` command: 👍, the action, and one short reply (the flood rule allowing). */
  async #command(command: PendingCommand): Promise<void> {
    const { run } = this;
    const { task } = run;
    const parsed = this.#known(command.parsed);
    log.info('command', { parsed, author: command.author, commentId: command.commentId });
    await acknowledge(run, command);
    let reply: string;
    let release = false;
    if (!('command' in parsed)) reply = commandHelp(parsed);
    else if (parsed.command === 'stop') reply = await this.#stop();
    else if (parsed.command === 'retry') {
      if (task.parked) {
        retry(run);
        reply = COMMAND_REPLIES.retry;
      } else reply = NOTHING_TO_RETRY_REPLY;
    } else if (parsed.command === 'approve') {
      const approved = task.approve(command.author, parsed.target);
      reply = approved.length ? approvedReply(approved) : nothingHeldReply(parsed.target);
    } else if (parsed.command === 'deny') {
      const denied = task.held.deny(parsed.target);
      reply = denied.length ? deniedReply(denied) : nothingHeldReply(parsed.target);
    } else if (parsed.command === 'status') {
      if (task.state.statusComment.id === null && !task.state.agent) reply = NO_AGENT_REPLY;
      else {
        await refreshStatus(run);
        reply = COMMAND_REPLIES.status;
      }
    } else if (parsed.command === 'budget') {
      reply = await this.#budget(parsed.limitMicros);
    } else if (!task.state.agent && !task.state.assignment) {
      reply = NO_AGENT_REPLY;
    } else {
      reply = COMMAND_REPLIES.release;
      release = true;
    }
    if ('command' in parsed && (parsed.command === 'approve' || parsed.command === 'deny')) {
      run.showDetails();
    }
    if (task.fleet.replyDue(parsed, Date.now())) {
      await run.tryPost(`@${command.author} ${reply}`, command.installationId);
    }
    if (release) {
      // Like a close of the issue, but the issue stays open: the agent is stopped, the slots
      // are given back and this workflow completes (a new assignment starts a new one).
      this.released = true;
      task.requestClose(`released by @${command.author}`);
      run.cancelWork();
    }
  }

  /**
   * A run before change `held-input` knew no `approve` or `deny`, one before `issue-cost` no
   * `budget`: the help, as it answered then.
   */
  #known(parsed: ParsedCommand): ParsedCommand {
    if (!('command' in parsed)) return parsed;
    if (parsed.command === 'budget') {
      return this.run.costing ? parsed : { unknown: `budget ${parsed.limitMicros / 1e6}` };
    }
    if (this.run.holding) return parsed;
    if (parsed.command !== 'approve' && parsed.command !== 'deny') return parsed;
    return { unknown: parsed.target ? `${parsed.command} ${parsed.target}` : parsed.command };
  }

  /**
   * `/agent budget <limit>`: the issue's own cost limit. A task parked at the old limit goes on
   * (the agent nudged, since its turn was interrupted); a limit already spent is refused.
   */
  async #budget(limitMicros: number): Promise<string> {
    const { run } = this;
    const { task } = run;
    const spent = task.costs.spent;
    if (spent && spent.totalMicros >= limitMicros) {
      return budgetTooLowReply(formatDollars(spent.totalMicros), formatDollars(limitMicros));
    }
    task.costs.raise(limitMicros);
    log.info('cost limit raised', { limitMicros });
    if (task.overCostLimit) {
      retry(run, COST_NUDGE);
      if (task.state.agent && task.state.statusComment.id !== null) {
        await run.tryShowStatus({
          state: 'running',
          agentUrl: task.state.agent.url,
          ...(task.state.pullRequestUrl ? { pullRequestUrl: task.state.pullRequestUrl } : {}),
          ...costView(task),
        });
      }
    }
    return `${COMMAND_REPLIES.budget} New limit: ${formatDollars(limitMicros)}.`;
  }

  /** `/agent stop`: interrupts a chat's turn (Coder Tasks cannot be interrupted). */
  async #stop(): Promise<string> {
    const agent = this.run.task.state.agent;
    if (!agent) return NO_AGENT_REPLY;
    if (agent.backend !== 'agents') return STOP_ON_TASKS_REPLY;
    try {
      await acts.interruptAgent.executeWithOptions(
        { ...coderOptions, summary: `interrupt ${agent.name} (/agent stop)` },
        [{ agent }],
      );
      return COMMAND_REPLIES.stop;
    } catch (err) {
      log.warn('could not interrupt the agent', { error: `${err}` });
      return 'The agent could not be interrupted just now; the operators can see why.';
    }
  }
}

/** 👍 on a command's comment; one GitHub refuses is logged. */
export async function acknowledge(run: TaskRun, command: PendingCommand): Promise<void> {
  try {
    await acts.reactToComment.executeWithOptions(
      { ...githubOptions, summary: `👍 on command ${command.commentId}` },
      [{ ...command, issueNumber: run.input.issueNumber, content: COMMAND_REACTION }],
    );
  } catch (err) {
    log.warn('could not react to a command', { error: `${err}` });
  }
}
