import { isExternalError } from '@code-factory/errors';
import { testAppKey } from '@code-factory/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubApp } from './app';
import { type FakeGitHub, startFakeGitHubApi } from './test-server';

const key = testAppKey();
let fake: FakeGitHub;

beforeEach(async () => {
  fake = await startFakeGitHubApi({ publicKey: key.publicKey });
  fake.state.pulls.push({
    number: 7,
    html_url: 'https://github.com/o/r/pull/7',
    state: 'open',
    user: { login: 'agent' },
    head: { sha: 'abc', ref: 'fix' },
    merged_at: null,
  });
  fake.state.linkedIssues.set(7, [3]);
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
    fake.failNext('GET', '/app', { status: 502, body: { message: 'Bad gateway' } });
    await expect(app.appSlug()).rejects.toMatchObject({ kind: 'retryable', status: 502 });
    await app.appSlug();
    await app.appSlug();
    expect(fake.requests.filter((r) => r.path === '/app')).toHaveLength(2);
  });

  it('exchanges an installation token once and reuses it', async () => {
    const app = new GitHubApp({ appId: 1, privateKey: key.pkcs8, baseUrl: fake.url });
    await app.installation(42).pullRequest({ owner: 'o', repo: 'r', number: 7 });
    await app.installation(42).pullRequest({ owner: 'o', repo: 'r', number: 7 });
    const exchanges = fake.requests.filter(
      (r) => r.method === 'POST' && r.path.startsWith('/app/'),
    );
    expect(exchanges.map((r) => r.path)).toEqual(['/app/installations/42/access_tokens']);
    const pullCalls = fake.requests.filter((r) => r.path === '/repos/o/r/pulls/7');
    expect(pullCalls.map((r) => r.headers.authorization)).toEqual([
      'token ghs_42_1',
      'token ghs_42_1',
    ]);
  });

  it('keeps a token per installation', async () => {
    const app = new GitHubApp({ appId: 1, privateKey: key.pkcs1, baseUrl: fake.url });
    await app.installation(1).pullRequest({ owner: 'o', repo: 'r', number: 7 });
    await app.installation(2).pullRequest({ owner: 'o', repo: 'r', number: 7 });
    expect(fake.state.tokensIssued).toBe(2);
  });

  it('sends REST, token exchange and GraphQL to GitHub Enterprise Server paths', async () => {
    const app = new GitHubApp({ appId: 1, privateKey: key.pkcs1, baseUrl: `${fake.url}/api/v3/` });
    const gh = app.installation(5);
    await expect(app.appSlug()).resolves.toMatchObject({ slug: 'code-factory' });
    await expect(gh.pullRequest({ owner: 'o', repo: 'r', number: 7 })).resolves.toMatchObject({
      number: 7,
    });
    await expect(gh.linkedIssues({ owner: 'o', repo: 'r', pullNumber: 7 })).resolves.toEqual([3]);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
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
    fake.failNext('POST', '/app/installations/9/access_tokens', {
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
