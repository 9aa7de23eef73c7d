/**
 * `.code-factory/config.toml`: optional per-repository settings (docs/repo-config.md).
 *
 * Parsed with smol-toml, validated with zod. Unknown keys are dropped so repositories can
 * add settings early. Stored sparse (what the user wrote, normalised); defaults are applied
 * when read (`withDefaults`). Errors name the path and the problem, never the raw value.
 */
import { BACKEND_KINDS, type BackendKind } from '@code-factory/events/kinds';
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { cronProblem } from './cron';
import { DAY_MS, MINUTE_MS, readDuration } from './duration';
import { DOLLARS, dollarsToMicros } from './money';
import { SHEPHERD_DEFAULTS } from './shepherd-defaults';
import { TriggersSchema } from './triggers';

export { cronProblem } from './cron';
export { DURATION_HINT, formatDuration, readDuration } from './duration';
export { configLine } from './lines';
export { DOLLARS, dollarsToMicros } from './money';
export { SHEPHERD_DEFAULTS } from './shepherd-defaults';
export * from './triggers';

export const CONFIG_PATH = '.code-factory/config.toml';

const SIZE_UNITS: Record<string, string> = { k: 'Ki', m: 'Mi', g: 'Gi', t: 'Ti' };

/** `10gb`, `10GB`, `10G`, `10gi`, `10Gi` (K/M/G/T) → `10Gi`. */
export function normaliseSize(value: string): string | null {
  const match = /^\s*(\d+)\s*([kmgtKMGT])(?:[iI]|[bB])?\s*$/.exec(value);
  if (!match?.[1] || !match[2]) return null;
  return `${Number(match[1])}${SIZE_UNITS[match[2].toLowerCase()]}`;
}

const Size = z.string().transform((value, ctx) => {
  const normalised = normaliseSize(value);
  if (normalised === null) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a size like 10Gi, 10G or 10gb (units K, M, G, T)',
    });
    return z.NEVER;
  }
  return normalised;
});

/** Five-field cron, checked field by field; Temporal has the last word when scheduling. */
const Cron = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** More jobs than this in one repository is a config error (each job is a Temporal Schedule). */
export const MAX_SCHEDULED_JOBS = 50;

/**
 * What identifies a job across pushes (its schedule ID is built from it): the name in lower
 * case with every run of other characters as one dash. Two names with the same key clash.
 */
export function jobKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const JobName = nonEmpty
  .max(64, 'must be at most 64 characters')
  .refine((name) => jobKey(name) !== '', 'must contain a letter or a digit');

const ScheduledJobs = z
  .array(z.object({ name: JobName, branch: nonEmpty, schedule: Cron, prompt: nonEmpty }))
  .max(MAX_SCHEDULED_JOBS, `must list at most ${MAX_SCHEDULED_JOBS} jobs`)
  .superRefine((jobs, ctx) => {
    const seen = new Map<string, number>();
    jobs.forEach((job, index) => {
      const key = jobKey(job.name);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      else {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `duplicate job name (same as scheduled_jobs.${first}.name)`,
        });
      }
    });
  });

/** Every `[shepherd]` duration lies between a minute and this. */
const MAX_SHEPHERD_DURATION_MS = 90 * DAY_MS;

const DURATION_TYPE = { error: 'must be a duration in quotes, like "30m", "24h" or "14d"' };

/** A duration string (`30m`, `24h`, `14d`); kept as written (trimmed, lower case), read in ms by `withDefaults`. */
function duration(allowOff: boolean) {
  return z
    .string(DURATION_TYPE)
    .trim()
    .toLowerCase()
    .superRefine((value, ctx) => {
      const read = readDuration(value, {
        minMs: MINUTE_MS,
        maxMs: MAX_SHEPHERD_DURATION_MS,
        allowOff,
      });
      if ('problem' in read) ctx.addIssue({ code: 'custom', message: read.problem });
    });
}

