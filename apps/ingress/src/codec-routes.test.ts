/**
 * The codec endpoint, in-process: token, CORS, size, bad bodies, and what it decodes.
 */
import { randomBytes } from 'node:crypto';
import { AesGcmPayloadCodec, parseCodecKeys, payloadsToJson } from '@code-factory/codec';
import { IngressConfigSchema, parseEnv } from '@code-factory/config';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createApp } from './app';
import { createLogger } from './logger';
import type { EventSink } from './temporal-sink';

const TOKEN = 'codec-token-0123456789';
const KEYS = `k1=${randomBytes(32).toString('base64')}`;
const UI = 'http://localhost:8233';
const BASE = 'http://ingress.test/codec';
const SECRET_TEXT = 'the comment body nobody may read';

const unusedSink: EventSink = {
  startTask: () => Promise.reject(new Error('unused')),
  signalTask: () => Promise.reject(new Error('unused')),
  route: () => Promise.reject(new Error('unused')),
};

function setup(env: Record<string, string> = {}) {
  const config = parseEnv(IngressConfigSchema, {
    WEBHOOK_SECRET: 'secret',
    PAYLOAD_CODEC_KEYS: KEYS,
    CODEC_AUTH_TOKEN: TOKEN,
    CODEC_CORS_ORIGINS: UI,
    CODEC_MAX_BODY_BYTES: String(64 * 1024),
    ...env,
  });
  const lines: string[] = [];
  const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
  const app = createApp({ config, sink: unusedSink, logger, isTemporalReady: async () => true });
  return { app, lines };
}

const codec = new AesGcmPayloadCodec({ keys: parseCodecKeys(KEYS) });
const plain = () => [defaultPayloadConverter.toPayload({ body: SECRET_TEXT })];

function post(
  app: ReturnType<typeof setup>['app'],
  path: 'encode' | 'decode',
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
) {
  return app.request(`${BASE}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('codec endpoint', () => {
  it('decodes what the product encrypted, and encodes what the CLI sends', async () => {
    const { app, lines } = setup();
    const sealed = payloadsToJson(await codec.encode(plain()));
    const decoded = await post(app, 'decode', sealed);
    expect(decoded.status).toBe(200);
    const body = (await decoded.json()) as { payloads: Array<{ data: string }> };
    expect(Buffer.from(body.payloads[0]?.data ?? '', 'base64').toString()).toContain(SECRET_TEXT);

    const encoded = await post(app, 'encode', payloadsToJson(plain()));
    expect(encoded.status).toBe(200);
    const text = await encoded.text();
    expect(Buffer.from(text).toString()).not.toContain(SECRET_TEXT);
    const again = JSON.parse(text) as ReturnType<typeof payloadsToJson>;
    expect(Buffer.from(again.payloads[0]?.metadata?.encoding ?? '', 'base64').toString()).toBe(
      'binary/encrypted',
    );
    // Logged without payloads.
    expect(lines.join('\n')).not.toContain(SECRET_TEXT);
    expect(lines.some((l) => l.includes('codec request'))).toBe(true);
  });

  it('an empty Payloads message is fine', async () => {
    const { app } = setup();
    const res = await post(app, 'decode', {});
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ payloads: [] });
  });

  it('401 without a token or with a wrong one, and decodes nothing', async () => {
    const { app } = setup();
    const sealed = payloadsToJson(await codec.encode(plain()));
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token-0123456789' },
    ];
    for (const headers of attempts) {
      const res = await post(app, 'decode', sealed, headers);
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain(SECRET_TEXT);
    }
    const basic = await post(app, 'decode', sealed, { authorization: `Basic ${TOKEN}` });
    expect([400, 401]).toContain(basic.status);
  });

  it('does not exist without CODEC_AUTH_TOKEN', async () => {
    const { app } = setup({ CODEC_AUTH_TOKEN: '' });
    const res = await post(app, 'decode', {}, { authorization: 'Bearer anything-at-all-123' });
    expect(res.status).toBe(404);
  });

  it('413 for a body over CODEC_MAX_BODY_BYTES', async () => {
    const { app } = setup();
    const big = payloadsToJson([defaultPayloadConverter.toPayload('x'.repeat(100 * 1024))]);
    const res = await post(app, 'encode', big);
    expect(res.status).toBe(413);
  });

  it('400 with the reason for a body that is not JSON or not Payloads', async () => {
    const { app } = setup();
    const notJson = await post(app, 'decode', '{nope');
    expect(notJson.status).toBe(400);
    const wrong = await post(app, 'decode', { payloads: [{ data: 12 }] });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toContain('payloads[0].data');
  });

  it('400, never garbage, for truncated, tampered or foreign ciphertext', async () => {
    const { app } = setup();
    const [sealed] = await codec.encode(plain());
    const data = sealed?.data ?? new Uint8Array();
    const tampered = new Uint8Array(data);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    const foreign = await new AesGcmPayloadCodec({
      keys: parseCodecKeys(`k7=${randomBytes(32).toString('base64')}`),
    }).encode(plain());
    const cases = [
      { ...sealed, data: data.subarray(0, 8) },
      { ...sealed, data: tampered },
      ...foreign,
    ];
    for (const bad of cases) {
      const res = await post(app, 'decode', payloadsToJson([bad]));
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).not.toContain(SECRET_TEXT);
      expect(JSON.parse(text)).toHaveProperty('error');
    }
  });

  it('answers the Web UI origin’s preflight without a token, and no other origin', async () => {
    const { app } = setup();
    const preflight = (origin: string) =>
      app.request(`${BASE}/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const ok = await preflight(UI);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'authorization',
    );
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
