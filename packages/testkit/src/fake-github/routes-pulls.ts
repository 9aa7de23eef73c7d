/**
 * Pull requests and the issues they close:
 *  - "List pull requests" `GET /repos/{owner}/{repo}/pulls` (`state` default open, `head` as
 *    `owner:branch`, `base`; newest first; paginated) and "Get a pull request" (adds `merged`;
 *    `user` is null for a deleted account): https://docs.github.com/en/rest/pulls/pulls
 *  - GraphQL `repository.pullRequest.closingIssuesReferences` (the issues a PR closes, each
 *    an Issue with its `repository`, which may be another repository of the same owner or not:
 *    GitHub links "Fixes owner/repo#N" across repositories), with GitHub's NOT_FOUND error for
 *    a missing pull request:
 *    https://docs.github.com/en/graphql/reference/objects#pullrequest
 */
import type { Hono } from 'hono';
import type { FakeContext, FakeEnv } from '../http-fake';
import {
  apiBase,
  bodyObject,
  type GitHubState,
  idFor,
  iso,
  notFound,
  ownerRepo,
  paginate,
  repoKey,
  type StoredPull,
  userJson,
} from './state';

export function registerPullRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  const htmlBase = state.htmlBase;
  const pullJson = (c: FakeContext, p: StoredPull) => {
    const repoJson = (owner: string) => ({
      name: p.repo,
      full_name: `${owner}/${p.repo}`,
      owner: userJson(owner, idFor(owner)),
      html_url: `${htmlBase}/${owner}/${p.repo}`,
    });
    return {
      url: `${apiBase(c)}/repos/${p.owner}/${p.repo}/pulls/${p.number}`,
      id: 3_000_000_000 + p.number,
      html_url: `${htmlBase}/${p.owner}/${p.repo}/pull/${p.number}`,
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      body: p.body,
      user: p.author === null ? null : userJson(p.author, p.authorId),
      created_at: iso(p.createdAt),
      updated_at: iso(p.createdAt),
      closed_at: p.state === 'closed' ? iso(p.createdAt) : null,
      merged_at: p.mergedAt,
      draft: false,
      head: {
        label: `${p.headOwner}:${p.headRef}`,
        ref: p.headRef,
        sha: p.headSha,
        user: userJson(p.headOwner, idFor(p.headOwner)),
        repo: repoJson(p.headOwner),
      },
      base: {
        label: `${p.owner}:${p.baseRef}`,
        ref: p.baseRef,
        sha: '0'.repeat(40),
        user: userJson(p.owner, idFor(p.owner)),
        repo: repoJson(p.owner),
      },
      author_association: 'CONTRIBUTOR',
    };
  };

  app.get('/repos/:owner/:repo/pulls', (c) => {
    const [owner, repo] = ownerRepo(c);
    const wanted = c.req.query('state') ?? 'open';
    const head = c.req.query('head');
    const base = c.req.query('base');
    const list = [...state.pulls.values()]
      .filter((p) => repoKey(p.owner, p.repo) === repoKey(owner, repo))
      .filter((p) => wanted === 'all' || p.state === wanted)
      .filter((p) => !head || `${p.headOwner}:${p.headRef}`.toLowerCase() === head.toLowerCase())
      .filter((p) => !base || p.baseRef === base)
      .sort((a, b) => b.number - a.number);
    return c.json(paginate(c, list).map((p) => pullJson(c, p)));
  });

  // https://docs.github.com/en/rest/pulls/reviews#list-comments-for-a-pull-request-review
  app.get('/repos/:owner/:repo/pulls/:number/reviews/:review/comments', (c) => {
    const [owner, repo] = ownerRepo(c);
    const number = c.req.param('number');
    const pullKey = `${repoKey(owner, repo)}#${number}`;
    const review = Number(c.req.param('review'));
    const list = state.reviewComments.get(`${pullKey}/${review}`);
    if (!list) return notFound(c);
    return c.json(
      paginate(c, list).map((comment) => ({
        id: comment.id,
        pull_request_review_id: review,
        body: comment.body,
        path: comment.path,
        line: comment.line,
        original_line: comment.line,
        user: userJson(comment.login, idFor(comment.login)),
        html_url: `${htmlBase}/${owner}/${repo}/pull/${number}#discussion_r${comment.id}`,
        created_at: iso(Date.now()),
      })),
    );
  });

  app.get('/repos/:owner/:repo/pulls/:number', (c) => {
    const pull = state.pulls.get(`${repoKey(...ownerRepo(c))}#${c.req.param('number')}`);
    return pull ? c.json({ ...pullJson(c, pull), merged: pull.mergedAt !== null }) : notFound(c);
  });
}

/** GraphQL, served at `/graphql` (github.com) and `/api/graphql` (GitHub Enterprise Server). */
export function registerGraphqlRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  app.post('/graphql', (c) => {
    const body = bodyObject(c);
    const query = typeof body.query === 'string' ? body.query : '';
    const vars = (body.variables ?? {}) as Record<string, unknown>;
    if (!query.includes('closingIssuesReferences')) {
      return c.json({ errors: [{ message: 'fake github: unsupported GraphQL query' }] });
    }
    const owner = String(vars.owner ?? '');
    const repo = String(vars.repo ?? vars.name ?? '');
    const number = Number(vars.number ?? vars.pr ?? vars.prNumber);
    const key = `${repoKey(owner, repo)}#${number}`;
    if (!state.pulls.has(key) && !state.links.has(key)) {
      return c.json({
        data: { repository: { pullRequest: null } },
        errors: [
          {
            type: 'NOT_FOUND',
            path: ['repository', 'pullRequest'],
            message: `Could not resolve to a PullRequest with the number of ${number}.`,
          },
        ],
      });
    }
    const first = Number(/closingIssuesReferences\s*\(\s*first:\s*(\d+)/.exec(query)?.[1] ?? 100);
    const issues = state.links.get(key) ?? [];
    return c.json({
      data: {
        repository: {
          pullRequest: {
            number,
            closingIssuesReferences: {
              totalCount: issues.length,
              nodes: issues.slice(0, first).map((ref) => {
                // "Fixes other-owner/other-repo#12" links an issue of another repository.
                const [, o = owner, r = repo, n = String(ref)] =
                  /^([^/]+)\/([^#]+)#(\d+)$/.exec(String(ref)) ?? [];
                return {
                  number: Number(n),
                  repository: { name: r, nameWithOwner: `${o}/${r}`, owner: { login: o } },
                };
              }),
            },
          },
        },
      },
    });
  });
}
