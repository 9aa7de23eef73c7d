/**
 * `PAYLOAD_CODEC_KEYS`: a comma-separated list of `keyId=base64key`. The first key encrypts,
 * every key decrypts, so a new key can be put first while old payloads stay readable.
 * Errors name the problem and the key id, never the key material.
 */

export interface CodecKey {
  id: string;
  /** 32 bytes (AES-256). */
  key: Buffer;
}

export interface CodecKeyring {
  /** Encrypts new payloads. */
  primary: CodecKey;
  /** Every key by id (the primary included): decrypts. */
  byId: ReadonlyMap<string, CodecKey>;
}

export const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+$/;

export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

/** Parses the variable's value; throws a `CodecKeyError` saying which entry is wrong and why. */
export function parseCodecKeys(value: string): CodecKeyring {
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new CodecKeyError('must list at least one keyId=base64key');
  const byId = new Map<string, CodecKey>();
  const keys: CodecKey[] = [];
  entries.forEach((entry, index) => {
    const at = `entry ${index + 1}`;
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new CodecKeyError(`${at}: must be keyId=base64key`);
    const id = entry.slice(0, eq).trim();
    const encoded = entry.slice(eq + 1).trim();
    if (!KEY_ID.test(id)) {
      throw new CodecKeyError(
        `${at}: key id must be 1-64 letters, digits, dots, dashes or underscores`,
      );
    }
    if (!BASE64.test(encoded)) throw new CodecKeyError(`key "${id}": not base64`);
    const key = Buffer.from(
      encoded,
      encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64',
    );
    if (key.length !== KEY_BYTES) {
      throw new CodecKeyError(
        `key "${id}": must decode to ${KEY_BYTES} bytes (AES-256), got ${key.length}`,
      );
    }
    if (byId.has(id)) throw new CodecKeyError(`key "${id}": listed twice`);
    const parsed = { id, key };
    byId.set(id, parsed);
    keys.push(parsed);
  });
  const primary = keys[0];
  if (!primary) throw new CodecKeyError('must list at least one keyId=base64key');
  return { primary, byId };
}
