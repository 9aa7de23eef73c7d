import { resolve } from 'node:path';

/**
 * The worker as a child process (tests/e2e/src/worker-process.ts), for the chaos tests and
 * the bench. A module of its own: the bench runs outside vitest and must not load the stack.
 */
export const WORKER_PROCESS_ENTRY = resolve(import.meta.dirname, 'worker-process.ts');
