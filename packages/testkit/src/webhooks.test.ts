import { verify } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { samplePayloads, signWebhook, type WebhookPayload, webhookRequest } from './webhooks';

// biome-ignore lint/suspicious/noExplicitAny: tests walk arbitrary payload JSON
type Loose = any;

function expectCommonShape(p: WebhookPayload, o = { owner: 'acme', repo: 'widgets', inst: 1 }) {
  const payload = p as Loose;
  expect(payload.installation.id).toBe(o.inst);
  expect(payload.repository).toMatchObject({
    name: o.repo,
    full_name: `${o.owner}/${o.repo}`,
    owner: { login: o.owner },
    default_branch: 'main',
    html_url: `https://github.com/${o.owner}/${o.repo}`,
  });
  expect(payload.sender.login).toEqual(expect.any(String));
  expect(payload.sender.id).toEqual(expect.any(Number));
  // Nothing of GitHub's example repository is left behind.
  expect(JSON.stringify(p)).not.toMatch(/Hello-World|octo-repo/);
}

describe('webhook signing', () => {
  it('signs like GitHub (sha256=<hex>) so @octokit/webhooks verifies it', async () => {
    const sig = await signWebhook('s3cret', '{"a":1}');
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(await verify('s3cret', '{"a":1}', sig)).toBe(true);
  });

  it('builds a signed request with GitHub headers', async () => {
    const payload = samplePayloads.issueAssigned();
    const req = await webhookRequest({ secret: 's', event: 'issues', payload, deliveryId: 'd-1' });
    expect(req.headers).toMatchObject({
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-delivery': 'd-1',
    });
    expect(JSON.parse(req.body)).toEqual(payload);
    expect(await verify('s', req.body, req.headers['x-hub-signature-256'] ?? '')).toBe(true);
    const other = await webhookRequest({ secret: 's', event: 'issues', payload });
    expect(other.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('sample payloads', () => {
  it('issues.assigned', () => {
    const p: Loose = samplePayloads.issueAssigned({
      owner: 'xmtp',
      repo: 'libxmtp',
      issueNumber: 9,
      title: 'Fix it',
      assignee: 'xmtp-coder-agent',
      sender: 'lead',
      senderId: 55,
      installationId: 99,
    });
    expectCommonShape(p, { owner: 'xmtp', repo: 'libxmtp', inst: 99 });
    expect(p.action).toBe('assigned');
    expect(p.assignee.login).toBe('xmtp-coder-agent');
    expect(p.sender).toMatchObject({ login: 'lead', id: 55, type: 'User' });
    expect(p.issue).toMatchObject({
      number: 9,
      title: 'Fix it',
      state: 'open',
      html_url: 'https://github.com/xmtp/libxmtp/issues/9',
    });
    expect(p.issue.pull_request).toBeUndefined();
  });

  it('issues.closed', () => {
    const p: Loose = samplePayloads.issueClosed({ issueNumber: 3 });
    expectCommonShape(p);
    expect(p.action).toBe('closed');
    expect(p.issue).toMatchObject({ number: 3, state: 'closed', state_reason: 'completed' });
    expect('assignee' in p).toBe(false);
  });

  it('issue_comment on an issue and on a pull request', () => {
    const p: Loose = samplePayloads.issueComment({
      issueNumber: 42,
      body: 'please retry',
      authorLogin: 'dev',
      authorId: 7,
      authorAssociation: 'COLLABORATOR',
    });
    expectCommonShape(p);
    expect(p.action).toBe('created');
    expect(p.comment).toMatchObject({
      body: 'please retry',
      user: { login: 'dev', id: 7 },
      author_association: 'COLLABORATOR',
    });
    expect(p.sender.login).toBe('dev');
    expect(p.issue.pull_request).toBeUndefined();

    const onPr: Loose = samplePayloads.issueComment({
      issueNumber: 7,
      onPullRequest: true,
      action: 'edited',
    });
    expect(onPr.action).toBe('edited');
    expect(onPr.issue.pull_request.url).toBe('https://api.github.com/repos/acme/widgets/pulls/7');
    expect(onPr.comment.html_url).toMatch(/\/pull\/7#issuecomment-\d+$/);
    expect(onPr.changes.body.from).toEqual(expect.any(String));
  });

  it('pull_request_review_comment', () => {
    const p: Loose = samplePayloads.reviewComment({
      prNumber: 7,
      path: 'src/a.ts',
      line: 30,
      body: 'nit',
      authorLogin: 'dev',
    });
    expectCommonShape(p);
    expect(p.pull_request).toMatchObject({ number: 7, user: { login: 'xmtp-coder-agent' } });
    expect(p.comment).toMatchObject({
      path: 'src/a.ts',
      line: 30,
      body: 'nit',
      user: { login: 'dev' },
    });
  });

  it('pull_request_review.submitted', () => {
    const p: Loose = samplePayloads.review({ prNumber: 7, body: 'LGTM', state: 'approved' });
    expectCommonShape(p);
    expect(p.action).toBe('submitted');
    expect(p.review).toMatchObject({ body: 'LGTM', state: 'approved' });
    expect(samplePayloads.review({ body: null }).review).toMatchObject({
      body: null,
    });
  });

  it('workflow_run.completed', () => {
    const p: Loose = samplePayloads.workflowRunCompleted({
      runId: 123,
      headSha: 'f'.repeat(40),
      pullRequests: [{ number: 7, headSha: 'f'.repeat(40) }],
    });
    expectCommonShape(p);
    expect(p.workflow_run).toMatchObject({
      id: 123,
      conclusion: 'failure',
      status: 'completed',
      head_sha: 'f'.repeat(40),
      path: '.github/workflows/ci.yml',
      html_url: 'https://github.com/acme/widgets/actions/runs/123',
    });
    expect(p.workflow_run.pull_requests[0]).toMatchObject({
      number: 7,
      head: { sha: 'f'.repeat(40) },
    });
    expect(samplePayloads.workflowRunCompleted().workflow_run).toMatchObject({ pull_requests: [] });
  });

  it('push', () => {
    const p: Loose = samplePayloads.push({ after: 'e'.repeat(40) });
    expectCommonShape(p);
    expect(p).toMatchObject({ ref: 'refs/heads/main', after: 'e'.repeat(40), deleted: false });
    expect(p.head_commit.id).toBe('e'.repeat(40));
    expect(samplePayloads.push({ ref: 'refs/heads/feature' }).ref).toBe('refs/heads/feature');
  });

  it('pull_request.dequeued, with its reason', () => {
    const p = samplePayloads.pullRequestDequeued({ prNumber: 9, reason: 'CI_FAILURE' }) as Loose;
    expectCommonShape(p);
    expect(p).toMatchObject({ action: 'dequeued', number: 9, reason: 'CI_FAILURE' });
    expect(p.pull_request).toMatchObject({ number: 9, user: { login: 'xmtp-coder-agent' } });
    expect(samplePayloads.pullRequestDequeued().reason).toBe('MANUAL');
  });

  it('merge_group.checks_requested and destroyed', () => {
    const requested = samplePayloads.mergeGroup({ prNumber: 9, baseSha: 'b'.repeat(40) }) as Loose;
    expectCommonShape(requested);
    expect(requested.action).toBe('checks_requested');
    expect(requested).not.toHaveProperty('reason');
    expect(requested.merge_group).toMatchObject({
      head_ref: `refs/heads/gh-readonly-queue/main/pr-9-${'b'.repeat(40)}`,
      base_ref: 'refs/heads/main',
      base_sha: 'b'.repeat(40),
    });
    expect(requested.merge_group.head_commit.id).toBe(requested.merge_group.head_sha);
    const destroyed = samplePayloads.mergeGroup({
      action: 'destroyed',
      reason: 'dequeued',
    }) as Loose;
    expect(destroyed).toMatchObject({ action: 'destroyed', reason: 'dequeued' });
  });
});

describe('sample payloads: triggers beyond assignment', () => {
  it('issues.opened, unassigned, by its author', () => {
    const p = samplePayloads.issueOpened({
      issueNumber: 5,
      body: '@xmtp-coder-agent fix it',
      sender: 'dev',
      authorAssociation: 'CONTRIBUTOR',
    }) as Loose;
    expectCommonShape(p);
    expect(p.action).toBe('opened');
    expect(p.issue).toMatchObject({
      number: 5,
      body: '@xmtp-coder-agent fix it',
      user: { login: 'dev' },
      author_association: 'CONTRIBUTOR',
      assignee: null,
      assignees: [],
      state: 'open',
    });
    expect(p.sender.login).toBe('dev');
  });

  it('issues.edited carries the body before the edit, or a title change only', () => {
    const p = samplePayloads.issueEdited({ body: 'new', previousBody: 'old' }) as Loose;
    expectCommonShape(p);
    expect(p).toMatchObject({ action: 'edited', issue: { body: 'new' } });
    expect(p.changes).toEqual({ body: { from: 'old' } });
    const title = samplePayloads.issueEdited({ changed: 'title', title: 'T' }) as Loose;
    expect(title.changes).toEqual({ title: { from: 'T (old)' } });
  });

  it('issues.labeled and unlabeled name the label', () => {
    const p = samplePayloads.issueLabeled({ label: 'ai-please', sender: 'lead' }) as Loose;
    expectCommonShape(p);
    expect(p).toMatchObject({ action: 'labeled', label: { name: 'ai-please' } });
    expect(p.issue.labels).toEqual([expect.objectContaining({ name: 'ai-please' })]);
    const off = samplePayloads.issueLabeled({ action: 'unlabeled', state: 'closed' }) as Loose;
    expect(off).toMatchObject({
      action: 'unlabeled',
      label: { name: 'code-factory' },
      issue: { state: 'closed', labels: [] },
    });
  });
});
