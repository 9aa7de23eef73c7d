/**
 * Environment configuration of both processes, validated with zod at start-up.
 * Errors name the variable and the problem, never the value (values may be secrets).
 */
import { CodecKeyError, parseCodecKeys } from '@code-factory/codec';
import { BACKEND_KINDS } from '@code-factory/events/kinds';
import { z } from 'zod';

const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

const boolish = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const durationMs = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** A duration in milliseconds of at least `min` (`label` says it in words). */
const durationAtLeast = (min: number, label: string) =>
  z.coerce
    .number()
    .int('must be a whole number of milliseconds')
    .min(min, `must be at least ${min} (${label})`);

/** A concurrency limit: a whole number ≥ 1. Unset means unlimited; 0 is not "unlimited". */
const agentLimit = z.coerce
  .number()
  .int('must be a whole number of at least 1 (unset it for no limit)')
  .min(1, 'must be at least 1 (unset it for no limit; 0 would never start an agent)');

/** `keyId=base64key,...`; the message names the entry and the problem, never key material. */
const codecKeys = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    try {
      parseCodecKeys(value);
    } catch (error) {
      if (!(error instanceof CodecKeyError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message, input: undefined });
    }
  });

/** Comma-separated origins (scheme://host[:port]) allowed to call the codec endpoint. */
const origins = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim().replace(/\/+$/, ''))
      .filter(Boolean),
  )
  .refine((list) => list.every((o) => /^https?:\/\/[^/\s]+$/.test(o)), {
    message: 'must be comma-separated origins like http://localhost:8233',
  });

/** Settings both processes share. */
const shared = {
  AGENT_GITHUB_USERNAME: z.string().min(1).default('xmtp-coder-agent'),
  CODER_TASK_NAME_PREFIX: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lowercase letters, digits and inner dashes only')
    .max(16)
    .default('gh'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  TEMPORAL_ADDRESS: z.string().min(1).default(DEFAULT_TEMPORAL_ADDRESS),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('code-factory'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: boolish.optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_PROFILE: z.string().min(1).optional(),
  TEMPORAL_CONFIG_FILE: z.string().min(1).optional(),
  /** Payload encryption keys (`keyId=base64key,...`, first encrypts); unset: plain payloads. */
  PAYLOAD_CODEC_KEYS: codecKeys.optional(),
};

export const IngressConfigSchema = z.object({
  ...shared,
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  WEBHOOK_SECRET: z.string().min(1, 'is required'),
  /** Largest accepted body; GitHub caps payloads at 25 MB. */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(25 * 1024 * 1024),
  /** Deadline for handing an event to Temporal before answering 503. */
  TEMPORAL_SIGNAL_TIMEOUT_MS: durationMs(5_000),
  /** Comma-separated author associations whose comments are forwarded. */
  TRUSTED_AUTHOR_ASSOCIATIONS: z
    .string()
    .default('OWNER,MEMBER,COLLABORATOR')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean),
    ),
  /** The App's bot login (`<slug>[bot]`); comments by it are never forwarded. */
  GITHUB_APP_BOT_LOGIN: z.string().min(1).optional(),
  /** Bearer token the codec endpoint (`/codec/encode`, `/codec/decode`) requires; unset: no endpoint. */
  CODEC_AUTH_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .regex(/^[A-Za-z0-9._~+/-]+=*$/, 'must be a bearer token (letters, digits, . _ ~ + / -)')
    .optional(),
  /** Web UI origins allowed to call the codec endpoint from a browser. */
  CODEC_CORS_ORIGINS: origins.default([]),
  /** Largest codec request body. */
  CODEC_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024),
});
export type IngressConfig = z.infer<typeof IngressConfigSchema>;

const pem = z
  .string()
  .min(1, 'is required')
  .transform((v) => v.replace(/\\n/g, '\n'))
  .refine((v) => /-----BEGIN (RSA )?PRIVATE KEY-----/.test(v), {
    message: 'must be a PEM private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY")',
  });

