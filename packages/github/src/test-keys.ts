/** A throwaway App key for tests, in both PEM encodings GitHub App keys come in. */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';

export function testAppKey(): { pkcs1: string; pkcs8: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const pkcs8 = createPrivateKey(privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { pkcs1: privateKey, pkcs8, publicKey };
}
