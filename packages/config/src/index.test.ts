import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  IngressConfigSchema,
  parseEnv,
  stuckThresholds,
  WorkerConfigSchema,
} from './index';

const KEY = '-----BEGIN RSA PRIVATE KEY-----\\nabc\\n-----END RSA PRIVATE KEY-----';
/** The required worker variables, valid. */
const WORKER_BASE = {
  APP_ID: '1',
  PRIVATE_KEY: KEY,
  CODER_URL: 'http://localhost:1',
  CODER_TOKEN: 't',
};

describe('parseEnv', () => {
  it('applies defaults', () => {
    const config = parseEnv(IngressConfigSchema, { WEBHOOK_SECRET: 's3cret' });
    expect(config.PORT).toBe(8787);
    expect(config.TEMPORAL_ADDRESS).toBe('localhost:7233');
    expect(config.TRUSTED_AUTHOR_ASSOCIATIONS).toEqual(['OWNER', 'MEMBER', 'COLLABORATOR']);
  });

  it('names the variable and never echoes the value', () => {
    const secret = 'super-secret-token-value';
    let error: unknown;
    try {
      parseEnv(WorkerConfigSchema, {
        APP_ID: 'not-a-number',
        PRIVATE_KEY: secret,
        CODER_URL: 'https://coder.example.com',
        CODER_TOKEN: 'x',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('APP_ID');
    expect(message).toContain('PRIVATE_KEY');
    expect(message).not.toContain(secret);
    expect(message).not.toContain('not-a-number');
  });

  it('reports missing required variables', () => {
    expect(() => parseEnv(IngressConfigSchema, {})).toThrow(/WEBHOOK_SECRET: is required/);
  });

  it('accepts PKCS#1 and PKCS#8 keys with escaped newlines', () => {
    const base = { APP_ID: '1', CODER_URL: 'http://localhost:1', CODER_TOKEN: 't' };
    expect(parseEnv(WorkerConfigSchema, { ...base, PRIVATE_KEY: KEY }).PRIVATE_KEY).toContain('\n');
    const pkcs8 = '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----';
    expect(parseEnv(WorkerConfigSchema, { ...base, PRIVATE_KEY: pkcs8 }).CODER_BACKEND).toBe(
      'auto',
    );
  });

  it('rejects an invalid task name prefix', () => {
    expect(() =>
      parseEnv(IngressConfigSchema, { WEBHOOK_SECRET: 's', CODER_TASK_NAME_PREFIX: 'GH_' }),
    ).toThrow(/CODER_TASK_NAME_PREFIX/);
  });
});

describe('payload encryption and codec endpoint', () => {
  const key = Buffer.alloc(32, 7).toString('base64');

  it('accepts PAYLOAD_CODEC_KEYS in both processes and leaves it unset by default', () => {
    const ingress = parseEnv(IngressConfigSchema, {
      WEBHOOK_SECRET: 's',
      PAYLOAD_CODEC_KEYS: `k1=${key}`,
    });
    expect(ingress.PAYLOAD_CODEC_KEYS).toBe(`k1=${key}`);
    expect(parseEnv(IngressConfigSchema, { WEBHOOK_SECRET: 's' }).PAYLOAD_CODEC_KEYS).toBe(
      undefined,
    );
  });

  it('names PAYLOAD_CODEC_KEYS and the bad entry, never the key', () => {
    const short = Buffer.alloc(16, 9).toString('base64');
    let message = '';
    try {
      parseEnv(IngressConfigSchema, { WEBHOOK_SECRET: 's', PAYLOAD_CODEC_KEYS: `k1=${short}` });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('PAYLOAD_CODEC_KEYS: key "k1": must decode to 32 bytes');
    expect(message).not.toContain(short);
  });

  it('validates the codec endpoint settings', () => {
    const config = parseEnv(IngressConfigSchema, {
      WEBHOOK_SECRET: 's',
      CODEC_AUTH_TOKEN: 'a-token-of-16-chars',
      CODEC_CORS_ORIGINS: 'http://localhost:8233/, https://temporal.example.com',
    });
    expect(config.CODEC_CORS_ORIGINS).toEqual([
      'http://localhost:8233',
      'https://temporal.example.com',
    ]);
    expect(config.CODEC_MAX_BODY_BYTES).toBe(4 * 1024 * 1024);
    expect(() =>
      parseEnv(IngressConfigSchema, { WEBHOOK_SECRET: 's', CODEC_AUTH_TOKEN: 'short' }),
    ).toThrow(/CODEC_AUTH_TOKEN: must be at least 16 characters/);
    expect(() =>
      parseEnv(IngressConfigSchema, { WEBHOOK_SECRET: 's', CODEC_CORS_ORIGINS: 'localhost:8233' }),
    ).toThrow(/CODEC_CORS_ORIGINS: must be comma-separated origins/);
  });

  it('bounds the redelivery schedule settings', () => {
    const base = WORKER_BASE;
    const config = parseEnv(WorkerConfigSchema, base);
    expect(config.WEBHOOK_REDELIVERY_INTERVAL_MS).toBe(300_000);
    expect(config.WEBHOOK_REDELIVERY_MAX_PER_RUN).toBe(50);
    expect(() =>
      parseEnv(WorkerConfigSchema, { ...base, WEBHOOK_REDELIVERY_INTERVAL_MS: '500' }),
    ).toThrow(/WEBHOOK_REDELIVERY_INTERVAL_MS: must be at least 10000/);
  });
});

describe('worker cache and history bound', () => {
  it('defaults to a cache of 500, a history bound of 500 events and a 60 s sandbox call', () => {
    const config = parseEnv(WorkerConfigSchema, WORKER_BASE);
    expect(config.WORKER_MAX_CACHED_WORKFLOWS).toBe(500);
    expect(config.TASK_HISTORY_LIMIT).toBe(500);
    expect(config.WORKER_ISOLATE_EXECUTION_TIMEOUT_MS).toBe(60_000);
  });

  it.each([
    ['4999', /WORKER_ISOLATE_EXECUTION_TIMEOUT_MS: must be at least 5000/],
    ['3600001', /WORKER_ISOLATE_EXECUTION_TIMEOUT_MS: must be at most 3600000/],
    ['soon', /WORKER_ISOLATE_EXECUTION_TIMEOUT_MS/],
  ])('refuses WORKER_ISOLATE_EXECUTION_TIMEOUT_MS=%s, naming it', (value, message) => {
    expect(() =>
      parseEnv(WorkerConfigSchema, { ...WORKER_BASE, WORKER_ISOLATE_EXECUTION_TIMEOUT_MS: value }),
    ).toThrow(message);
  });

  it.each(['99', '50001', 'lots', '1.5'])('refuses TASK_HISTORY_LIMIT=%s, naming it', (value) => {
    expect(() =>
      parseEnv(WorkerConfigSchema, { ...WORKER_BASE, TASK_HISTORY_LIMIT: value }),
    ).toThrow(/TASK_HISTORY_LIMIT/);
  });

  it('refuses a cache of 0', () => {
    expect(() =>
      parseEnv(WorkerConfigSchema, { ...WORKER_BASE, WORKER_MAX_CACHED_WORKFLOWS: '0' }),
    ).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
  });
});

describe('fleet controls', () => {
  const base = WORKER_BASE;
  const problem = (env: Record<string, string>) => {
    try {
      parseEnv(WorkerConfigSchema, { ...base, ...env });
    } catch (err) {
      return (err as Error).message;
    }
    return null;
  };

  it('leaves the installation limit unset (unlimited) and applies the interval defaults', () => {
    const config = parseEnv(WorkerConfigSchema, base);
    expect(config.MAX_ACTIVE_AGENTS_PER_INSTALLATION).toBeUndefined();
    expect(config.BUDGET_RETRY_INTERVAL_MS).toBe(15 * 60_000);
    expect(config.STUCK_SCAN_INTERVAL_MS).toBe(15 * 60_000);
    expect(config.SLOT_CHECK_INTERVAL_MS).toBe(5 * 60_000);
    expect(stuckThresholds(config)).toEqual({
      starting: 2 * 60 * 60_000,
      failed: 2 * 60 * 60_000,
      'waiting-for-budget': 2 * 60 * 60_000,
      'waiting-for-human': 2 * 60 * 60_000,
    });
  });

  it('takes per-phase stuck thresholds over STUCK_AFTER_MS', () => {
    const config = parseEnv(WorkerConfigSchema, {
      ...base,
      STUCK_AFTER_MS: '600000',
      STUCK_AFTER_WAITING_FOR_HUMAN_MS: '86400000',
    });
    expect(stuckThresholds(config)).toEqual({
      starting: 600_000,
      failed: 600_000,
      'waiting-for-budget': 600_000,
      'waiting-for-human': 86_400_000,
    });
  });

  it('accepts a positive installation limit', () => {
    const config = parseEnv(WorkerConfigSchema, {
      ...base,
      MAX_ACTIVE_AGENTS_PER_INSTALLATION: '3',
    });
    expect(config.MAX_ACTIVE_AGENTS_PER_INSTALLATION).toBe(3);
  });

  it('refuses a limit of zero, a negative or a fractional one, naming the variable and the fix', () => {
    for (const bad of ['0', '-2']) {
      expect(problem({ MAX_ACTIVE_AGENTS_PER_INSTALLATION: bad })).toBe(
        'invalid configuration:\n  MAX_ACTIVE_AGENTS_PER_INSTALLATION: must be at least 1 (unset it for no limit; 0 would never start an agent)',
      );
    }
    expect(problem({ MAX_ACTIVE_AGENTS_PER_INSTALLATION: '1.5' })).toContain(
      'MAX_ACTIVE_AGENTS_PER_INSTALLATION: must be a whole number of at least 1 (unset it for no limit)',
    );
    expect(problem({ MAX_ACTIVE_AGENTS_PER_INSTALLATION: 'lots' })).toContain(
      'MAX_ACTIVE_AGENTS_PER_INSTALLATION',
    );
  });

  it('refuses intervals below their minimum', () => {
    expect(problem({ BUDGET_RETRY_INTERVAL_MS: '1000' })).toContain(
      'BUDGET_RETRY_INTERVAL_MS: must be at least 60000 (1 min)',
    );
    expect(problem({ STUCK_AFTER_MS: '0' })).toContain('STUCK_AFTER_MS: must be at least 60000');
    expect(problem({ STUCK_AFTER_FAILED_MS: '-5' })).toContain('STUCK_AFTER_FAILED_MS');
    expect(problem({ STUCK_SCAN_INTERVAL_MS: '5000' })).toContain(
      'STUCK_SCAN_INTERVAL_MS: must be at least 10000 (10 s)',
    );
    expect(problem({ SLOT_CHECK_INTERVAL_MS: '15m' })).toContain('SLOT_CHECK_INTERVAL_MS');
  });
});
