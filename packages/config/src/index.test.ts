import { describe, expect, it } from 'vitest';
import { ConfigError, IngressConfigSchema, parseEnv, WorkerConfigSchema } from './index';

const KEY = '-----BEGIN RSA PRIVATE KEY-----\\nabc\\n-----END RSA PRIVATE KEY-----';

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
    const base = {
      APP_ID: '1',
      PRIVATE_KEY: KEY,
      CODER_URL: 'http://localhost:1',
      CODER_TOKEN: 't',
    };
    const config = parseEnv(WorkerConfigSchema, base);
    expect(config.WEBHOOK_REDELIVERY_INTERVAL_MS).toBe(300_000);
    expect(config.WEBHOOK_REDELIVERY_MAX_PER_RUN).toBe(50);
    expect(() =>
      parseEnv(WorkerConfigSchema, { ...base, WEBHOOK_REDELIVERY_INTERVAL_MS: '500' }),
    ).toThrow(/WEBHOOK_REDELIVERY_INTERVAL_MS: must be at least 10000/);
  });
});
