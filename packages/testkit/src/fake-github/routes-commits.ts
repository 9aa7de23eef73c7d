/**
 * Commits, what ran on them, and what their branch requires:
 *  - "List commits" (`author`/`committer` null when the git identity is not a GitHub user; 404
 *    for an unknown `sha`): https://docs.github.com/en/rest/commits/commits#list-commits
 *    The fake walks commits seeded with `addCommit` through their parents; `sha` may name a
 *    pull request's head branch, other branch names are not resolved.
 *  - "List check runs for a Git reference" (`filter=latest`, the default: the most recent run
 *    of each check): https://docs.github.com/en/rest/checks/runs#list-check-runs-for-a-git-reference
 *  - "Get the combined status for a specific reference" (the latest status of each context):
 *    https://docs.github.com/en/rest/commits/statuses#get-the-combined-status-for-a-specific-reference
 *    Both answer any `ref` as a commit sha: the fake does not check that the commit exists.
 *  - "Get a commit" (a merge commit's first parent is the tip of the branch it merged into; 404
 *    for a commit not given to `addCommit`): https://docs.github.com/en/rest/commits/commits#get-a-commit
 */
import type { Hono } from 'hono';
import type { FakeContext, FakeEnv } from '../http-fake';
import { apiBase, iso, notFound, ownerRepo, paginate } from './http';
import {
  type CommitSeed,
  type GitHubState,
  inRepo,
  type RecordedCheckRun,
  repoKey,
  type StoredCommit,
  type StoredStatus,
  userJson,
} from './state';

const node = (kind: string, id: string) => Buffer.from(`${kind}:${id}`).toString('base64');

