/**
 * What most tests of this package run against: the fake GitHub, which knows the App's key (so
 * App JWTs are verified), and a client of installation 77 of that App; started before each
 * test of the file and closed after it. `world.fake` may be replaced by a test.
 */
import { ExternalError } from '@code-factory/errors';
import { type FakeGitHub, startFakeGitHub, testAppKey } from '@code-factory/testkit';
import { afterEach, beforeEach } from 'vitest';
import { GitHubApp } from '../src/app';
import type { GitHubInstallation } from '../src/installation';

export const repo = { owner: 'acme', repo: 'widgets' };

export function fakeInstallation() {
  const key = testAppKey();
  const world = { key } as { key: typeof key; fake: FakeGitHub; gh: GitHubInstallation };
  beforeEach(async () => {
    world.fake = await startFakeGitHub({ appPublicKey: key.publicKey });
    const app = new GitHubApp({ appId: 1, privateKey: key.pkcs1, baseUrl: world.fake.url });
    world.gh = app.installation(77);
  });
  afterEach(() => world.fake.close());
  return world;
}

/** The ExternalError a call failed with (anything else fails the test). */
export async function failure(promise: Promise<unknown>): Promise<ExternalError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ExternalError)) throw new Error(`expected an ExternalError, got ${err}`);
  return err;
}
