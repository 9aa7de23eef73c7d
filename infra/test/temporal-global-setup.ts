/**
 * One real Temporal dev server for the whole test run, from the binary that
 * infra/temporal-cli.sh provisions (the same one `pnpm temporal` and `pnpm dev` use).
 * Test files reach it through `inject('temporalAddress')`.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type {} from '@code-factory/testkit/vitest';
import { ALL_SEARCH_ATTRIBUTES } from '@code-factory/workflows';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject) {
  const script = resolve(import.meta.dirname, '../temporal-cli.sh');
  const cli = execFileSync('bash', [script, '--ensure'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli },
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      extraArgs: ['--log-level', 'error'],
    },
  });
  project.provide('temporalAddress', env.address);
  project.provide('temporalCli', cli);
  return async () => {
    await env.teardown();
  };
}
