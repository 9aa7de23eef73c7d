export { emptyState, UnreadableCarriedState, upgradeCarried } from './carried';
export { IssueCosts, type Spend } from './cost';
export { Fleet } from './fleet';
export { Inbox, RECENT_DELIVERIES_LIMIT } from './inbox';
export { TaskLifecycle } from './lifecycle';
export { BUDGET_ERROR_KINDS, LiveProgress } from './live';
export { MAX_FLAKES, ShepherdLedger } from './shepherd';
export { IllegalTransition, TRANSITIONS } from './transitions';
export * from './types';
