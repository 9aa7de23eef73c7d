import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify, type RouterContext } from './router';

const AGENT = 'xmtp-coder-agent';
const BOT = 'code-factory[bot]';

const ctx: RouterContext = {
  agentLogin: AGENT,
  botLogin: BOT,
  trustedAssociations: ['OWNER', 'MEMBER', 'COLLABORATOR'],
  deliveryId: 'delivery-1',
  receivedAt: '2025-01-02T03:04:05.000Z',
  taskNamePrefix: 'gh',
};

const common = {
  deliveryId: 'delivery-1',
  receivedAt: '2025-01-02T03:04:05.000Z',
  repository: { owner: 'acme', name: 'widgets' },
  installationId: 1,
};

function without(payload: Record<string, unknown>, path: string): Record<string, unknown> {
  const copy = structuredClone(payload);
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = copy as Record<string, unknown>;
  for (const key of keys) node = node[key] as Record<string, unknown>;
  delete node[last];
  return copy;
}

describe('issues.assigned', () => {
  it('starts the task when the agent is assigned', () => {
    const payload = samplePayloads.issueAssigned({ issueNumber: 42, title: 'Fix the widget' });
    expect(classify('issues', payload, ctx)).toEqual({
      action: 'start-task',
      taskName: 'gh-widgets-42',
      summary: 'acme/widgets#42: Fix the widget',
      event: {
        ...common,
        kind: 'issue.assigned',
        issueNumber: 42,
        issue: { title: 'Fix the widget', url: 'https://github.com/acme/widgets/issues/42' },
        sender: { login: 'octo-lead', id: 1001 },
      },
    });
  });

  it('compares the agent login case-insensitively', () => {
    const payload = samplePayloads.issueAssigned({ assignee: 'XMTP-Coder-Agent' });
    expect(classify('issues', payload, ctx).action).toBe('start-task');
  });

  it('skips an assignment to someone else', () => {
    const payload = samplePayloads.issueAssigned({ assignee: 'someone' });
    expect(classify('issues', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'assignee is not the agent',
    });
  });

  it('names the missing field of a malformed payload', () => {
    const payload = without(samplePayloads.issueAssigned(), 'issue.number');
    expect(classify('issues', payload, ctx)).toMatchObject({
      action: 'invalid',
      field: 'issue.number',
    });
  });

  it('requires the installation id', () => {
    const payload = without(samplePayloads.issueAssigned(), 'installation');
    expect(classify('issues', payload, ctx)).toMatchObject({
      action: 'invalid',
      field: 'installation',
    });
    const noId = without(samplePayloads.issueAssigned(), 'installation.id');
    expect(classify('issues', noId, ctx)).toMatchObject({
      action: 'invalid',
      field: 'installation.id',
    });
  });

  it('skips other issue actions without validating them', () => {
    expect(classify('issues', { action: 'opened' }, ctx)).toEqual({
      action: 'skip',
      reason: 'unhandled action issues.opened',
    });
  });
});

describe('issues.closed', () => {
  it('signals the task', () => {
    const payload = samplePayloads.issueClosed({ issueNumber: 42 });
    expect(classify('issues', payload, ctx)).toEqual({
      action: 'signal-task',
      taskName: 'gh-widgets-42',
      event: {
        ...common,
        kind: 'issue.closed',
        issueNumber: 42,
        sender: { login: 'octo-lead', id: 1001 },
      },
    });
  });
});

