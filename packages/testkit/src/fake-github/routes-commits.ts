/**
 * Commits, what ran on them, and what their branch requires:
 *  - "List commits" `GET /repos/{owner}/{repo}/commits`: `sha` (a SHA or branch to start
 *    listing from), `path` (only commits containing this file path), `since` (only results
 *    last updated after the given time, ISO 8601), `until` (only commits before it),
 *    `author`; newest first, paged by `per_page`/`page`; each `{ sha, node_id, commit {
 *    author, committer { name, email, date }, message, tree }, author, committer, parents }`
 *    (`author`/`committer` null when the git identity is not a GitHub user); 404 for an unknown
 *    `sha`: https://docs.github.com/en/rest/commits/commits#list-commits
 *    (the fake walks commits seeded with `addCommit` through their parents; `sha` may name a
 *    pull request's head branch, other branch names are not resolved).
 */
import type { Hono } from 'hono';
import type { FakeContext, FakeEnv } from '../http-fake';
import {
  apiBase,
  type CommitSeed,
  type GitHubState,
  iso,
  notFound,
  ownerRepo,
  paginate,
  repoKey,
  type StoredCommit,
  userJson,
} from './state';

const node = (kind: string, id: string) => Buffer.from(`${kind}:${id}`).toString('base64');

export function registerCommitRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  const commitOf = (owner: string, repo: string, sha: string) =>
    state.commits.get(`${repoKey(owner, repo)}@${sha}`);

  /** `sha` as a commit: a seeded sha, or the head branch of one of the repository's pulls. */
  const resolve = (owner: string, repo: string, ref: string): StoredCommit | undefined => {
    const pull = [...state.pulls.values()].find(
      (p) => repoKey(p.owner, p.repo) === repoKey(owner, repo) && p.headRef === ref,
    );
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
