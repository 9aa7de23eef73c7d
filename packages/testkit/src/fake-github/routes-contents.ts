/**
 * Files and branches:
 *  - "Get repository content": a file as JSON, its content base64 (wrapped at 60 characters),
 *    or the raw text with `Accept: application/vnd.github.raw`:
 *    https://docs.github.com/en/rest/repos/contents#get-repository-content
 *  - "Get a branch": `protected` is also true for a branch a ruleset targets; `protection` is
 *    classic branch protection's summary (no admin permission needed):
 *    https://docs.github.com/en/rest/branches/branches#get-a-branch
 *  - "Get rules for a branch": every rule of every active ruleset targeting the branch (which
 *    need not exist), `[]` when none applies:
 *    https://docs.github.com/en/rest/repos/rules#get-rules-for-a-branch
 *    https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/managing-rulesets/available-rules-for-rulesets#require-status-checks-to-pass-before-merging
 */
import type { Hono } from 'hono';
import type { FakeEnv } from '../http-fake';
import { apiBase, ghError, notFound, ownerRepo, paginate } from './http';
import { type GitHubState, gitBlobSha, inRepo, repoKey } from './state';

export function registerContentsRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  app.get('/repos/:owner/:repo/contents/:path{.+}', (c) => {
    const [owner, repo] = ownerRepo(c);
    const path = c.req.param('path');
    const ref = c.req.query('ref') ?? state.defaultBranch;
    const text = state.files.get(`${repoKey(owner, repo)}@${ref}:${path}`);
    if (text === undefined) return notFound(c);
    if (/\.raw\b/.test(c.req.header('accept') ?? '')) return c.text(text);
    const content = Buffer.from(text).toString('base64');
    return c.json({
      type: 'file',
      encoding: 'base64',
      size: Buffer.byteLength(text),
      name: path.split('/').pop() ?? path,
      path,
      content: `${content.replace(/(.{60})/g, '$1\n')}\n`,
      sha: gitBlobSha(text),
      url: `${apiBase(c)}/repos/${owner}/${repo}/contents/${path}?ref=${ref}`,
      html_url: `${state.htmlBase}/${owner}/${repo}/blob/${ref}/${path}`,
      download_url: `https://raw.githubusercontent.com/${owner}/${repo}/${ref}/${path}`,
    });
  });

  /** The rules of the active rulesets targeting `branch`, in the order they were added. */
  const rulesFor = (owner: string, repo: string, branch: string) =>
    state.rulesets
      .filter(
        (set) =>
          inRepo(owner, repo)(set) &&
          set.enforcement === 'active' &&
          set.branches.some((pattern) => targets(pattern, branch, state.defaultBranch)),
      )
      .flatMap((set) =>
        set.rules.map((rule) => ({
          type: rule.type,
          ...(rule.parameters ? { parameters: rule.parameters } : {}),
          ruleset_source_type: 'Repository',
          ruleset_source: `${owner}/${repo}`,
          ruleset_id: set.id,
        })),
      );

  app.get('/repos/:owner/:repo/branches/:branch{.+}', (c) => {
    const [owner, repo] = ownerRepo(c);
    const name = c.req.param('branch');
    const key = `${repoKey(owner, repo)}:${name}`;
    const known = state.branches.has(key) || state.protections.has(key);
    if (name !== state.defaultBranch && !known) return ghError(c, 404, 'Branch not found');
    const classic = state.protections.get(key);
    const checks = (classic?.requiredChecks ?? []).map((check) =>
      typeof check === 'string'
        ? { context: check, app_id: null }
        : { context: check.context, app_id: check.appId },
    );
    const base = `${apiBase(c)}/repos/${owner}/${repo}`;
    return c.json({
      name,
      commit: { sha: 'f'.repeat(40), url: `${base}/commits/${'f'.repeat(40)}` },
      protected: classic !== undefined || rulesFor(owner, repo, name).length > 0,
      protection: {
        enabled: classic !== undefined,
        required_status_checks: {
          enforcement_level: classic?.enforcementLevel ?? 'off',
          contexts: checks.map((check) => check.context),
          checks,
        },
      },
      protection_url: `${base}/branches/${name}/protection`,
    });
  });

  app.get('/repos/:owner/:repo/rules/branches/:branch{.+}', (c) => {
    const [owner, repo] = ownerRepo(c);
    return c.json(paginate(c, rulesFor(owner, repo, c.req.param('branch'))));
  });
}

/** Whether a ruleset's target (`main`, `release/*`, `**`, `~DEFAULT_BRANCH`, `~ALL`) names `branch`. */
function targets(pattern: string, branch: string, defaultBranch: string): boolean {
  if (pattern === '~ALL') return true;
  if (pattern === '~DEFAULT_BRANCH') return branch === defaultBranch;
  const name = pattern.replace(/^refs\/heads\//, '');
  const source = name
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((text) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${source}$`).test(branch);
}
