import { isExternalError } from '@code-factory/errors';
import { type FakeGitHub, startFakeGitHub, testAppKey } from '@code-factory/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubApp } from './app';

const key = testAppKey();
let fake: FakeGitHub;

beforeEach(async () => {
  // With the App's public key the fake verifies every App JWT, as GitHub does.
  fake = await startFakeGitHub({ appPublicKey: key.publicKey });
  fake.addPullRequest({
    owner: 'o',
    repo: 'r',
    number: 7,
    author: 'agent',
    headSha: 'abc',
    headRef: 'fix',
  });
  fake.linkIssue('o', 'r', 7, 3);
});
afterEach(() => fake.close());

describe('GitHubApp', () => {
  it.each([
    ['PKCS#1', key.pkcs1],
    ['PKCS#8', key.pkcs8],
    ['PKCS#1 with escaped newlines', key.pkcs1.replace(/\n/g, '\\n')],
  ])('signs App JWTs with a %s key', async (_name, privateKey) => {
    const app = new GitHubApp({ appId: 1, privateKey, baseUrl: fake.url });
    await expect(app.appSlug()).resolves.toEqual({
      slug: 'code-factory',
      botLogin: 'code-factory[bot]',
    });
  });

  it('refuses a private key that is not a PEM key, without echoing it', () => {
    expect(() => new GitHubApp({ appId: 1, privateKey: 'secret-garbage' })).toThrow(
      /not a valid PEM private key/,
    );
    try {
      new GitHubApp({ appId: 1, privateKey: 'secret-garbage' });
    } catch (err) {
      expect(String(err)).not.toContain('secret-garbage');
    }
  });

  it('caches the app slug after the first success only', async () => {
    const app = new GitHubApp({ appId: 1, privateKey: key.pkcs1, baseUrl: fake.url });
    fake.fail({ method: 'GET', path: /^\/app$/, status: 502, body: { message: 'Bad gateway' } });
    await expect(app.appSlug()).rejects.toMatchObject({ kind: 'retryable', status: 502 });
    await app.appSlug();
    await app.appSlug();
    expect(fake.callsTo('GET', /^\/app$/)).toHaveLength(2);
  });

  it('exchanges an installation token once and reuses it', async () => {
    const app = new GitHubApp({ appId: 1, privateKey: key.pkcs8, baseUrl: fake.url });
    await app.installation(42).pullRequest({ owner: 'o', repo: 'r', number: 7 });
    await app.installation(42).pullRequest({ owner: 'o', repo: 'r', number: 7 });
    const exchanges = fake.callsTo('POST', /^\/app\//);
    expect(exchanges.map((r) => r.path)).toEqual(['/app/installations/42/access_tokens']);
    const [issued] = fake.installationTokens();
    expect(issued?.installationId).toBe(42);
    const pullCalls = fake.callsTo('GET', /^\/repos\/o\/r\/pulls\/7$/);
    expect(pullCalls.map((r) => r.headers.authorization)).toEqual([
      `token ${issued?.token}`,
      `token ${issued?.token}`,
    ]);
  });

  it('keeps a token per installation', async () => {
    const app = new GitHubApp({ appId: 1, privateKey: key.pkcs1, baseUrl: fake.url });
    await app.installation(1).pullRequest({ owner: 'o', repo: 'r', number: 7 });
    await app.installation(2).pullRequest({ owner: 'o', repo: 'r', number: 7 });
    expect(fake.installationTokens().map((t) => t.installationId)).toEqual([1, 2]);
  });

  it('sends REST, token exchange and GraphQL to GitHub Enterprise Server paths', async () => {
    const app = new GitHubApp({ appId: 1, privateKey: key.pkcs1, baseUrl: `${fake.url}/api/v3/` });
    const gh = app.installation(5);
    await expect(app.appSlug()).resolves.toMatchObject({ slug: 'code-factory' });
    await expect(gh.pullRequest({ owner: 'o', repo: 'r', number: 7 })).resolves.toMatchObject({
      number: 7,
    });
    await expect(gh.linkedIssues({ owner: 'o', repo: 'r', pullNumber: 7 })).resolves.toEqual([3]);
    expect(fake.calls().map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v3/app',
      'POST /api/v3/app/installations/5/access_tokens',
      'GET /api/v3/repos/o/r/pulls/7',
      'POST /api/graphql',
    ]);
  });

  it('uses the fetch it is given', async () => {
    const urls: string[] = [];
    const app = new GitHubApp({
      appId: 1,
      privateKey: key.pkcs1,
      baseUrl: fake.url,
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    await app.appSlug();
    expect(urls).toEqual([`${fake.url}/app`]);
  });

  it('reports a failed token exchange as an ExternalError of its kind', async () => {
    const app = new GitHubApp({ appId: 1, privateKey: key.pkcs1, baseUrl: fake.url });
    fake.fail({
      method: 'POST',
      path: /^\/app\/installations\/9\/access_tokens$/,
      status: 404,
      body: { message: 'Not Found' },
    });
    const err = await app
      .installation(9)
      .pullRequest({ owner: 'o', repo: 'r', number: 7 })
      .catch((e: unknown) => e);
    expect(isExternalError(err, 'not_found')).toBe(true);
  });

  it('times out a request that never answers, as retryable', async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const app = new GitHubApp({
      appId: 1,
      privateKey: key.pkcs1,
      baseUrl: fake.url,
      timeoutMs: 100,
      fetch: hanging,
    });
    await expect(app.appSlug()).rejects.toMatchObject({ kind: 'retryable', service: 'github' });
  });
});
