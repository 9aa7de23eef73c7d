import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { githubApi } from '../test/api';
import { type FakeGitHub, githubFaults, startFakeGitHub } from './fake-github';

describe('fake GitHub', () => {
  let gh: FakeGitHub;
  beforeEach(async () => {
    gh = await startFakeGitHub({ appSlug: 'cf-test' });
  });
  afterEach(async () => {
    await gh.close();
  });

  const api = (method: string, path: string, body?: unknown, headers = {}) =>
    githubApi(gh)(method, path, body, headers);

  it('requires an Authorization header and answers unknown routes like GitHub', async () => {
    const anon = await fetch(`${gh.url}/app`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({ message: 'Requires authentication' });
    const missing = await api('GET', '/repos/acme/widgets/branches');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({
      message: 'Not Found',
      documentation_url: expect.any(String),
    });
  });

  it('serves the App and installation tokens', async () => {
    const app = await api('GET', '/app', undefined, { authorization: 'Bearer jwt.1' });
    expect(app.json).toMatchObject({ slug: 'cf-test', id: 1, owner: { login: 'acme' } });
    const tok = await api('POST', '/app/installations/77/access_tokens', undefined, {
      authorization: 'Bearer header.payload.sig',
    });
    expect(tok.status).toBe(201);
    expect(tok.json.token).toMatch(/^ghs_fake/);
    expect(Date.parse(tok.json.expires_at)).toBeGreaterThan(Date.now());
    expect(gh.installationTokens()).toEqual([
      { installationId: 77, jwt: 'header.payload.sig', token: tok.json.token },
    ]);
  });

  it('reports collaborator permissions, "none" for strangers', async () => {
    gh.setPermission('acme', 'widgets', 'octo-lead', 'write', 1001);
    gh.setPermission('acme', 'widgets', 'maint', 'maintain');
    const lead = await api('GET', '/repos/acme/widgets/collaborators/octo-lead/permission');
    expect(lead.json).toEqual({
      permission: 'write',
      role_name: 'write',
      user: expect.objectContaining({ login: 'octo-lead', id: 1001 }),
    });
    const maint = await api('GET', '/repos/acme/widgets/collaborators/maint/permission');
    expect(maint.json).toMatchObject({ permission: 'write', role_name: 'maintain' });
    const stranger = await api('GET', '/repos/acme/widgets/collaborators/rando/permission');
    expect(stranger.status).toBe(200);
    expect(stranger.json.permission).toBe('none');
  });

  it('creates, lists (paginated), reads and edits issue comments as the App bot', async () => {
    gh.addComment('acme', 'widgets', 42, { body: 'human first', login: 'octo-lead' });
    const created = await api('POST', '/repos/acme/widgets/issues/42/comments', { body: 'hi' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      body: 'hi',
      user: { login: 'cf-test[bot]', type: 'Bot' },
      html_url: expect.stringMatching(
        /^https:\/\/github\.com\/acme\/widgets\/issues\/42#issuecomment-\d+$/,
      ),
    });
    expect(created.json.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (let i = 0; i < 3; i++) {
      await api('POST', '/repos/acme/widgets/issues/42/comments', { body: `more ${i}` });
    }

    const page1 = await api('GET', '/repos/acme/widgets/issues/42/comments?per_page=2');
    expect(page1.json.map((c: { body: string }) => c.body)).toEqual(['human first', 'hi']);
    expect(page1.headers.get('link')).toContain('rel="next"');
    const beyondLast = await api('GET', '/repos/acme/widgets/issues/42/comments?per_page=2&page=4');
    expect(beyondLast.json).toEqual([]);

    const id = created.json.id;
    const patched = await api('PATCH', `/repos/acme/widgets/issues/comments/${id}`, {
      body: 'edited',
    });
    expect(patched.status).toBe(200);
    expect(patched.json.body).toBe('edited');
    expect(
      (await api('PATCH', '/repos/acme/widgets/issues/comments/1', { body: 'x' })).status,
    ).toBe(404);
    expect(gh.comments('acme', 'widgets', 42).map((c) => c.body)).toEqual([
      'human first',
      'edited',
      'more 0',
      'more 1',
      'more 2',
    ]);
    expect(gh.comments('acme', 'widgets', 43)).toEqual([]);
  });

  it('records reactions on issue and review comments', async () => {
    const first = await api('POST', '/repos/acme/widgets/issues/comments/11/reactions', {
      content: 'eyes',
    });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ content: 'eyes', user: { login: 'cf-test[bot]' } });
    const again = await api('POST', '/repos/acme/widgets/issues/comments/11/reactions', {
      content: 'eyes',
    });
    expect(again.status).toBe(200);
    await api('POST', '/repos/acme/widgets/pulls/comments/12/reactions', { content: 'eyes' });
    const bad = await api('POST', '/repos/acme/widgets/pulls/comments/12/reactions', {
      content: 'shrug',
    });
    expect(bad.status).toBe(422);
    expect(gh.reactions().map((r) => [r.subject, r.commentId, r.content])).toEqual([
      ['issue_comment', 11, 'eyes'],
      ['pull_request_review_comment', 12, 'eyes'],
    ]);
  });

  it('serves pull requests and their closing issues over GraphQL', async () => {
    gh.addPullRequest({
      owner: 'acme',
      repo: 'widgets',
      number: 7,
      author: 'xmtp-coder-agent',
      headSha: 'abc123',
      headRef: 'fix-42',
    });
    gh.addPullRequest({
      owner: 'acme',
      repo: 'widgets',
      number: 8,
      author: 'someone',
      headSha: 'def456',
      headRef: 'other',
      state: 'closed',
    });
    gh.linkIssue('acme', 'widgets', 7, 42);

    const pr = await api('GET', '/repos/acme/widgets/pulls/7');
    expect(pr.json).toMatchObject({
      number: 7,
      html_url: 'https://github.com/acme/widgets/pull/7',
      state: 'open',
      user: { login: 'xmtp-coder-agent' },
      head: { sha: 'abc123', ref: 'fix-42', label: 'xmtp-coder-agent:fix-42' },
      base: { ref: 'main' },
    });
    expect((await api('GET', '/repos/acme/widgets/pulls/9')).status).toBe(404);
    const open = await api('GET', '/repos/acme/widgets/pulls?state=open');
    expect(open.json.map((p: { number: number }) => p.number)).toEqual([7]);
    const all = await api('GET', '/repos/acme/widgets/pulls?state=all');
    expect(all.json).toHaveLength(2);
    const byHead = await api('GET', '/repos/acme/widgets/pulls?head=xmtp-coder-agent:fix-42');
    expect(byHead.json).toHaveLength(1);

    const query = `query($owner: String!, $repo: String!, $number: Int!) {
      repository(owner: $owner, name: $repo) { pullRequest(number: $number) {
        closingIssuesReferences(first: 10) { nodes { number } } } } }`;
    const gql = await api('POST', '/graphql', {
      query,
      variables: { owner: 'acme', repo: 'widgets', number: 7 },
    });
    expect(gql.json.data.repository.pullRequest.closingIssuesReferences.nodes).toEqual([
      expect.objectContaining({ number: 42 }),
    ]);
    const unlinked = await api('POST', '/graphql', {
      query,
      variables: { owner: 'acme', repo: 'widgets', number: 8 },
    });
    expect(unlinked.json.data.repository.pullRequest.closingIssuesReferences.nodes).toEqual([]);
    const missing = await api('POST', '/graphql', {
      query,
      variables: { owner: 'acme', repo: 'widgets', number: 99 },
    });
    expect(missing.json.data.repository.pullRequest).toBeNull();
    expect(missing.json.errors[0].type).toBe('NOT_FOUND');
  });

  it('lists workflow jobs and redirects job logs to a download URL', async () => {
    gh.addWorkflowRun({
      owner: 'acme',
      repo: 'widgets',
      runId: 500,
      jobs: [
        { id: 1, name: 'lint', conclusion: 'success', log: 'ok' },
        { id: 2, name: 'test', conclusion: 'failure', log: 'line 1\nFAIL x\n' },
      ],
    });
    const jobs = await api('GET', '/repos/acme/widgets/actions/runs/500/jobs?filter=latest');
    expect(jobs.json.total_count).toBe(2);
    expect(jobs.json.jobs[1]).toMatchObject({
      id: 2,
      name: 'test',
      conclusion: 'failure',
      status: 'completed',
      html_url: 'https://github.com/acme/widgets/actions/runs/500/job/2',
    });

    const redirect = await fetch(`${gh.url}/repos/acme/widgets/actions/jobs/2/logs`, {
      headers: { authorization: 'token x' },
      redirect: 'manual',
    });
    expect(redirect.status).toBe(302);
    // Storage is another origin, as on GitHub: fetch drops our token on the way there.
    const location = new URL(redirect.headers.get('location') ?? '');
    expect(location.pathname).toBe('/_logs/2');
    expect(location.origin).not.toBe(new URL(gh.url).origin);
    const followed = await fetch(`${gh.url}/repos/acme/widgets/actions/jobs/2/logs`, {
      headers: { authorization: 'token x' },
    });
    expect(followed.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await followed.text()).toBe('line 1\nFAIL x\n');
    const [download] = gh.callsTo('GET', /^\/_logs\/2$/);
    expect(download?.headers.authorization).toBeUndefined();
    expect((await api('GET', '/repos/acme/widgets/actions/jobs/3/logs')).status).toBe(404);
  });

  it('serves file contents at a ref, base64 like GitHub, or raw', async () => {
    const text = '[sandbox]\nsize = "large"\n';
    gh.setFile('acme', 'widgets', 'sha1', '.code-factory/config.toml', text);
    const file = await api(
      'GET',
      '/repos/acme/widgets/contents/.code-factory/config.toml?ref=sha1',
    );
    expect(file.json).toMatchObject({
      type: 'file',
      encoding: 'base64',
      path: '.code-factory/config.toml',
      name: 'config.toml',
    });
    expect(Buffer.from(file.json.content, 'base64').toString()).toBe(text);
    gh.setFile('acme', 'widgets', 'sha1', 'hello.txt', 'hello\n');
    const hello = await api('GET', '/repos/acme/widgets/contents/hello.txt?ref=sha1');
    expect(hello.json.sha).toBe('ce013625030ba8dba906f756967f9e9ca394464a'); // git hash-object
    const raw = await api(
      'GET',
      '/repos/acme/widgets/contents/.code-factory/config.toml?ref=sha1',
      undefined,
      {
        accept: 'application/vnd.github.raw',
      },
    );
    expect(raw.json).toBe(text);
    expect(
      (await api('GET', '/repos/acme/widgets/contents/.code-factory/config.toml?ref=other')).status,
    ).toBe(404);
  });

  it('throttles like GitHub when asked to', async () => {
    gh.fail(githubFaults.secondaryRateLimit({ path: /\/comments$/, retryAfterSec: 2 }));
    const limited = await api('POST', '/repos/acme/widgets/issues/1/comments', { body: 'x' });
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.json.message).toContain('You have exceeded a secondary rate limit');
    expect((await api('POST', '/repos/acme/widgets/issues/1/comments', { body: 'x' })).status).toBe(
      201,
    );
    expect(gh.callsTo('POST', /\/issues\/1\/comments$/)).toHaveLength(2);
    expect(gh.comments('acme', 'widgets', 1)).toHaveLength(1);
  });

  it('serves GitHub Enterprise Server paths too (/api/v3, /api/graphql)', async () => {
    gh.addPullRequest({
      owner: 'o',
      repo: 'r',
      number: 7,
      author: 'a',
      headSha: 's',
      headRef: 'b',
    });
    gh.linkIssue('o', 'r', 7, 3);
    expect((await api('GET', '/api/v3/repos/o/r/pulls/7')).json).toMatchObject({ number: 7 });
    const graphql = await api('POST', '/api/graphql', {
      query:
        'query { repository { pullRequest { closingIssuesReferences(first: 10) { nodes { number } } } } }',
      variables: { owner: 'o', repo: 'r', number: 7 },
    });
    expect(graphql.json.data.repository.pullRequest.closingIssuesReferences.nodes).toEqual([
      expect.objectContaining({ number: 3 }),
    ]);
  });

  it('with the App key, refuses App JWTs that are not signed by it or have expired', async () => {
    const { generateKeyPairSync, sign } = await import('node:crypto');
    const pair = () =>
      generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
    const ours = pair();
    const theirs = pair();
    const jwt = (privateKey: string, exp: number) => {
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: '1', exp })}`;
      return `${unsigned}.${sign('sha256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
    };
    const keyed = await startFakeGitHub({ appPublicKey: ours.publicKey });
    try {
      const get = (token: string) =>
        fetch(`${keyed.url}/app`, { headers: { authorization: `Bearer ${token}` } });
      const soon = Math.floor(Date.now() / 1000) + 300;
      expect((await get(jwt(ours.privateKey, soon))).status).toBe(200);
      const forged = await get(jwt(theirs.privateKey, soon));
      expect(forged.status).toBe(401);
      expect(await forged.json()).toMatchObject({
        message: 'A JSON web token could not be decoded',
      });
      expect((await get(jwt(ours.privateKey, soon - 600))).status).toBe(401);
    } finally {
      await keyed.close();
    }
  });
});