export function registerCommitRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  const commitOf = (owner: string, repo: string, sha: string) =>
    state.commits.get(`${repoKey(owner, repo)}@${sha}`);

  /** `sha` as a commit: a seeded sha, or the head branch of one of the repository's pulls. */
  const resolve = (owner: string, repo: string, ref: string): StoredCommit | undefined => {
    const pull = [...state.pulls.values()].find((p) => inRepo(owner, repo)(p) && p.headRef === ref);
    return commitOf(owner, repo, ref) ?? (pull ? commitOf(owner, repo, pull.headSha) : undefined);
  };

  /** Every commit reachable from `tip` through its parents (those the fake knows). */
  const history = (tip: StoredCommit): StoredCommit[] => {
    const seen = new Map<string, StoredCommit>();
    const queue = [tip];
    for (let next = queue.shift(); next; next = queue.shift()) {
      if (seen.has(next.sha)) continue;
      seen.set(next.sha, next);
      for (const parent of next.parents) {
        const found = commitOf(next.owner, next.repo, parent);
        if (found) queue.push(found);
      }
    }
    return [...seen.values()];
  };

  const commitJson = (c: FakeContext, commit: StoredCommit) => {
    const base = `${apiBase(c)}/repos/${commit.owner}/${commit.repo}`;
    const html = `${state.htmlBase}/${commit.owner}/${commit.repo}`;
    const who = {
      name: commit.author ?? 'octo-dev',
      email: `${commit.author ?? 'dev'}@example.com`,
      date: commit.committedAt,
    };
    const user = commit.author ? userJson(commit.author, state.idOf(commit.author)) : null;
    return {
      sha: commit.sha,
      node_id: node('Commit', commit.sha),
      url: `${base}/commits/${commit.sha}`,
      html_url: `${html}/commit/${commit.sha}`,
      comments_url: `${base}/commits/${commit.sha}/comments`,
      commit: {
        url: `${base}/git/commits/${commit.sha}`,
        author: who,
        committer: who,
        message: commit.message,
        tree: { sha: commit.sha.split('').reverse().join(''), url: `${base}/git/trees` },
        comment_count: 0,
      },
      author: user,
      committer: user,
      parents: commit.parents.map((sha) => ({
        sha,
        url: `${base}/commits/${sha}`,
        html_url: `${html}/commit/${sha}`,
      })),
    };
  };

  app.get('/repos/:owner/:repo/commits/:ref/check-runs', (c) => {
    const [owner, repo] = ownerRepo(c);
    const ref = c.req.param('ref');
    const name = c.req.query('check_name');
    const status = c.req.query('status');
    const appId = c.req.query('app_id');
    let runs = state.checkRuns.filter(
      (run) =>
        inRepo(owner, repo)(run) &&
        run.headSha === ref &&
        (!name || run.name === name) &&
        (!status || run.status === status) &&
        (!appId || String(run.app.id) === appId),
    );
    if ((c.req.query('filter') ?? 'latest') === 'latest') {
      // The most recent run of each check (a re-run replaces the run before it).
      const latest = new Map<string, RecordedCheckRun>();
      for (const run of runs) {
        const key = `${run.app.id}:${run.name}`;
        if ((latest.get(key)?.id ?? 0) < run.id) latest.set(key, run);
      }
      runs = runs.filter((run) => latest.get(`${run.app.id}:${run.name}`) === run);
    }
    const base = `${apiBase(c)}/repos/${owner}/${repo}`;
    const check_runs = paginate(c, runs).map((run) => ({
      id: run.id,
      node_id: node('CheckRun', String(run.id)),
      head_sha: run.headSha,
      external_id: '',
      url: `${base}/check-runs/${run.id}`,
      html_url: `${state.htmlBase}/${owner}/${repo}/runs/${run.id}`,
      details_url: `${state.htmlBase}/${owner}/${repo}/runs/${run.id}`,
      status: run.status,
      conclusion: run.conclusion,
      started_at: iso(Date.now()),
      completed_at: run.status === 'completed' ? iso(Date.now()) : null,
      output: {
        title: run.output?.title ?? null,
        summary: run.output?.summary ?? null,
        text: null,
        annotations_count: run.output?.annotations.length ?? 0,
        annotations_url: `${base}/check-runs/${run.id}/annotations`,
      },
      name: run.name,
      check_suite: { id: 8_000_000_000 + run.app.id },
      app: { id: run.app.id, slug: run.app.slug, name: run.app.slug },
      pull_requests: [],
    }));
    return c.json({ total_count: runs.length, check_runs });
  });

  app.get('/repos/:owner/:repo/commits/:ref/status', (c) => {
    const [owner, repo] = ownerRepo(c);
    const ref = c.req.param('ref');
    const latest = new Map<string, StoredStatus>();
    for (const status of state.statuses.filter(inRepo(owner, repo))) {
      if (status.sha === ref) latest.set(status.context, status);
    }
    const all = [...latest.values()].sort((a, b) => b.id - a.id);
    const states = all.map((s) => s.state);
    const combined = states.some((s) => s === 'error' || s === 'failure')
      ? 'failure'
      : states.length === 0 || states.includes('pending')
        ? 'pending'
        : 'success';
    const base = `${apiBase(c)}/repos/${owner}/${repo}`;
    return c.json({
      state: combined,
      statuses: paginate(c, all).map((status) => ({
        url: `${base}/statuses/${status.sha}`,
        avatar_url: null,
        id: status.id,
        node_id: node('StatusContext', String(status.id)),
        state: status.state,
        description: status.description,
        target_url: status.targetUrl,
        context: status.context,
        created_at: iso(status.createdAt),
        updated_at: iso(status.createdAt),
      })),
      sha: ref,
      total_count: all.length,
      repository: {
        name: repo,
        full_name: `${owner}/${repo}`,
        owner: userJson(owner, state.idOf(owner)),
      },
      commit_url: `${base}/commits/${ref}`,
      url: `${base}/commits/${ref}/status`,
    });
  });

  app.get('/repos/:owner/:repo/commits/:ref', (c) => {
    const [owner, repo] = ownerRepo(c);
    const commit = resolve(owner, repo, c.req.param('ref'));
    if (!commit) return notFound(c);
    const files = commit.files.map((filename) => ({
      filename,
      status: 'modified',
      additions: 1,
      deletions: 1,
      changes: 2,
    }));
    const stats = { total: files.length * 2, additions: files.length, deletions: files.length };
    return c.json({ ...commitJson(c, commit), stats, files });
  });

  app.get('/repos/:owner/:repo/commits', (c) => {
    const [owner, repo] = ownerRepo(c);
    const tip = resolve(owner, repo, c.req.query('sha') ?? '');
    if (!tip) return notFound(c);
    const path = c.req.query('path')?.replace(/^\/+|\/+$/g, '');
    const since = c.req.query('since');
    const until = c.req.query('until');
    const author = c.req.query('author')?.toLowerCase();
    const at = (commit: StoredCommit) => Date.parse(commit.committedAt);
    const list = history(tip)
      .filter(
        (commit) =>
          (!path || commit.files.some((f) => f === path || f.startsWith(`${path}/`))) &&
          (!since || at(commit) >= Date.parse(since)) &&
          (!until || at(commit) <= Date.parse(until)) &&
          (!author || commit.author?.toLowerCase() === author),
      )
      .sort((a, b) => at(b) - at(a));
    return c.json(paginate(c, list).map((commit) => commitJson(c, commit)));
  });
}

/** The stored form of a seed (`addCommit`): GitHub's timestamps have no milliseconds. */
export function storedCommit(owner: string, repo: string, seed: CommitSeed): StoredCommit {
  return {
    owner,
    repo,
    sha: seed.sha,
    parents: [...(seed.parents ?? [])],
    files: [...seed.files],
    message: seed.message ?? `Change ${seed.files.join(', ')}`,
    author: seed.author ?? null,
    committedAt: iso(seed.committedAt ? Date.parse(seed.committedAt) : Date.now()),
  };
}
