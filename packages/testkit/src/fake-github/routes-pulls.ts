/**
 * Pull requests, their reviews and the issues they close:
 *  - "List pull requests" and "Get a pull request" (only the single read has `merged`,
 *    `mergeable`, `rebaseable`, `mergeable_state`; `user` is null for a deleted account):
 *    https://docs.github.com/en/rest/pulls/pulls
 *  - Mergeability is computed in the background: `mergeable` is null (`mergeable_state`
 *    `unknown`) until the job is done, so clients ask again; `merge_commit_sha` is the test
 *    merge commit while `mergeable` is true:
 *    https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
 *    https://docs.github.com/en/rest/guides/using-the-rest-api-to-interact-with-your-git-database#checking-mergeability-of-pull-requests
 *  - "Update a pull request branch": 422 when `expected_head_sha` is not the head, when the base
 *    has no new commits, or when GitHub cannot push to the head (a fork without "allow edits by
 *    maintainers"): https://docs.github.com/en/rest/pulls/pulls#update-a-pull-request-branch
 *  - "List comments for a pull request review":
 *    https://docs.github.com/en/rest/pulls/reviews#list-comments-for-a-pull-request-review
 *  - "Request reviewers for a pull request" (422 for the author, for someone without at least
 *    read access, or a team without access) and "Get all requested reviewers …":
 *    https://docs.github.com/en/rest/pulls/review-requests
 *    https://docs.github.com/en/pull-requests/collaborating-with-pull-requests/proposing-changes-to-your-work-with-pull-requests/requesting-a-pull-request-review
 *  - GraphQL `repository.pullRequest.closingIssuesReferences` (GitHub links "Fixes owner/repo#N"
 *    across repositories; NOT_FOUND for a missing pull request) and `reviewThreads`
 *    (review-threads.ts): https://docs.github.com/en/graphql/reference/objects#pullrequest
 *  - GraphQL `repository.issue.closedByPullRequestsReferences(first, includeClosedPrs)`: the pull
 *    requests (`linkIssue`) that close an issue, closed ones only with `includeClosedPrs: true`.
 *    The fake answers for any issue number (it holds only the issues the App opened):
 *    https://docs.github.com/en/graphql/reference/objects#issue
 */
import type { Hono } from 'hono';
import { bodyOf, type FakeContext, type FakeEnv } from '../http-fake';
import { apiBase, ghError, iso, notFound, ownerRepo, paginate } from './http';
import { pullNotFound, resolveReviewThreads } from './review-threads';
import {
  fakeSha,
  type GitHubState,
  idFor,
  inRepo,
  repoKey,
  type StoredPull,
  userJson,
} from './state';

const teamJson = (team: string) => {
  const slug = team.split('/').pop() ?? team;
  return { id: idFor(`team:${team}`), slug, name: slug };
};
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

