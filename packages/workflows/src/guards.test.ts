import { RepoEventSchema, TaskEventSchema } from '@code-factory/events';
import { describe, expect, it } from 'vitest';
import { checkRepoEvent, checkSendMessage, checkTaskEvent } from './guards';

const base = {
  deliveryId: 'd-1',
  receivedAt: '2026-11-24T09:00:00.000Z',
  repository: { owner: 'acme', name: 'widgets' },
  installationId: 7,
};
const comment = {
  kind: 'comment.posted',
  source: 'review_comment',
  commentId: 11,
  edited: false,
  author: { login: 'octo', id: 3 },
  body: 'rename this',
  url: 'https://github.com/acme/widgets/pull/2#discussion_r11',
  createdAt: '2026-11-24T09:00:00Z',
  pullRequest: { number: 2, url: 'https://github.com/acme/widgets/pull/2' },
  file: { path: 'src/a.ts', line: null },
};
const run = {
  id: 5,
  name: 'CI',
  path: '.github/workflows/ci.yml',
  url: 'https://github.com/acme/widgets/actions/runs/5',
  headSha: 'c0ffee0',
};

const assigned = {
  ...base,
  issueNumber: 1,
  kind: 'issue.assigned',
  issue: { title: 'T', url: 'https://github.com/acme/widgets/issues/1' },
  sender: { login: 'lead', id: 1 },
};

/** A comment on the issue itself: no pull request, no file. */
const commentPlain = {
  ...base,
  issueNumber: 1,
  ...comment,
  source: 'issue_comment',
  pullRequest: undefined,
  file: undefined,
};

const taskEvents: Record<string, unknown> = {
  assigned,
  assignedByConfig: { ...assigned, sender: { login: 'app[bot]', id: 9 }, origin: 'repo-config' },
  assignedByMention: {
    ...assigned,
    trigger: 'mention',
    mention: {
      line: '@agent fix it',
      url: 'https://github.com/acme/widgets/issues/1',
      association: 'MEMBER',
      edited: true,
    },
  },
  assignedByLabel: { ...assigned, trigger: 'label', label: 'code-factory' },
  commentMention: {
    ...commentPlain,
    authorAssociation: 'OWNER',
    mention: {
      line: '@agent take this',
      issue: { title: 'T', url: 'https://github.com/acme/widgets/issues/1' },
    },
  },
  commentUntrusted: { ...commentPlain, authorAssociation: 'NONE', untrusted: true },
  closed: { ...base, issueNumber: 1, kind: 'issue.closed', sender: { login: 'lead', id: 1 } },
  comment: { ...base, issueNumber: 1, ...comment },
  commentPlain,
  ci: {
    ...base,
    issueNumber: 1,
    kind: 'ci.failed',
    pullRequest: { number: 2, url: 'https://github.com/acme/widgets/pull/2' },
    run,
  },
  mergeCiFailed: {
    ...base,
    issueNumber: 1,
    kind: 'merge.ci-failed',
    sha: 'c0ffee0',
    pullRequest: { number: 2, url: 'https://github.com/acme/widgets/pull/2' },
    run,
  },
  mergeReverted: {
    ...base,
    issueNumber: 1,
    kind: 'merge.reverted',
    sha: 'c0ffee0',
    pullRequest: { number: 2, url: 'https://github.com/acme/widgets/pull/2' },
    revert: { by: 'commit', url: 'https://github.com/acme/widgets/commit/abcdef0' },
  },
};
const { issueNumber: _n, ...pending } = taskEvents.comment as Record<string, unknown>;
const repoEvents: Record<string, unknown> = {
  routeComment: { ...base, kind: 'route.comment', pullRequestNumber: 2, comment: pending },
  routeUntrusted: {
    ...base,
    kind: 'route.comment',
    pullRequestNumber: 2,
    comment: { ...pending, authorAssociation: 'NONE', untrusted: true },
  },
  routeCi: { ...base, kind: 'route.ci', pullRequestNumbers: [2, 3], run, headBranch: 'main' },
  routeCiRerun: {
    ...base,
    kind: 'route.ci',
    pullRequestNumbers: [],
    run,
    headBranch: 'fix-2',
    attempt: 2,
    conclusion: 'success',
  },
  push: { ...base, kind: 'config.push', sha: 'abcdef0' },
  pushTouching: { ...base, kind: 'config.push', sha: 'abcdef0', touchesConfig: true },
  pushRouted: {
    ...base,
    kind: 'config.push',
    sha: 'abcdef0',
    branch: 'main',
    files: ['src/a.ts'],
  },
  branchPush: { ...base, kind: 'route.push', sha: 'abcdef0', branch: 'fix-2', files: ['a.ts'] },
  branchPushUnlisted: { ...base, kind: 'route.push', sha: 'abcdef0', branch: 'release/1.0' },
  dequeued: {
    ...base,
    kind: 'route.dequeued',
    pullRequest: { number: 2, url: 'https://github.com/acme/widgets/pull/2' },
    reason: 'CI_FAILURE',
  },
  mergeGroup: {
    ...base,
    kind: 'route.merge-group',
    pullRequestNumber: 2,
    headSha: 'abcdef0',
  },
  pushReverting: {
    ...base,
    kind: 'config.push',
    sha: 'abcdef0',
    branch: 'main',
    reverts: [{ sha: 'c0ffee0', url: 'https://github.com/acme/widgets/commit/abcdef0' }],
  },
  merged: {
    ...base,
    kind: 'route.merged',
    pullRequest: { number: 2, url: 'https://github.com/acme/widgets/pull/2' },
    mergeCommitSha: 'c0ffee0',
    baseBranch: 'main',
  },
  reverted: {
    ...base,
    kind: 'route.reverted',
    pullRequest: { number: 3, url: 'https://github.com/acme/widgets/pull/3' },
    reverts: 2,
  },
};

