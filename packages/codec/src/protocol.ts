/**
 * Temporal's codec server protocol (what the Web UI and `temporal --codec-endpoint` send):
 * `POST …/encode` and `POST …/decode` with a `Payloads` message in protobuf's JSON mapping,
 * `{"payloads":[{"metadata":{"encoding":"<base64>"},"data":"<base64>"}]}`, answered with the
 * same shape; a body the codec cannot handle is a 400. Reference: temporalio/samples-go
 * `codec-server/protocol.md`.
 */
import type { Payload } from '@temporalio/common';

export interface PayloadJson {
  metadata?: Record<string, string>;
  data?: string;
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

function bytes(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw new ProtocolError(`${where} must be a base64 string`);
  }
  return new Uint8Array(Buffer.from(value, 'base64'));
}

/** Reads a request body; throws a `ProtocolError` naming the first wrong field. */
export function payloadsFromJson(body: unknown): Payload[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ProtocolError('body must be a JSON object with a "payloads" array');
  }
  const list = (body as { payloads?: unknown }).payloads;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new ProtocolError('payloads must be an array');
  return list.map((item: unknown, index) => {
    const at = `payloads[${index}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new ProtocolError(`${at} must be an object`);
    }
    const { metadata, data } = item as { metadata?: unknown; data?: unknown };
    const meta: Record<string, Uint8Array> = {};
    if (metadata !== undefined && metadata !== null) {
      if (typeof metadata !== 'object' || Array.isArray(metadata)) {
        throw new ProtocolError(`${at}.metadata must be an object`);
      }
      for (const [key, value] of Object.entries(metadata)) {
        meta[key] = bytes(value, `${at}.metadata.${key}`);
      }
    }
    return {
      metadata: meta,
      data: data === undefined || data === null ? new Uint8Array() : bytes(data, `${at}.data`),
    };
  });
}

export function payloadsToJson(payloads: Payload[]): { payloads: PayloadJson[] } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [
          k,
          Buffer.from(v ?? new Uint8Array()).toString('base64'),
        ]),
      ),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}
