/** Runs `openssl` as a child process, so it is an integration test (docs/development.md#tests). */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { IngressConfigSchema, parseEnv } from '../src/index';

describe('the key command docs/configuration.md shows', () => {
  it('`openssl rand -base64 32` makes a valid PAYLOAD_CODEC_KEYS entry', () => {
    const key = execFileSync('openssl', ['rand', '-base64', '32'], { encoding: 'utf8' }).trim();
    const config = parseEnv(IngressConfigSchema, {
      WEBHOOK_SECRET: 's',
      PAYLOAD_CODEC_KEYS: `k2025a=${key}`,
    });
    expect(config.PAYLOAD_CODEC_KEYS).toBe(`k2025a=${key}`);
  });
});
