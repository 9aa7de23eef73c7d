/**
 * The product against a Temporal dev server of its own (`startDevServer` of `@code-factory/testkit/stack`):
 * operator commands (batch signal, batch terminate) act on every workflow a query matches,
 * so they must not reach other test files' workflows, and the Web UI test needs the UI.
 *
 * Task names use the default prefix `gh` and the repository acme/widgets, so issue 42 is
 * `gh-widgets-42`, exactly as in docs/operations.md.
 */
import { randomBytes } from 'node:crypto';
import { quietRuntime, type Stack, startStack } from '@code-factory/testkit/stack';

export {
  AGENT_LOGIN,
  CODER_USER,
  type DevServer,
  freePort,
  LEAD,
  startDevServer,
} from '@code-factory/testkit/stack';

export const TASK_PREFIX = 'gh';
export const DEMO_REPO = { owner: 'acme', name: 'widgets' };

// The cookbook makes tasks fail on purpose: their warnings are expected.
quietRuntime('ERROR');

export type OpsStack = Stack & {
  address: string;
  /** With `encrypted`: what an operator exports for the CLI (TEMPORAL_CODEC_*, the token). */
  codecEnv: Record<string, string>;
  codecToken: string;
};

/** Fixed for the tests: the ingress's codec endpoint needs it. */
export const CODEC_TOKEN = 'ops-codec-token-0123456789';

export async function startOpsStack(
  address: string,
  options: { encrypted?: boolean; corsOrigins?: string } = {},
): Promise<OpsStack> {
  const stack = await startStack({
    address,
    prefix: TASK_PREFIX,
    repo: DEMO_REPO,
    taskQueue: 'code-factory',
    // The cookbook shows both backends side by side (acme/widgets on Tasks, acme/gizmos on
    // Agents), so Coder plays 2.36, the last release that serves both.
    coderRelease: '2.36',
    workerEnv: { AGENT_ERROR_GRACE_MS: '300' },
    redeliverySchedule: { intervalMs: 24 * 60 * 60_000 },
    ...(options.encrypted
      ? {
          codecKeys: `ops1=${randomBytes(32).toString('base64')}`,
          ingressEnv: {
            CODEC_AUTH_TOKEN: CODEC_TOKEN,
            ...(options.corsOrigins ? { CODEC_CORS_ORIGINS: options.corsOrigins } : {}),
          },
        }
      : {}),
  });
  const codecEnv: Record<string, string> = options.encrypted
    ? {
        TEMPORAL_CODEC_ENDPOINT: `${stack.ingressUrl}/codec`,
        TEMPORAL_CODEC_AUTH: `Bearer ${CODEC_TOKEN}`,
        CODEC_AUTH_TOKEN: CODEC_TOKEN,
      }
    : {};
  return Object.assign(stack, { address, codecEnv, codecToken: CODEC_TOKEN });
}