describe('issue_comment on the issue', () => {
  it('signals the task with the comment', () => {
    const payload = samplePayloads.issueComment({
      issueNumber: 42,
      body: 'Use a map',
      commentId: 5,
    });
    const decision = classify('issue_comment', payload, ctx);
    expect(decision).toMatchObject({
      action: 'signal-task',
      taskName: 'gh-widgets-42',
      event: {
        ...common,
        kind: 'comment.posted',
        source: 'issue_comment',
        issueNumber: 42,
        commentId: 5,
        edited: false,
        author: { login: 'octo-lead', id: 1001 },
        body: 'Use a map',
        url: 'https://github.com/acme/widgets/issues/42#issuecomment-5',
      },
    });
    if (decision.action === 'signal-task') expect(decision.event).not.toHaveProperty('pullRequest');
  });

  it('marks edits', () => {
    const payload = samplePayloads.issueComment({ action: 'edited' });
    expect(classify('issue_comment', payload, ctx)).toMatchObject({ event: { edited: true } });
  });

  it('skips comments by the agent', () => {
    const payload = samplePayloads.issueComment({ authorLogin: AGENT });
    expect(classify('issue_comment', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'comment by the agent',
    });
  });

  it('skips comments by the App bot', () => {
    const payload = samplePayloads.issueComment({ authorLogin: BOT, authorAssociation: 'NONE' });
    const comment = payload.comment as { user: { type: string } };
    comment.user.type = 'Bot';
    expect(classify('issue_comment', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'comment by the App bot',
    });
  });

  it('skips every bot when the App bot login is not configured', () => {
    const payload = samplePayloads.issueComment({ authorLogin: BOT });
    (payload.comment as { user: { type: string } }).user.type = 'Bot';
    expect(classify('issue_comment', payload, { ...ctx, botLogin: undefined })).toMatchObject({
      action: 'skip',
    });
  });

  it('skips untrusted authors', () => {
    const payload = samplePayloads.issueComment({
      authorLogin: 'drive-by',
      authorAssociation: 'CONTRIBUTOR',
    });
    expect(classify('issue_comment', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'untrusted author (CONTRIBUTOR)',
    });
  });

  it('honours a configured trust list', () => {
    const payload = samplePayloads.issueComment({ authorAssociation: 'CONTRIBUTOR' });
    const trusting = { ...ctx, trustedAssociations: ['CONTRIBUTOR'] };
    expect(classify('issue_comment', payload, trusting).action).toBe('signal-task');
  });

  it('skips comments of deleted accounts', () => {
    const payload = samplePayloads.issueComment();
    (payload.comment as { user: unknown }).user = null;
    expect(classify('issue_comment', payload, ctx)).toMatchObject({ action: 'skip' });
  });

  it('names the field when the comment id is not a number', () => {
    const payload = samplePayloads.issueComment();
    (payload.comment as { id: unknown }).id = 'abc';
    expect(classify('issue_comment', payload, ctx)).toMatchObject({
      action: 'invalid',
      field: 'comment.id',
    });
  });

  it('skips deleted comments', () => {
    const payload = { ...samplePayloads.issueComment(), action: 'deleted' };
    expect(classify('issue_comment', payload, ctx)).toMatchObject({ action: 'skip' });
  });
});

describe('issue_comment on a pull request', () => {
  it('routes comments on the agent pull request to the repository workflow', () => {
    const payload = samplePayloads.issueComment({
      onPullRequest: true,
      issueNumber: 7,
      issueAuthor: AGENT,
      commentId: 9,
      body: 'rename it',
    });
    expect(classify('issue_comment', payload, ctx)).toEqual({
      action: 'route',
      event: {
        ...common,
        kind: 'route.comment',
        pullRequestNumber: 7,
        comment: {
          ...common,
          kind: 'comment.posted',
          source: 'pr_comment',
          commentId: 9,
          edited: false,
          author: { login: 'octo-lead', id: 1001 },
          body: 'rename it',
          url: 'https://github.com/acme/widgets/pull/7#issuecomment-9',
          createdAt: expect.any(String),
          pullRequest: { number: 7, url: 'https://github.com/acme/widgets/pull/7' },
        },
      },
    });
  });

  it('skips pull requests not opened by the agent', () => {
    const payload = samplePayloads.issueComment({ onPullRequest: true, issueAuthor: 'human' });
    expect(classify('issue_comment', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'pull request is not by the agent',
    });
  });

  it('applies the author guards', () => {
    const payload = samplePayloads.issueComment({
      onPullRequest: true,
      issueAuthor: AGENT,
      authorLogin: AGENT,
    });
    expect(classify('issue_comment', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'comment by the agent',
    });
  });
});

describe('pull_request_review_comment', () => {
  it('routes with file and line', () => {
    const payload = samplePayloads.reviewComment({
      prNumber: 7,
      path: 'src/a.ts',
      line: 3,
      commentId: 11,
    });
    expect(classify('pull_request_review_comment', payload, ctx)).toMatchObject({
      action: 'route',
      event: {
        kind: 'route.comment',
        pullRequestNumber: 7,
        comment: {
          source: 'review_comment',
          commentId: 11,
          file: { path: 'src/a.ts', line: 3 },
          pullRequest: { number: 7, url: 'https://github.com/acme/widgets/pull/7' },
        },
      },
    });
  });

  it('falls back to original_line, then null (outdated comments)', () => {
    const payload = samplePayloads.reviewComment({ line: 3 });
    const comment = payload.comment as { line: unknown; original_line: unknown };
    comment.line = null;
    expect(classify('pull_request_review_comment', payload, ctx)).toMatchObject({
      event: { comment: { file: { line: 3 } } },
    });
    comment.original_line = null;
    expect(classify('pull_request_review_comment', payload, ctx)).toMatchObject({
      event: { comment: { file: { line: null } } },
    });
  });

  it('skips pull requests not by the agent', () => {
    const payload = samplePayloads.reviewComment({ prAuthor: 'human' });
    expect(classify('pull_request_review_comment', payload, ctx)).toMatchObject({
      action: 'skip',
    });
  });

  it('skips untrusted authors', () => {
    const payload = samplePayloads.reviewComment({ authorAssociation: 'NONE' });
    expect(classify('pull_request_review_comment', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'untrusted author (NONE)',
    });
  });
});

