/**
 * Why WORKER_ISOLATE_EXECUTION_TIMEOUT_MS is far above the SDK's 5 s: on Node 20, a call into
 * a sandbox that hits its `timeout` aborts the whole process when async hooks are on, instead
 * of throwing. The Temporal SDK has exactly that setup in its workflow thread: a context with
 * `microtaskMode: 'afterEvaluate'`, every call run with `isolateExecutionTimeout`, and Node's
 * AsyncLocalStorage given to the sandbox (cancellation scopes), which turns async hooks on.
 * The 10,000-task bench runs died with this fatal error (docs/performance-log.md, c; the
 * default it led to: docs/performance.md, "Fleet defaults").
 *
 *   pnpm exec tsx tests/bench/src/vm-timeout-crash.ts
 *
 * Runs the same call in a worker thread twice, without and with AsyncLocalStorage, and prints
 * how each ended. Expected on Node 20: the first throws ERR_SCRIPT_EXECUTION_TIMEOUT and the
 * thread goes on; the second kills the process ("async hook stack has become corrupted"), so
 * each case runs in a child process of its own.
 */
import { spawnSync } from 'node:child_process';

/** One case: a worker thread whose message handler calls into a sandbox that never yields. */
function script(withAsyncLocalStorage: boolean): string {
  return `
const vm = require('node:vm');
const { Worker } = require('node:worker_threads');
const body = ${JSON.stringify(`
  const vm = require('node:vm');
  const { parentPort } = require('node:worker_threads');
  if (${withAsyncLocalStorage}) new (require('node:async_hooks').AsyncLocalStorage)().enterWith({});
  const context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
  parentPort.on('message', async () => {
    try {
      vm.runInContext('Promise.resolve().then(() => { for (;;); })', context, { timeout: 50 });
    } catch (err) {
      parentPort.postMessage('threw ' + err.code + '; the thread goes on');
    }
  });
`)};
const worker = new Worker(body, { eval: true });
worker.on('message', (m) => { console.log(m); worker.terminate(); });
worker.postMessage('go');
`;
}

for (const withAls of [false, true]) {
  const run = spawnSync(process.execPath, ['-e', script(withAls)], { encoding: 'utf8' });
  const fatal = /async hook stack has become corrupted[^\n]*/.exec(run.stderr)?.[0];
  const ended = fatal
    ? `process aborted (signal ${run.signal ?? '-'}, exit ${run.status}): ${fatal}`
    : run.stdout.trim() || `exit ${run.status}`;
  console.log(`AsyncLocalStorage ${withAls ? 'on ' : 'off'}: ${ended}`);
}
