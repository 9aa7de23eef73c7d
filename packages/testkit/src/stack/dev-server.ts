/**
 * The one way this repository starts a Temporal dev server: the project's CLI binary
 * (provisioned by infra/temporal-cli.sh) with the product's search attributes registered.
 * Used by the vitest global setup (one shared server per run), by tests that need a server of
 * their own (operator batch commands, the Web UI, restarts), by `pnpm dev` and by the bench.
 */
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { ALL_SEARCH_ATTRIBUTES } from '@code-factory/workflows';
import { TestWorkflowEnvironment } from '@temporalio/testing';

/**
 * The search attributes every dev server registers. One list, so that a new attribute is one
 * line in `@code-factory/workflows` and reaches every server started here.
 */
export const DEV_SERVER_SEARCH_ATTRIBUTES = ALL_SEARCH_ATTRIBUTES;

const CLI_SCRIPT = resolve(import.meta.dirname, '../../../../infra/temporal-cli.sh');
let cli: string | undefined;

/** Path of the Temporal CLI binary, downloaded on first use by infra/temporal-cli.sh. */
export function temporalCliPath(): string {
  cli ??= execFileSync('bash', [CLI_SCRIPT, '--ensure'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return cli;
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

export interface DevServerOptions {
  /** The CLI binary (default: `temporalCliPath()`). */
  cli?: string;
  /** gRPC port (default: a free one). */
  port?: number;
  /** Serve the Web UI. */
  ui?: boolean;
  /** Web UI port; default a free one. */
  uiPort?: number;
  /** `--ui-codec-endpoint`: the Web UI decodes payloads through it. */
  uiCodecEndpoint?: string;
  /** SQLite file, so that state survives restarts (`pnpm dev`); in memory by default. */
  dbFilename?: string;
  /** Server log level (default `error`). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Eager activity dispatch (`system.enableActivityEagerExecution`): an activity a workflow
   * task schedules goes straight back to the worker that completed the task, with no trip
   * through the task queue. On by default, as in `pnpm dev` and the compose file; the bench
   * turns it off to measure what it buys.
   */
  eagerActivities?: boolean;
}

export interface DevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  /** Web UI base URL, when started with the UI. */
  uiUrl?: string;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const uiPort = options.ui ? (options.uiPort ?? (await freePort())) : undefined;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: options.cli ?? temporalCliPath() },
      ip: '127.0.0.1',
      port,
      ...(uiPort ? { ui: true, uiPort } : {}),
      ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
      searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES,
      extraArgs: [
        '--log-level',
        options.logLevel ?? 'error',
        ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
        '--dynamic-config-value',
        `system.enableActivityEagerExecution=${options.eagerActivities !== false}`,
      ],
    },
  });
  return {
    address: env.address,
    uiUrl: uiPort ? `http://localhost:${uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}