export const WorkerConfigSchema = z.object({
  ...shared,
  APP_ID: z.coerce.number().int().positive(),
  PRIVATE_KEY: pem,
  GITHUB_API_URL: z.url().default('https://api.github.com'),
  CODER_URL: z.url(),
  CODER_TOKEN: z.string().min(1, 'is required'),
  /** `auto`: Coder Agents wherever the deployment serves chats, else Coder Tasks. */
  CODER_BACKEND: z.enum(['auto', ...BACKEND_KINDS]).default('auto'),
  /** Coder Agents: template of a workspace made for each chat (unset: the agent picks one). */
  CODER_AGENTS_TEMPLATE_NAME: z.string().min(1).optional(),
  CODER_TEMPLATE_NAME: z.string().min(1).default('task-template'),
  /** Template used when the repository has a `.code-factory/config.toml` (JSON input). */
  CODER_CONFIG_TEMPLATE_NAME: z.string().min(1).default('task-template-config'),
  /** Template for repositories whose config picks the codex harness. */
  CODER_TEMPLATE_NAME_CODEX: z.string().min(1).optional(),
  CODER_TEMPLATE_PRESET: z.string().min(1).optional(),
  CODER_ORGANIZATION: z.string().min(1).default('default'),
  /** How often readiness is polled. */
  AGENT_POLL_INTERVAL_MS: durationMs(10_000),
  /** How long a new or resumed agent may take to become ready. */
  AGENT_STARTUP_TIMEOUT_MS: durationMs(30 * 60_000),
  /** How long a task may stay in `error`/`unknown` before it counts as failed. */
  AGENT_ERROR_GRACE_MS: durationMs(2 * 60_000),
  /** The status comment follows the agent, edited at most once per this interval per issue. */
  STATUS_COMMENT_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
  /** First delay before reconnecting a dropped Coder chat stream (doubles up to 30 s). */
  CODER_STREAM_RECONNECT_MS: durationMs(1_000),
  /**
   * A task waiting for Coder (phase `waiting-for-coder`) tries again after this long, then
   * twice as long each time, up to ten times this.
   */
  CODER_PROBE_INTERVAL_MS: durationMs(30_000),
  /** How long a dead worker keeps the chat streams before another worker takes them over. */
  AGENT_WATCH_HEARTBEAT_TIMEOUT_MS: durationMs(30_000),
  /**
   * Task workflows the worker keeps in memory; the rest are replayed from their (short)
   * history when an event arrives. docs/performance.md has the measurements behind it.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().positive().default(500),
  /**
   * How long one call into the workflow sandbox may run (the SDK's isolateExecutionTimeout,
   * 5 s by default). On Node 20 a call that hits it aborts the whole worker process instead of
   * failing one workflow task (tests/bench/src/vm-timeout-crash.ts), so it is set far above
   * what a loaded worker needs, and only a workflow that never yields reaches it.
   */
  WORKER_ISOLATE_EXECUTION_TIMEOUT_MS: durationAtLeast(5_000, '5 s, the SDK default')
    .max(3_600_000, 'must be at most 3600000 (1 hour)')
    .default(60_000),
  /** A task run continues as new past this many history events (replays stay short). */
  TASK_HISTORY_LIMIT: z.coerce.number().int().min(100).max(50_000).default(500),
  /** Prometheus metrics of the worker (Temporal runtime + ours) at host:port/metrics; off when unset. */
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'must be host:port, e.g. 0.0.0.0:9464')
    .optional(),
  /** How often the `webhook-redelivery` schedule looks for failed webhook deliveries. */
  WEBHOOK_REDELIVERY_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(10_000, 'must be at least 10000 (10 s)')
    .default(5 * 60_000),
  /** At most this many deliveries are redelivered per run, oldest first. */
  WEBHOOK_REDELIVERY_MAX_PER_RUN: z.coerce.number().int().positive().max(1000).default(50),
  /** Most agents active at once per GitHub App installation; unset: unlimited. */
  MAX_ACTIVE_AGENTS_PER_INSTALLATION: agentLimit.optional(),
  /** How often a slots workflow checks that its holders still run. */
  SLOT_CHECK_INTERVAL_MS: durationAtLeast(10_000, '10 s').default(5 * 60_000),
  /**
   * `[shepherd]` durations of every repository are multiplied by this (tests and local
   * trials shorten them; 1 in production).
   */
  SHEPHERD_TIME_SCALE: z.coerce
    .number()
    .positive('must be a number above 0')
    .max(1, 'must be at most 1 (it only shortens)')
    .default(1),
  /** How often a task parked by a Coder budget or usage limit tries again. */
  BUDGET_RETRY_INTERVAL_MS: durationAtLeast(60_000, '1 min').default(15 * 60_000),
  /** A task in a stuck phase (starting, failed, waiting for budget or a human) longer than this is reported. */
  STUCK_AFTER_MS: durationAtLeast(60_000, '1 min').default(2 * 60 * 60_000),
  /** Per-phase overrides of STUCK_AFTER_MS. */
  STUCK_AFTER_STARTING_MS: durationAtLeast(60_000, '1 min').optional(),
  STUCK_AFTER_FAILED_MS: durationAtLeast(60_000, '1 min').optional(),
  STUCK_AFTER_WAITING_FOR_BUDGET_MS: durationAtLeast(60_000, '1 min').optional(),
  STUCK_AFTER_WAITING_FOR_HUMAN_MS: durationAtLeast(60_000, '1 min').optional(),
  /** How often the `stuck-tasks` schedule looks for stuck tasks. */
  STUCK_SCAN_INTERVAL_MS: durationAtLeast(10_000, '10 s').default(15 * 60_000),
});
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

/** The stuck threshold of each phase the `stuck-tasks` schedule looks at (task phase names). */
export function stuckThresholds(config: WorkerConfig): {
  starting: number;
  failed: number;
  'waiting-for-budget': number;
  'waiting-for-human': number;
} {
  const all = config.STUCK_AFTER_MS;
  return {
    starting: config.STUCK_AFTER_STARTING_MS ?? all,
    failed: config.STUCK_AFTER_FAILED_MS ?? all,
    'waiting-for-budget': config.STUCK_AFTER_WAITING_FOR_BUDGET_MS ?? all,
    'waiting-for-human': config.STUCK_AFTER_WAITING_FOR_HUMAN_MS ?? all,
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses an environment; throws a ConfigError naming each bad variable (never its value). */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    // zod leaves `input` out of its issues, so absence is read from the environment itself
    // (a set `1.5` failing `.int()` is also an invalid_type, and is not "required").
    const missing = !Object.hasOwn(cleaned, String(issue.path[0] ?? ''));
    const message = issue.code === 'invalid_type' && missing ? 'is required' : issue.message;
    return `  ${name}: ${message}`;
  });
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

/** The variables a schema reads: used by docs and deployment checks. */
export function variableNames(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape);
}
export * from './temporal';
