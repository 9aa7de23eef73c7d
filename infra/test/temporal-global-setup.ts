/**
 * One real Temporal server for the whole test run. By default a dev server from the binary
 * that infra/temporal-cli.sh provisions (the same one `pnpm temporal` and `pnpm dev` use),
 * started by the testkit's one dev-server starter. With TEST_TEMPORAL=cluster, the cluster on
 * PostgreSQL of `bash infra/cluster.sh up` (started if needed and left running;
 * `pnpm test:cluster`). Test files reach it through `inject('temporalAddress')`.
 */

import { startDevServer, temporalCliPath } from '@code-factory/testkit/dev-server';
import type {} from '@code-factory/testkit/vitest';
import type { TestProject } from 'vitest/node';
import { clusterAddress, clusterUp } from '../cluster';

export default async function setup(project: TestProject) {
  const cli = temporalCliPath();
  project.provide('temporalCli', cli);
  if (process.env.TEST_TEMPORAL === 'cluster') {
    await clusterUp();
    project.provide('temporalAddress', clusterAddress());
    return () => {};
  }
  const server = await startDevServer({ cli });
  project.provide('temporalAddress', server.address);
  return () => server.stop();
}
