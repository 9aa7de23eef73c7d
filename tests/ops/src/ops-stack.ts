/**
 * The product against a Temporal dev server of its own (see tests/e2e/src/dev-server.ts):
 * operator commands (batch signal, batch terminate) act on every workflow a query matches,
 * so they must not reach other test files' workflows, and the Web UI test needs the UI.
 *
 * Task names use the default prefix `gh` and the repository acme/widgets, so issue 42 is
 * `gh-widgets-42`, exactly as in docs/operations.md.
 */
import { type Stack, startStack } from '@code-factory/e2e';
import { DefaultLogger, Runtime } from '@temporalio/worker';

export { AGENT_LOGIN, CODER_USER, LEAD } from '@code-factory/e2e';
export { type DevServer, freePort, startDevServer } from '@code-factory/e2e/dev-server';

export const TASK_PREFIX = 'gh';
export const DEMO_REPO = { owner: 'acme', name: 'widgets' };

try {
  // The cookbook makes tasks fail on purpose: their warnings are expected.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Installed already in this process.
}

export type OpsStack = Stack & { address: string };

export async function startOpsStack(address: string): Promise<OpsStack> {
  const stack = await startStack({
    address,
    prefix: TASK_PREFIX,
    repo: DEMO_REPO,
    taskQueue: 'code-factory',
    // The cookbook shows both backends side by side (acme/widgets on Tasks, acme/gizmos on
    // Agents), so Coder plays 2.36, the last release that serves both.
    coderRelease: '2.36',
    workerEnv: { AGENT_ERROR_GRACE_MS: '300' },
  });
  return Object.assign(stack, { address });
}