const Shepherd = z.object({
  update_branch: z
    .boolean()
    .default(SHEPHERD_DEFAULTS.update_branch)
    .optional()
    .describe(
      "Bring an agent pull request's branch up to date with its base when it falls behind.",
    ),
  rerun_failed_jobs: z
    .number()
    .int('must be a whole number from 0 to 3')
    .min(0, 'must be a whole number from 0 to 3 (0: never re-run)')
    .max(3, 'must be a whole number from 0 to 3')
    .default(SHEPHERD_DEFAULTS.rerun_failed_jobs)
    .optional()
    .describe(
      'How many times the failed jobs of a workflow run are re-run before the agent is told.',
    ),
  ignore_base_failures: z
    .boolean()
    .default(SHEPHERD_DEFAULTS.ignore_base_failures)
    .optional()
    .describe(
      'Do not report a failure that the base branch has too (its latest completed run of the same workflow failed).',
    ),
  thread_nudge_after: duration(false)
    .default(SHEPHERD_DEFAULTS.thread_nudge_after)
    .optional()
    .describe('How long an unresolved review thread waits before the agent is nudged about it.'),
  review_reminder_after: duration(false)
    .default(SHEPHERD_DEFAULTS.review_reminder_after)
    .optional()
    .describe('How long a requested review waits before the reviewers are reminded.'),
  waiting_reminder_after: duration(false)
    .default(SHEPHERD_DEFAULTS.waiting_reminder_after)
    .optional()
    .describe('How long a pull request waiting on a person waits before they are reminded.'),
  release_after_idle: duration(true)
    .default(SHEPHERD_DEFAULTS.release_after_idle)
    .optional()
    .describe(
      'Release the agent after the pull request has been idle this long; "off" (default) never does.',
    ),
  watch_after_merge: duration(true)
    .default(SHEPHERD_DEFAULTS.watch_after_merge)
    .optional()
    .describe(
      'How long the base branch is watched after the merge for a regression; "0" or "off" does not watch.',
    ),
  reopen_on_regression: z
    .boolean()
    .default(SHEPHERD_DEFAULTS.reopen_on_regression)
    .optional()
    .describe('Reopen the issue when the base branch fails after the merge while it is watched.'),
});

export const RepoConfigSchema = z
  .object({
    agent: z
      .object({
        backend: z
          .enum(BACKEND_KINDS)
          .optional()
          .describe('Coder backend for this repository (overrides CODER_BACKEND).'),
      })
      .optional(),
    sandbox: z
      .object({
        size: z.enum(['small', 'medium', 'large']).default('medium').optional(),
        docker: z.boolean().default(false).optional(),
        volumes: z
          .array(z.object({ path: nonEmpty, size: Size.default('10Gi').optional() }))
          .default([])
          .optional(),
      })
      .optional(),
    harness: z
      .object({ provider: z.enum(['claude_code', 'codex']).default('claude_code').optional() })
      .optional(),
    coder: z
      .object({
        project: nonEmpty
          .max(200, 'must be at most 200 characters')
          .optional()
          .describe(
            'Coder project (name or id) every agent of this repository joins, sharing its instructions, skills and memory (Coder Agents, v2.39 early access).',
          ),
      })
      .optional(),
    limits: z
      .object({
        max_active_agents: z
          .number()
          .int('must be a whole number of at least 1 (remove the key for no limit)')
          .min(1, 'must be at least 1 (remove the key for no limit; 0 would never start an agent)')
          .optional()
          .describe(
            'Most agents active at once in this repository; more assignments wait their turn. Unset: unlimited.',
          ),
        max_cost_per_issue: z
          .string()
          .trim()
          .regex(DOLLARS, 'must be an amount of US dollars such as "25.00"')
          .refine(
            (v) => (dollarsToMicros(v) ?? 0) > 0,
            'must be more than 0 (remove the key for no limit)',
          )
          .optional()
          .describe(
            'Most an issue may cost, in US dollars (e.g. "25.00"), summed over every agent it had, as Coder reports it (Coder Agents with AI Gateway). Reached: the agent is interrupted and comments wait until `/agent budget <new limit>`. Unset: no limit.',
          ),
      })
      .optional(),
    scheduled_jobs: ScheduledJobs.default([]).optional(),
    on_event: z
      .object({
        failed_run: z
          .array(
            z.object({
              workflows: z.array(nonEmpty).min(1, 'must list at least one workflow'),
              branches: z.array(nonEmpty).min(1, 'must list at least one branch'),
              prompt_additions: z.string().optional(),
            }),
          )
          .default([])
          .optional(),
      })
      .optional(),
    shepherd: Shepherd.optional().describe(
      'Shepherding agent pull requests to a merge: branch updates, CI re-runs, review reminders.',
    ),
    triggers: TriggersSchema.optional(),
  })
  .describe('Per-repository settings for code-factory (.code-factory/config.toml).');

/** What the repository wrote, validated and normalised, without defaults. */
export type RepoConfig = z.infer<typeof RepoConfigSchema>;

export interface ResolvedRepoConfig {
  backend: BackendKind | null;
  sandbox: {
    size: 'small' | 'medium' | 'large';
    docker: boolean;
    volumes: { path: string; size: string }[];
  };
  harness: { provider: 'claude_code' | 'codex' };
  /** The Coder project (name or id) the repository's chats join; null: none. */
  coderProject: string | null;
  /** Most agents active at once in the repository; null: unlimited. */
  maxActiveAgents: number | null;
  /** Most an issue may cost, in micro-dollars; null: no limit. */
  maxCostPerIssueMicros: number | null;
  scheduledJobs: { name: string; branch: string; schedule: string; prompt: string }[];
  failedRunHooks: { workflows: string[]; branches: string[]; promptAdditions?: string }[];
  shepherd: ResolvedShepherd;
}

