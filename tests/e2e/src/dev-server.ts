/**
 * A Temporal dev server of a test's own (the project's CLI binary, with the product's
 * search attributes), for tests that must not share the global one: operator batch
 * commands, the Web UI, restarts.
 */
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { temporalCli } from '@code-factory/testkit/vitest';
import { ALL_SEARCH_ATTRIBUTES } from '@code-factory/workflows';
import { TestWorkflowEnvironment } from '@temporalio/testing';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface DevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  /** Web UI base URL, when started with the UI. */
  uiUrl?: string;
  stop(): Promise<void>;
}

export async function startDevServer(
  options: {
    ui?: boolean;
    /** Web UI port; default a free one. */
    uiPort?: number;
    /** `--ui-codec-endpoint`: the Web UI decodes payloads through it. */
    uiCodecEndpoint?: string;
  } = {},
): Promise<DevServer> {
  const port = await freePort();
  const uiPort = options.ui ? (options.uiPort ?? (await freePort())) : undefined;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli() },
      ip: '127.0.0.1',
      port,
      ...(uiPort ? { ui: true, uiPort } : {}),
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      extraArgs: [
        '--log-level',
        'error',
        ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
      ],
    },
  });
  return {
    address: env.address,
    uiUrl: uiPort ? `http://localhost:${uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}
