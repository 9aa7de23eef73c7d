/** A throwaway GitHub App key for tests and fakes, in both PEM encodings App keys come in. */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';

export interface TestAppKey {
  pkcs1: string;
  pkcs8: string;
  publicKey: string;
}

let shared: TestAppKey | undefined;

/** A fresh key pair (RSA 2048, as GitHub issues them). */
export function newAppKey(): TestAppKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const pkcs8 = createPrivateKey(privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { pkcs1: privateKey, pkcs8, publicKey };
}

/** One key per process: generating RSA keys is slow, and no test needs two Apps' keys. */
export function testAppKey(): TestAppKey {
  shared ??= newAppKey();
  return shared;
}
