/**
 * Encryption of every payload the ingress, the worker and operators' CLIs send to Temporal
 * (`PAYLOAD_CODEC_KEYS`), and the codec server protocol the Web UI and CLI decode through.
 */
import type { DataConverter } from '@temporalio/common';

export type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';

import { AesGcmPayloadCodec } from './aes-gcm-codec';
import { parseCodecKeys } from './keys';

export {
  type AesGcmCodecOptions,
  AesGcmPayloadCodec,
  CIPHER,
  CodecError,
  type CodecErrorKind,
  DEFAULT_MAX_PAYLOAD_BYTES,
  ENCODING_ENCRYPTED,
  METADATA_CIPHER,
  METADATA_KEY_ID,
} from './aes-gcm-codec';
export {
  type CodecKey,
  CodecKeyError,
  type CodecKeyring,
  KEY_BYTES,
  parseCodecKeys,
} from './keys';
export { type PayloadJson, ProtocolError, payloadsFromJson, payloadsToJson } from './protocol';

/**
 * The data converter of every Temporal client and worker of the product. Without keys the
 * codec is still installed: it encrypts nothing, and an encrypted payload fails to decode
 * with a message naming `PAYLOAD_CODEC_KEYS` instead of an unknown-encoding error.
 */
export function codecDataConverter(keys: string | undefined): DataConverter {
  return {
    payloadCodecs: [new AesGcmPayloadCodec({ keys: keys ? parseCodecKeys(keys) : null })],
  };
}
