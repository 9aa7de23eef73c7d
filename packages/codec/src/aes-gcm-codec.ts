/**
 * The payload codec: AES-256-GCM over the whole payload (its metadata and data, serialized as
 * Temporal's own `Payload` protobuf), with the key id in the outer payload's metadata so that
 * any key of the keyring can decrypt it. A random 96-bit nonce per payload; the key id is
 * authenticated too (additional data), so relabelling a payload fails like a tampered tag.
 *
 * Payloads that are not encrypted pass `decode` unchanged: histories written before
 * encryption was turned on stay readable. An encrypted payload that cannot be decrypted
 * (unknown key id, wrong key, tampered, truncated) throws a `CodecError`; it is never
 * passed on as garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { CodecKeyring } from './keys';

export const ENCODING_ENCRYPTED = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';
export const METADATA_CIPHER = 'encryption-cipher';
export const CIPHER = 'AES-256-GCM';
// A CommonJS module: its named exports are not visible to Node's ESM loader (tsx, the processes).
const { temporal } = proto;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Temporal refuses payloads above 2 MB by default; twice that is surely a mistake. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export type CodecErrorKind = 'unknown-key' | 'authentication-failed' | 'malformed' | 'too-large';

export class CodecError extends Error {
  override name = 'CodecError';
  constructor(
    readonly kind: CodecErrorKind,
    message: string,
  ) {
    super(message);
  }
}

const text = new TextEncoder();
const utf8 = new TextDecoder();

export interface AesGcmCodecOptions {
  /** Null: nothing is encrypted, and encrypted payloads fail to decode with a clear error. */
  keys: CodecKeyring | null;
  /** Largest payload (plaintext or ciphertext) the codec accepts. */
  maxPayloadBytes?: number;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: CodecKeyring | null;
  private readonly maxBytes: number;

  constructor(options: AesGcmCodecOptions) {
    this.keys = options.keys;
    this.maxBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  }

  /** True when payloads are encrypted on the way out. */
  get encrypts(): boolean {
    return this.keys !== null;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keys = this.keys;
    if (!keys) return payloads;
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      if (plain.length > this.maxBytes) {
        throw new CodecError(
          'too-large',
          `payload of ${plain.length} bytes is larger than the codec's limit of ${this.maxBytes}`,
        );
      }
      const { id, key } = keys.primary;
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(id));
      const sealed = Buffer.concat([
        nonce,
        cipher.update(plain),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return {
        metadata: {
          encoding: text.encode(ENCODING_ENCRYPTED),
          [METADATA_KEY_ID]: text.encode(id),
          [METADATA_CIPHER]: text.encode(CIPHER),
        },
        data: new Uint8Array(sealed),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  private decodeOne(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding;
    if (!encoding || utf8.decode(encoding) !== ENCODING_ENCRYPTED) return payload;
    const idBytes = payload.metadata?.[METADATA_KEY_ID];
    if (!idBytes) throw new CodecError('malformed', 'encrypted payload without a key id');
    const id = utf8.decode(idBytes);
    if (!this.keys) {
      throw new CodecError(
        'unknown-key',
        `payload is encrypted with key "${id}" but PAYLOAD_CODEC_KEYS is not set`,
      );
    }
    const key = this.keys.byId.get(id);
    if (!key) {
      throw new CodecError(
        'unknown-key',
        `payload is encrypted with key "${id}", which is not in PAYLOAD_CODEC_KEYS`,
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length > this.maxBytes + NONCE_BYTES + TAG_BYTES) {
      throw new CodecError(
        'too-large',
        `encrypted payload of ${data.length} bytes is larger than the codec's limit`,
      );
    }
    if (data.length < NONCE_BYTES + TAG_BYTES) {
      throw new CodecError('malformed', `encrypted payload is truncated (${data.length} bytes)`);
    }
    const nonce = data.subarray(0, NONCE_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const body = data.subarray(NONCE_BYTES, data.length - TAG_BYTES);
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, nonce, {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(additionalData(id));
      decipher.setAuthTag(tag);
      plain = Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      // GCM's tag check: a wrong key, a tampered byte, a relabelled key id or a cut-off tail.
      throw new CodecError(
        'authentication-failed',
        `encrypted payload (key "${id}") failed authentication: wrong key, or tampered or truncated data`,
      );
    }
    try {
      const inner = temporal.api.common.v1.Payload.decode(plain);
      return { metadata: inner.metadata ?? {}, data: inner.data ?? new Uint8Array() };
    } catch {
      throw new CodecError('malformed', 'decrypted payload is not a Temporal payload');
    }
  }
}

function additionalData(keyId: string): Uint8Array {
  return text.encode(`code-factory/v1:${keyId}`);
}
