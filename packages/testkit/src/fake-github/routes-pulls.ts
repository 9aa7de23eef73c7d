/**
 * Pull requests and the issues they close:
 *  - "List pull requests" `GET /repos/{owner}/{repo}/pulls` (`state` default open, `head` as
 *    `owner:branch`, `base`; newest first; paginated) and "Get a pull request" (adds `merged`,
 *    `mergeable`, `rebaseable`, `mergeable_state`, which only the single read has; `user` is
 *    null for a deleted account): https://docs.github.com/en/rest/pulls/pulls
 *  - Mergeability is computed in the background: `mergeable` is null (and `mergeable_state`
 *    `unknown`) until the job is done, so clients ask again; `merge_commit_sha` is the test
 *    merge commit while `mergeable` is true:
 *    https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
 *    https://docs.github.com/en/rest/guides/using-the-rest-api-to-interact-with-your-git-database#checking-mergeability-of-pull-requests
 *    `mergeable_state` values are GraphQL's MergeStateStatus in lower case:
 *    https://docs.github.com/en/graphql/reference/enums#mergestatestatus
 *  - "Update a pull request branch" `PUT …/pulls/{pull_number}/update-branch`
 *    `{ expected_head_sha? }` → 202 `{ message: "Updating pull request branch.", url }`; 422
 *    when `expected_head_sha` is not the head, when the base has no new commits, or when
 *    GitHub cannot push to the head (a fork without "allow edits by maintainers"):
 *    https://docs.github.com/en/rest/pulls/pulls#update-a-pull-request-branch
 *  - GraphQL `repository.pullRequest.closingIssuesReferences` (the issues a PR closes, each
 *    an Issue with its `repository`, which may be another repository of the same owner or not:
 *    GitHub links "Fixes owner/repo#N" across repositories), with GitHub's NOT_FOUND error for
 *    a missing pull request:
 *    https://docs.github.com/en/graphql/reference/objects#pullrequest
 */
import type { Hono } from 'hono';
import type { FakeContext, FakeEnv } from '../http-fake';
import { resolveReviewThreads } from './review-threads';
import {
  apiBase,
  bodyObject,
  fakeSha,
  type GitHubState,
  ghError,
  idFor,
  iso,
  notFound,
  ownerRepo,
  paginate,
  repoKey,
  type StoredPull,
  userJson,
} from './state';

/** A pull request as "List pull requests" shows it (the single read adds mergeability). */
export function pullJson(c: FakeContext, state: GitHubState, p: StoredPull) {
  const htmlBase = state.htmlBase;
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
    merge_commit_sha: p.mergeCommitSha,
    draft: p.draft,
    maintainer_can_modify: p.maintainerCanModify,
    requested_reviewers: p.requestedReviewers.map((login) => userJson(login, state.idOf(login))),
    requested_teams: p.requestedTeams.map((team) => teamJson(team)),
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
      sha: p.baseSha,
      user: userJson(p.owner, idFor(p.owner)),
      repo: repoJson(p.owner),
    },
    author_association: 'CONTRIBUTOR',
  };
}

/** A team as `requested_teams` lists it; `team` is `org/slug`. */
export function teamJson(team: string) {
  const slug = team.split('/').pop() ?? team;
  return { id: idFor(`team:${team}`), slug, name: slug };
}

/** The single read of a pull request: mergeability as GitHub's background job last left it. */
function singlePullJson(c: FakeContext, state: GitHubState, p: StoredPull) {
  const m = p.mergeability;
  const pending = m.pendingReads > 0;
  if (pending) m.pendingReads -= 1;
  const merged = p.mergedAt !== null;
  const mergeable = pending ? null : m.mergeable;
  return {
    ...pullJson(c, state, p),
    merged,
    mergeable,
    rebaseable: mergeable,
    mergeable_state: pending ? 'unknown' : m.state,
    merge_commit_sha:
      p.mergeCommitSha ??
      (merged || mergeable === true ? fakeSha('merge', p.headSha, p.baseSha) : null),
  };
}

export function registerPullRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  const htmlBase = state.htmlBase;

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
    return c.json(paginate(c, list).map((p) => pullJson(c, state, p)));
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
    const pull = state.pull(...ownerRepo(c), c.req.param('number'));
    return pull ? c.json(singlePullJson(c, state, pull)) : notFound(c);
  });

  app.put('/repos/:owner/:repo/pulls/:number/update-branch', (c) => {
    const [owner, repo] = ownerRepo(c);
    const number = Number(c.req.param('number'));
    const pull = state.pull(owner, repo, number);
    if (!pull) return notFound(c);
    const expected = bodyObject(c).expected_head_sha;
    const expectedHeadSha = typeof expected === 'string' ? expected : null;
    const refusal = updateBranchRefusal(pull, expectedHeadSha);
    if (refusal !== null) {
      state.branchUpdates.push({ owner, repo, number, expectedHeadSha, status: 422, refusal });
      return ghError(c, 422, refusal);
    }
    // GitHub merges the base into the head; the new head's mergeability is computed afresh.
    pull.headSha = fakeSha('update-branch', pull.headSha, pull.baseSha);
    pull.mergeability = { mergeable: true, state: 'clean', pendingReads: 1 };
    state.branchUpdates.push({
      owner,
      repo,
      number,
      expectedHeadSha,
      status: 202,
      headSha: pull.headSha,
    });
    return c.json(
      {
        message: 'Updating pull request branch.',
        url: `${htmlBase}/repos/${owner}/${repo}/pulls/${number}`,
      },
      202,
    );
  });
}

function updateBranchRefusal(pull: StoredPull, expectedHeadSha: string | null): string | null {
  if (pull.state !== 'open') return 'Pull request is not open.';
  if (expectedHeadSha !== null && expectedHeadSha !== pull.headSha) {
    return "expected head sha didn't match current head ref.";
  }
  if (pull.updateBranchRefusal !== null) return pull.updateBranchRefusal;
  const fork = pull.headOwner.toLowerCase() !== pull.owner.toLowerCase();
  if (fork && !pull.maintainerCanModify) {
    return 'You do not have permission to update this pull request branch. The head repository is a fork that does not allow edits by maintainers.';
  }
  if (pull.mergeability.state !== 'behind') return 'There are no new commits on the base branch.';
  return null;
}

/** GraphQL, served at `/graphql` (github.com) and `/api/graphql` (GitHub Enterprise Server). */
export function registerGraphqlRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  app.post('/graphql', (c) => {
    const body = bodyObject(c);
    const query = typeof body.query === 'string' ? body.query : '';
    const vars = (body.variables ?? {}) as Record<string, unknown>;
    // Answered by the field the query asks for under repository.pullRequest.
    if (query.includes('reviewThreads')) return c.json(resolveReviewThreads(state, query, vars));
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
