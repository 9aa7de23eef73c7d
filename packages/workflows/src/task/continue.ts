/**
 * When a task run continues as new: once the start-up is done (so what an evicted task
 * replays is its short continued run), and past the history bound. The continue-as-new waits
 * for a workflow task of its own, letting work that arrives meanwhile go first.
 */
import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import { hasWork } from '../steps/work';
import type { TaskRun } from './run';

/** Times a run lets new work go before its continue-as-new; then the work waits for the next run. */
const MAX_CONTINUE_YIELDS = 10;

export class Continuation {
  /** This run started the agent: it ends with a continue-as-new. */
  startDone = false;
  /** How often this run let new work go before continuing. */
  #yields = 0;
  /**
   * History length and Temporal's suggestion as of the last message handled. Read there, not
   * in the loop: the loop also runs when a local activity resolves inside a workflow task,
   * and the decision to continue as new must come out the same on every replay.
   */
  #observed = { length: 0, suggested: false };

  constructor(private readonly run: TaskRun) {}

  /** Called by every message handler (and at run start): see `#observed` and `TaskRun.heard`. */
  noteHistory(): void {
    this.run.heard();
    const info = workflowInfo();
    this.#observed = { length: info.historyLength, suggested: info.continueAsNewSuggested };
  }

  #lanesIdle(): boolean {
    return this.run.laneCalls === 0 && !this.run.control.busy;
  }

  needed(): boolean {
    if (this.startDone && this.#lanesIdle()) return true;
    return this.#pastHistoryBound();
  }

  /** The run's history is past its bound (or Temporal suggests continuing as new). */
  #pastHistoryBound(): boolean {
    const limit = this.run.input.maxHistoryEvents ?? this.run.settings.historyLimit;
    return this.#observed.suggested || this.#observed.length > limit;
  }

  /**
   * Continues as new from a workflow task of its own (after a 1 ms timer): a continue-as-new
   * that GitHub's next signal overtakes is refused by the server (UnhandledCommand) and that
   * workflow task is redone, so it must not also hold the results of local activities, which
   * would then run again (a comment sent twice). Lanes finish their calls first, and the
   * answer is false when new work came first, a lane started a call meanwhile, or a close
   * came: the loop takes it and asks again.
   */
  async ready(): Promise<boolean> {
    const { task } = this.run;
    // A lane's call in flight is not carried: let it finish (a status edit would be lost).
    await condition(() => task.closeRequested || this.#lanesIdle());
    if (task.closeRequested) return false;
    // Only the continue-as-new after start-up lets new work go first: past the history bound
    // a steady stream of comments must not keep the run growing. Work already waiting (e.g.
    // held while paused) is carried either way.
    const mayYield = !this.#pastHistoryBound() && this.#yields < MAX_CONTINUE_YIELDS;
    const hadWork = hasWork(this.run);
    const interrupted = await condition(
      () => task.closeRequested || (mayYield && !hadWork && hasWork(this.run)),
      1,
    );
    if (interrupted) {
      if (!task.closeRequested) this.#yields++;
      return false;
    }
    // A lane whose own timer fired with ours starts its call while this workflow task runs;
    // once the handlers settled, a lane mid-call means: wait for it, then a timer again.
    await condition(allHandlersFinished);
    return this.#lanesIdle();
  }
}