/** `[shepherd]` with its defaults, durations in milliseconds; null: off. */
export interface ResolvedShepherd {
  updateBranch: boolean;
  /** 0..3 */
  rerunFailedJobs: number;
  ignoreBaseFailures: boolean;
  threadNudgeAfterMs: number;
  reviewReminderAfterMs: number;
  waitingReminderAfterMs: number;
  releaseAfterIdleMs: number | null;
  watchAfterMergeMs: number | null;
  reopenOnRegression: boolean;
}

export type ParseResult = { ok: true; config: RepoConfig } | { ok: false; errors: string[] };

/** Parses the file's text. Never throws, never echoes values from the file. */
export function parseRepoConfig(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    if (err instanceof TomlError) {
      return { ok: false, errors: [`invalid TOML at line ${err.line}, column ${err.column}`] };
    }
    return { ok: false, errors: ['invalid TOML'] };
  }
  const parsed = RepoConfigSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      ),
    };
  }
  return { ok: true, config: sparse(parsed.data, raw) as RepoConfig };
}

/** `scheduled_jobs.0.schedule: must be ...` → its path and its problem. */
export function splitConfigError(error: string): { path: string; problem: string } {
  const at = error.indexOf(': ');
  return at < 0
    ? { path: '', problem: error }
    : { path: error.slice(0, at), problem: error.slice(at + 2) };
}

/** Defaults applied on read: a missing config and an empty one read the same. */
export function withDefaults(config: RepoConfig | null | undefined): ResolvedRepoConfig {
  const c = config ?? {};
  return {
    backend: c.agent?.backend ?? null,
    sandbox: {
      size: c.sandbox?.size ?? 'medium',
      docker: c.sandbox?.docker ?? false,
      volumes: (c.sandbox?.volumes ?? []).map((v) => ({ path: v.path, size: v.size ?? '10Gi' })),
    },
    harness: { provider: c.harness?.provider ?? 'claude_code' },
    coderProject: c.coder?.project ?? null,
    maxActiveAgents: c.limits?.max_active_agents ?? null,
    maxCostPerIssueMicros:
      c.limits?.max_cost_per_issue === undefined
        ? null
        : dollarsToMicros(c.limits.max_cost_per_issue),
    scheduledJobs: c.scheduled_jobs ?? [],
    failedRunHooks: (c.on_event?.failed_run ?? []).map((hook) => ({
      workflows: hook.workflows,
      branches: hook.branches,
      ...(hook.prompt_additions !== undefined ? { promptAdditions: hook.prompt_additions } : {}),
    })),
    shepherd: resolveShepherd(c.shepherd ?? {}),
  };
}

function resolveShepherd(s: NonNullable<RepoConfig['shepherd']>): ResolvedShepherd {
  const d = SHEPHERD_DEFAULTS;
  return {
    updateBranch: s.update_branch ?? d.update_branch,
    rerunFailedJobs: s.rerun_failed_jobs ?? d.rerun_failed_jobs,
    ignoreBaseFailures: s.ignore_base_failures ?? d.ignore_base_failures,
    threadNudgeAfterMs: durationMs(s.thread_nudge_after, d.thread_nudge_after) ?? 30 * MINUTE_MS,
    reviewReminderAfterMs: durationMs(s.review_reminder_after, d.review_reminder_after) ?? DAY_MS,
    waitingReminderAfterMs:
      durationMs(s.waiting_reminder_after, d.waiting_reminder_after) ?? 4 * 60 * MINUTE_MS,
    releaseAfterIdleMs: durationMs(s.release_after_idle, d.release_after_idle),
    watchAfterMergeMs: durationMs(s.watch_after_merge, d.watch_after_merge),
    reopenOnRegression: s.reopen_on_regression ?? d.reopen_on_regression,
  };
}

/** A validated duration in ms, null when off. A stored value that no longer reads falls back. */
function durationMs(value: string | undefined, fallback: string): number | null {
  const range = { minMs: MINUTE_MS, maxMs: MAX_SHEPHERD_DURATION_MS, allowOff: true };
  const read = readDuration(value ?? fallback, range);
  if ('ms' in read) return read.ms;
  if ('off' in read) return null;
  const again = readDuration(fallback, range);
  return 'ms' in again ? again.ms : null;
}

/** JSON Schema for editors (Taplo, VS Code), with the defaults visible. */
export function repoConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RepoConfigSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://code-factory.dev/schema.json',
    title: 'code-factory repository config',
  };
}

/**
 * zod fills `.default()`s while parsing, but the stored config must stay what the user
 * wrote: keep only the keys the input had (unknown keys are already gone).
 */
function sparse(value: unknown, shape: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((item, i) => sparse(item, Array.isArray(shape) ? shape[i] : undefined));
  }
  if (value && typeof value === 'object') {
    const source = (shape && typeof shape === 'object' ? shape : {}) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (!(key in source)) continue;
      out[key] = sparse(child, source[key]);
    }
    return out;
  }
  return value;
}
