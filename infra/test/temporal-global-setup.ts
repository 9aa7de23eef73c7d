/**
 * One real Temporal dev server for the whole test run, from the binary that
 * infra/temporal-cli.sh provisions (the same one `pnpm temporal` and `pnpm dev` use), started
 * by the testkit's one dev-server starter. Test files reach it through `inject('temporalAddress')`.
 */

import { startDevServer, temporalCliPath } from '@code-factory/testkit/dev-server';
import type {} from '@code-factory/testkit/vitest';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject) {
  const cli = temporalCliPath();
  const server = await startDevServer({ cli });
  project.provide('temporalAddress', server.address);
  project.provide('temporalCli', cli);
  return () => server.stop();
}