/** Every way to break one event: each field removed, and each leaf given a wrong value. */
function variants(event: unknown): unknown[] {
  const out: unknown[] = [null, 'x', [], { ...(event as object), kind: 'nope' }];
  const walk = (value: unknown, rebuild: (v: unknown) => unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) {
        const { [key]: _drop, ...rest } = value as Record<string, unknown>;
        out.push(rebuild(rest));
        walk(inner, (v) => rebuild({ ...(value as object), [key]: v }));
      }
      return;
    }
    for (const wrong of [null, -1, 0, 1.5, '', 'not a url', true, 'x'.repeat(300), {}]) {
      out.push(rebuild(wrong));
    }
  };
  walk(event, (v) => v);
  return out;
}

describe('workflow signal guards agree with the zod schemas', () => {
  it.each(Object.entries(taskEvents))('task event %s and all its broken variants', (_, event) => {
    for (const input of [event, { ...(event as object), extra: 1 }, ...variants(event)]) {
      const zod = TaskEventSchema.safeParse(input);
      const ours = checkTaskEvent(input);
      expect(ours.ok, JSON.stringify(input)).toBe(zod.success);
      if (ours.ok && zod.success) expect(ours.value).toEqual(zod.data);
    }
  });

  it.each(Object.entries(repoEvents))(
    'repository event %s and all its broken variants',
    (_, event) => {
      for (const input of [event, ...variants(event)]) {
        const zod = RepoEventSchema.safeParse(input);
        const ours = checkRepoEvent(input);
        expect(ours.ok, JSON.stringify(input)).toBe(zod.success);
        if (ours.ok && zod.success) expect(ours.value).toEqual(zod.data);
      }
    },
  );

  it('says where and what, never the value', () => {
    const result = checkTaskEvent({ ...(taskEvents.comment as object), commentId: 'secret-value' });
    expect(result).toEqual({ ok: false, reason: 'commentId: expected a positive integer' });
  });

  it('checks operator messages like the old schema did', () => {
    expect(checkSendMessage({ text: '  hi  ', author: ' ops ' })).toEqual({
      ok: true,
      value: { text: 'hi', author: 'ops' },
    });
    expect(checkSendMessage({ text: '   ' })).toMatchObject({ ok: false });
    expect(checkSendMessage({ text: 'x'.repeat(60_001) })).toMatchObject({ ok: false });
    expect(checkSendMessage({ text: 'hi', author: '' })).toMatchObject({ ok: false });
    expect(checkSendMessage(null)).toMatchObject({ ok: false });
  });
});
