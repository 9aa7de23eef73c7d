import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  AesGcmPayloadCodec,
  CodecError,
  CodecKeyError,
  codecDataConverter,
  ENCODING_ENCRYPTED,
  METADATA_KEY_ID,
  ProtocolError,
  parseCodecKeys,
  payloadsFromJson,
  payloadsToJson,
} from './index';

const key = () => randomBytes(32).toString('base64');
const K1 = key();
const K2 = key();
const SECRET = 'Please rebase: the password is hunter2';

const payload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const decoded = (p: Payload | undefined) =>
  p ? defaultPayloadConverter.fromPayload(p) : undefined;
const utf8 = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

async function expectCodecError(promise: Promise<unknown>, kind: CodecError['kind']) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CodecError);
  expect((error as CodecError).kind).toBe(kind);
  return error as CodecError;
}

describe('parseCodecKeys', () => {
  it('takes the first key to encrypt and all of them to decrypt', () => {
    const ring = parseCodecKeys(` k2=${K2} , k1=${K1}`);
    expect(ring.primary.id).toBe('k2');
    expect([...ring.byId.keys()]).toEqual(['k2', 'k1']);
    expect(ring.primary.key.length).toBe(32);
  });

  it.each([
    ['', 'at least one'],
    ['k1', 'keyId=base64key'],
    [`=${K1}`, 'keyId=base64key'],
    [`bad id=${K1}`, 'key id must be'],
    ['k1=not base64!', 'not base64'],
    [`k1=${randomBytes(16).toString('base64')}`, 'must decode to 32 bytes'],
    [`k1=${K1},k1=${K2}`, 'listed twice'],
  ])('refuses %j, naming the problem and never the key', (value, problem) => {
    let error: unknown;
    try {
      parseCodecKeys(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CodecKeyError);
    expect((error as Error).message).toContain(problem);
    expect((error as Error).message).not.toContain(K1);
    expect((error as Error).message).not.toContain(K2);
  });

  it('accepts URL-safe base64', () => {
    const raw = randomBytes(32);
    const ring = parseCodecKeys(`k=${raw.toString('base64url')}`);
    expect(ring.primary.key.equals(raw)).toBe(true);
  });
});

describe('AesGcmPayloadCodec', () => {
  const codec = new AesGcmPayloadCodec({ keys: parseCodecKeys(`k1=${K1}`) });

  it('round-trips and leaves nothing readable in the encrypted payload', async () => {
    const [sealed] = await codec.encode([payload({ body: SECRET })]);
    expect(utf8(sealed?.metadata?.encoding)).toBe(ENCODING_ENCRYPTED);
    expect(utf8(sealed?.metadata?.[METADATA_KEY_ID])).toBe('k1');
    expect(Buffer.from(sealed?.data ?? []).toString('latin1')).not.toContain('hunter2');
    expect(JSON.stringify(sealed)).not.toContain('json/plain');
    const [opened] = await codec.decode(sealed ? [sealed] : []);
    expect(decoded(opened)).toEqual({ body: SECRET });
  });

  it('uses a fresh nonce: the same value encrypts differently each time', async () => {
    const [a, b] = await codec.encode([payload('same'), payload('same')]);
    expect(Buffer.from(a?.data ?? []).equals(Buffer.from(b?.data ?? []))).toBe(false);
  });

  it('rotates without downtime: the new first key encrypts, the old one still decrypts', async () => {
    const old = await codec.encode([payload('before rotation')]);
    const rotated = new AesGcmPayloadCodec({ keys: parseCodecKeys(`k2=${K2},k1=${K1}`) });
    expect(decoded((await rotated.decode(old))[0])).toBe('before rotation');
    const fresh = await rotated.encode([payload('after')]);
    expect(utf8(fresh[0]?.metadata?.[METADATA_KEY_ID])).toBe('k2');
    // A process that only knows the old key fails loudly on the new payloads.
    await expectCodecError(codec.decode(fresh), 'unknown-key');
  });

  it('passes payloads that are not encrypted through decode (histories from before)', async () => {
    const plain = payload({ text: 'old' });
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('without keys, encrypts nothing and refuses encrypted payloads naming the variable', async () => {
    const off = new AesGcmPayloadCodec({ keys: null });
    const plain = payload('x');
    expect(await off.encode([plain])).toEqual([plain]);
    const sealed = await codec.encode([plain]);
    const error = await expectCodecError(off.decode(sealed), 'unknown-key');
    expect(error.message).toContain('PAYLOAD_CODEC_KEYS');
  });

  it('fails loudly on an unknown key id', async () => {
    const other = new AesGcmPayloadCodec({ keys: parseCodecKeys(`k9=${K2}`) });
    const error = await expectCodecError(
      codec.decode(await other.encode([payload('x')])),
      'unknown-key',
    );
    expect(error.message).toContain('"k9"');
  });

  it('fails on a wrong key under the right id', async () => {
    const impostor = new AesGcmPayloadCodec({ keys: parseCodecKeys(`k1=${K2}`) });
    await expectCodecError(
      codec.decode(await impostor.encode([payload('x')])),
      'authentication-failed',
    );
  });

  it('fails on a tampered tag, a tampered body and a relabelled key id', async () => {
    const [sealed] = await codec.encode([payload(SECRET)]);
    if (!sealed?.data) throw new Error('no data');
    const flip = (at: number) => {
      const data = new Uint8Array(sealed.data ?? []);
      data[at] = (data[at] ?? 0) ^ 1;
      return { ...sealed, data };
    };
    await expectCodecError(codec.decode([flip(sealed.data.length - 1)]), 'authentication-failed');
    await expectCodecError(codec.decode([flip(14)]), 'authentication-failed');
    const both = new AesGcmPayloadCodec({ keys: parseCodecKeys(`k1=${K1},k1b=${K1}`) });
    const relabelled = {
      ...sealed,
      metadata: { ...sealed.metadata, [METADATA_KEY_ID]: new TextEncoder().encode('k1b') },
    };
    await expectCodecError(both.decode([relabelled]), 'authentication-failed');
  });

  it('fails on truncated ciphertext, short or cut', async () => {
    const [sealed] = await codec.encode([payload(SECRET)]);
    const data = sealed?.data ?? new Uint8Array();
    await expectCodecError(codec.decode([{ ...sealed, data: data.subarray(0, 10) }]), 'malformed');
    await expectCodecError(
      codec.decode([{ ...sealed, data: data.subarray(0, data.length - 5) }]),
      'authentication-failed',
    );
  });

  it('fails on an encrypted payload without a key id', async () => {
    const [sealed] = await codec.encode([payload('x')]);
    const metadata = { ...sealed?.metadata };
    delete metadata[METADATA_KEY_ID];
    await expectCodecError(codec.decode([{ ...sealed, metadata }]), 'malformed');
  });

  it('refuses an oversized payload on both sides', async () => {
    const small = new AesGcmPayloadCodec({
      keys: parseCodecKeys(`k1=${K1}`),
      maxPayloadBytes: 1024,
    });
    await expectCodecError(small.encode([payload('x'.repeat(2048))]), 'too-large');
    const big = await codec.encode([payload('x'.repeat(2048))]);
    await expectCodecError(small.decode(big), 'too-large');
  });

  it('codecDataConverter: a keyring when the variable is set, a pass-through otherwise', async () => {
    const on = codecDataConverter(`k1=${K1}`).payloadCodecs?.[0];
    const off = codecDataConverter(undefined).payloadCodecs?.[0];
    const [sealed] = (await on?.encode([payload('x')])) ?? [];
    expect(utf8(sealed?.metadata?.encoding)).toBe(ENCODING_ENCRYPTED);
    expect(await off?.encode([payload('x')])).toEqual([payload('x')]);
  });
});

describe('codec server protocol JSON', () => {
  it('round-trips payloads through the JSON mapping', async () => {
    const p = payload({ a: 1 });
    const json = JSON.parse(JSON.stringify(payloadsToJson([p])));
    expect(json.payloads[0].metadata.encoding).toBe(Buffer.from('json/plain').toString('base64'));
    expect(decoded(payloadsFromJson(json)[0])).toEqual({ a: 1 });
  });

  it.each([
    [null, 'JSON object'],
    [[], 'JSON object'],
    [{ payloads: 'x' }, 'payloads must be an array'],
    [{ payloads: [1] }, 'payloads[0] must be an object'],
    [{ payloads: [{ metadata: [] }] }, 'payloads[0].metadata must be an object'],
    [{ payloads: [{ metadata: { encoding: 5 } }] }, 'payloads[0].metadata.encoding'],
    [{ payloads: [{ data: 'not base64!' }] }, 'payloads[0].data'],
  ])('refuses %j with the field', (body, problem) => {
    expect(() => payloadsFromJson(body)).toThrow(ProtocolError);
    expect(() => payloadsFromJson(body)).toThrow(problem);
  });
});