describe('pull_request_review.submitted', () => {
  it('routes reviews with a body', () => {
    const payload = samplePayloads.review({ prNumber: 7, reviewId: 21, body: 'Needs tests' });
    const review = payload.review as { html_url: string; submitted_at: string };
    expect(classify('pull_request_review', payload, ctx)).toMatchObject({
      action: 'route',
      event: {
        kind: 'route.comment',
        pullRequestNumber: 7,
        comment: {
          source: 'review',
          commentId: 21,
          body: 'Needs tests',
          url: review.html_url,
          createdAt: review.submitted_at,
        },
      },
    });
  });

  it.each([null, '', '   \n'])('skips reviews without text (%j)', (body) => {
    const payload = samplePayloads.review();
    (payload.review as { body: unknown }).body = body;
    expect(classify('pull_request_review', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'review without body',
    });
  });

  it('skips reviews by the App bot', () => {
    const payload = samplePayloads.review({ authorLogin: BOT });
    expect(classify('pull_request_review', payload, ctx)).toMatchObject({ action: 'skip' });
  });

  it('skips pull requests not by the agent', () => {
    const payload = samplePayloads.review({ prAuthor: 'human' });
    expect(classify('pull_request_review', payload, ctx)).toMatchObject({ action: 'skip' });
  });
});

describe('workflow_run.completed', () => {
  it('routes failures', () => {
    const payload = samplePayloads.workflowRunCompleted({
      runId: 99,
      headSha: 'f'.repeat(40),
      headBranch: 'fix-42',
      pullRequests: [{ number: 7, headSha: 'f'.repeat(40) }],
    });
    expect(classify('workflow_run', payload, ctx)).toEqual({
      action: 'route',
      event: {
        ...common,
        kind: 'route.ci',
        pullRequestNumbers: [7],
        run: {
          id: 99,
          name: 'CI',
          path: '.github/workflows/ci.yml',
          url: 'https://github.com/acme/widgets/actions/runs/99',
          headSha: 'f'.repeat(40),
        },
        headBranch: 'fix-42',
      },
    });
  });

  it('routes fork runs without pull requests too', () => {
    const payload = samplePayloads.workflowRunCompleted();
    expect(classify('workflow_run', payload, ctx)).toMatchObject({
      action: 'route',
      event: { pullRequestNumbers: [] },
    });
  });

  it.each(['success', 'cancelled'] as const)('skips %s', (conclusion) => {
    const payload = samplePayloads.workflowRunCompleted({ conclusion });
    expect(classify('workflow_run', payload, ctx)).toMatchObject({ action: 'skip' });
  });

  it('skips runs that are not completed', () => {
    const payload = { ...samplePayloads.workflowRunCompleted(), action: 'requested' };
    expect(classify('workflow_run', payload, ctx)).toMatchObject({ action: 'skip' });
  });
});

describe('push', () => {
  it('routes pushes to the default branch', () => {
    const payload = samplePayloads.push({ after: 'e'.repeat(40) });
    expect(classify('push', payload, ctx)).toEqual({
      action: 'route',
      event: { ...common, kind: 'config.push', sha: 'e'.repeat(40), touchesConfig: true },
    });
  });

  it('says whether the pushed commits touch the config file', () => {
    const other = samplePayloads.push({ modified: ['README.md'] });
    expect(classify('push', other, ctx)).toMatchObject({
      event: { kind: 'config.push', touchesConfig: false },
    });
    // Twenty listed commits may be a truncated list: the router cannot tell.
    const many = samplePayloads.push({ modified: ['README.md'] });
    (many as { commits: unknown[] }).commits = Array.from({ length: 20 }, () => ({
      modified: ['README.md'],
    }));
    const decision = classify('push', many, ctx);
    expect(decision.action).toBe('route');
    expect((decision as { event: object }).event).not.toHaveProperty('touchesConfig');
  });

  it('skips other branches and tags', () => {
    for (const ref of ['refs/heads/feature', 'refs/tags/v1', 'refs/heads/main-old']) {
      expect(classify('push', samplePayloads.push({ ref }), ctx)).toEqual({
        action: 'skip',
        reason: 'push not to the default branch',
      });
    }
  });

  it('skips a push that deletes the branch', () => {
    const payload = samplePayloads.push({ after: '0'.repeat(40) });
    expect(classify('push', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'push deletes the branch',
    });
  });
});

describe('other deliveries', () => {
  it('skips ping', () => {
    expect(classify('ping', { zen: 'Keep it simple.' }, ctx)).toEqual({
      action: 'skip',
      reason: 'ping',
    });
  });

  it('skips unhandled events', () => {
    expect(classify('star', { action: 'created' }, ctx)).toEqual({
      action: 'skip',
      reason: 'unhandled event star',
    });
  });
});