export function registerPullRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  const { htmlBase } = state;
  const pullOf = (c: FakeContext) => state.pull(...ownerRepo(c), c.req.param('number') ?? '');

  /** A pull request as "List pull requests" shows it (the single read adds mergeability). */
  const pullJson = (c: FakeContext, p: StoredPull) => {
    const side = (owner: string, ref: string, sha: string) => ({
      label: `${owner}:${ref}`,
      ref,
      sha,
      user: userJson(owner, idFor(owner)),
      repo: {
        name: p.repo,
        full_name: `${owner}/${p.repo}`,
        owner: userJson(owner, idFor(owner)),
        html_url: `${htmlBase}/${owner}/${p.repo}`,
      },
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
      requested_teams: p.requestedTeams.map(teamJson),
      head: side(p.headOwner, p.headRef, p.headSha),
      base: side(p.owner, p.baseRef, p.baseSha),
      author_association: 'CONTRIBUTOR',
    };
  };

  app.get('/repos/:owner/:repo/pulls', (c) => {
    const wanted = c.req.query('state') ?? 'open';
    const head = c.req.query('head')?.toLowerCase();
    const base = c.req.query('base');
    const list = [...state.pulls.values()]
      .filter(
        (p) =>
          inRepo(...ownerRepo(c))(p) &&
          (wanted === 'all' || p.state === wanted) &&
          (!head || `${p.headOwner}:${p.headRef}`.toLowerCase() === head) &&
          (!base || p.baseRef === base),
      )
      .sort((a, b) => b.number - a.number);
    return c.json(paginate(c, list).map((p) => pullJson(c, p)));
  });

  app.get('/repos/:owner/:repo/pulls/:number/reviews/:review/comments', (c) => {
    const [owner, repo] = ownerRepo(c);
    const number = c.req.param('number');
    const review = Number(c.req.param('review'));
    const list = state.reviewComments.get(`${repoKey(owner, repo)}#${number}/${review}`);
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

  // The single read: mergeability as GitHub's background job last left it.
  app.get('/repos/:owner/:repo/pulls/:number', (c) => {
    const p = pullOf(c);
    if (!p) return notFound(c);
    const m = p.mergeability;
    const pending = m.pendingReads > 0;
    if (pending) m.pendingReads -= 1;
    const merged = p.mergedAt !== null;
    const mergeable = pending ? null : m.mergeable;
    const testMerge = merged || mergeable === true ? fakeSha('merge', p.headSha, p.baseSha) : null;
    return c.json({
      ...pullJson(c, p),
      merged,
      mergeable,
      rebaseable: mergeable,
      mergeable_state: pending ? 'unknown' : m.state,
      merge_commit_sha: p.mergeCommitSha ?? testMerge,
    });
  });

  app.put('/repos/:owner/:repo/pulls/:number/update-branch', (c) => {
    const [owner, repo] = ownerRepo(c);
    const pull = pullOf(c);
    if (!pull) return notFound(c);
    const expected = bodyOf(c).expected_head_sha;
    const expectedHeadSha = typeof expected === 'string' ? expected : null;
    const update = { owner, repo, number: pull.number, expectedHeadSha };
    const refusal = updateBranchRefusal(pull, expectedHeadSha);
    if (refusal !== null) {
      state.branchUpdates.push({ ...update, status: 422, refusal });
      return ghError(c, 422, refusal);
    }
    // GitHub merges the base into the head; the new head's mergeability is computed afresh.
    pull.headSha = fakeSha('update-branch', pull.headSha, pull.baseSha);
    pull.mergeability = { mergeable: true, state: 'clean', pendingReads: 1 };
    state.branchUpdates.push({ ...update, status: 202, headSha: pull.headSha });
    const url = `${htmlBase}/repos/${owner}/${repo}/pulls/${pull.number}`;
    return c.json({ message: 'Updating pull request branch.', url }, 202);
  });

  app.post('/repos/:owner/:repo/pulls/:number/requested_reviewers', (c) => {
    const [owner, repo] = ownerRepo(c);
    const pull = pullOf(c);
    if (!pull) return notFound(c);
    const body = bodyOf(c);
    const reviewers = strings(body.reviewers);
    const teams = strings(body.team_reviewers).map((t) => (t.includes('/') ? t : `${owner}/${t}`));
    if (reviewers.length === 0 && teams.length === 0) {
      return ghError(c, 422, 'Invalid request.\n\nNo reviewers or team_reviewers given.');
    }
    const lower = (login: string | null) => login?.toLowerCase();
    if (reviewers.some((r) => lower(r) === lower(pull.author))) {
      return ghError(c, 422, 'Review cannot be requested from pull request author.');
    }
    const strangers = reviewers.filter((login) => state.permission(owner, repo, login) === 'none');
    const teamsWithout = teams.filter(
      (team) => !state.teams.has(`${repoKey(owner, repo)}:${team.toLowerCase()}`),
    );
    if (strangers.length > 0 || teamsWithout.length > 0) {
      return ghError(
        c,
        422,
        `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${owner}/${repo} repository.`,
      );
    }
    for (const login of reviewers) {
      if (!pull.requestedReviewers.some((r) => lower(r) === lower(login))) {
        pull.requestedReviewers.push(login);
      }
    }
    pull.requestedTeams.push(...teams.filter((team) => !pull.requestedTeams.includes(team)));
    return c.json(pullJson(c, pull), 201);
  });

  app.get('/repos/:owner/:repo/pulls/:number/requested_reviewers', (c) => {
    const pull = pullOf(c);
    if (!pull) return notFound(c);
    return c.json({
      users: pull.requestedReviewers.map((login) => userJson(login, state.idOf(login))),
      teams: pull.requestedTeams.map(teamJson),
    });
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
    const body = bodyOf(c);
    const query = typeof body.query === 'string' ? body.query : '';
    const vars = (body.variables ?? {}) as Record<string, unknown>;
    // Answered by the field the query asks for under repository.pullRequest.
    if (query.includes('reviewThreads')) return c.json(resolveReviewThreads(state, query, vars));
    if (query.includes('closedByPullRequestsReferences')) return c.json(closedBy(query, vars));
    if (!query.includes('closingIssuesReferences')) {
      return c.json({ errors: [{ message: 'fake github: unsupported GraphQL query' }] });
    }
    const owner = String(vars.owner ?? '');
    const repo = String(vars.repo ?? vars.name ?? '');
    const number = Number(vars.number ?? vars.pr ?? vars.prNumber);
    const key = `${repoKey(owner, repo)}#${number}`;
    if (!state.pulls.has(key) && !state.links.has(key)) return c.json(pullNotFound(number));
    const first = Number(/closingIssuesReferences\s*\(\s*first:\s*(\d+)/.exec(query)?.[1] ?? 100);
    const issues = state.links.get(key) ?? [];
    const nodes = issues.slice(0, first).map((ref) => {
      // "Fixes other-owner/other-repo#12" links an issue of another repository.
      const [, o = owner, r = repo, n = String(ref)] =
        /^([^/]+)\/([^#]+)#(\d+)$/.exec(String(ref)) ?? [];
      return {
        number: Number(n),
        repository: { name: r, nameWithOwner: `${o}/${r}`, owner: { login: o } },
      };
    });
    const closingIssuesReferences = { totalCount: issues.length, nodes };
    return c.json({ data: { repository: { pullRequest: { number, closingIssuesReferences } } } });
  });

  /** The pull requests linked to close an issue of the repository (`linkIssue`). */
  function closedBy(query: string, vars: Record<string, unknown>) {
    const owner = String(vars.owner ?? '');
    const repo = String(vars.repo ?? vars.name ?? '');
    const number = Number(vars.number ?? vars.issue);
    const args = /closedByPullRequestsReferences\s*\(([^)]*)\)/.exec(query)?.[1] ?? '';
    const first = Number(/first:\s*(\d+)/.exec(args)?.[1] ?? 100);
    const closed = /includeClosedPrs:\s*true/.test(args);
    const closing = [...state.pulls.values()].filter((p) => {
      const links = state.links.get(`${repoKey(p.owner, p.repo)}#${p.number}`) ?? [];
      const here = inRepo(owner, repo)(p);
      const names = links.map(String);
      const closes =
        names.includes(`${owner}/${repo}#${number}`) || (here && names.includes(String(number)));
      return closes && (closed || p.state === 'open');
    });
    const nodes = closing.slice(0, first).map((p) => ({
      number: p.number,
      url: `${state.htmlBase}/${p.owner}/${p.repo}/pull/${p.number}`,
      merged: p.mergedAt !== null,
      mergedAt: p.mergedAt,
      baseRefName: p.baseRef,
      author: p.author === null ? null : { login: p.author },
      mergeCommit:
        p.mergedAt === null
          ? null
          : { oid: p.mergeCommitSha ?? fakeSha('merge', p.headSha, p.baseSha) },
      repository: { name: p.repo, owner: { login: p.owner } },
    }));
    const closedByPullRequestsReferences = { totalCount: closing.length, nodes };
    return { data: { repository: { issue: { number, closedByPullRequestsReferences } } } };
  }
}
