/** The phases' transition table: what may follow what, and the error for anything else. */
import type { Phase } from './types';

/**
 * Which phase may follow which. `closing` is reachable from every live phase (an issue can
 * close at any time); `closed` only from `closing` and `following`. Anything else is a bug in the workflow,
 * and the lifecycle refuses it instead of recording a state nobody can explain.
 */
export const TRANSITIONS: Readonly<Record<Phase, readonly Phase[]>> = {
  requested: ['starting', 'failed', 'closing'],
  starting: [
    'ready',
    'requested',
    'queued',
    'failed',
    'waiting-for-budget',
    'waiting-for-coder',
    'closing',
  ],
  queued: ['starting', 'failed', 'closing'],
  ready: ['working', 'failed', 'waiting-for-budget', 'waiting-for-coder', 'closing'],
  working: ['ready', 'failed', 'waiting-for-budget', 'waiting-for-coder', 'closing'],
  // A second failure while parked (an agent error pushed during a failing send) stays failed.
  failed: ['ready', 'requested', 'failed', 'waiting-for-budget', 'closing'],
  'waiting-for-budget': ['ready', 'requested', 'failed', 'waiting-for-budget', 'closing'],
  // A try (`retry`) goes back to the step: `ready` to deliver, `requested` to start again. An
  // agent error pushed meanwhile parks it as any other.
  'waiting-for-coder': [
    'ready',
    'requested',
    'failed',
    'waiting-for-budget',
    'waiting-for-coder',
    'closing',
  ],
  // A close after the agent's pull request merged watches the branch (follow-through); a
  // regression or a new trigger starts a new agent from there.
  closing: ['closed', 'following'],
  following: ['closed', 'requested'],
  closed: [],
};

export class IllegalTransition extends Error {
  constructor(
    readonly from: Phase,
    readonly to: Phase,
    readonly transition: string,
  ) {
    super(`${transition}: a task cannot go from ${from} to ${to}`);
    this.name = 'IllegalTransition';
  }
}
