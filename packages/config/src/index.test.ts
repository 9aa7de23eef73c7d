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
