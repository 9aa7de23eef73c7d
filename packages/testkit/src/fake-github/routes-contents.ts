/**
 * Files and branches:
 *  - "Get repository content" `GET /repos/{owner}/{repo}/contents/{path}?ref=`: a file as JSON
 *    with its content base64-encoded (wrapped at 60 characters) and its git blob SHA, or the raw
 *    text with `Accept: application/vnd.github.raw`; 404 for a missing path:
 *    https://docs.github.com/en/rest/repos/contents#get-repository-content
 *  - "Get a branch" `GET /repos/{owner}/{repo}/branches/{branch}`: 404 "Branch not found":
 *    https://docs.github.com/en/rest/branches/branches#get-a-branch
 */
import type { Hono } from 'hono';
import type { FakeEnv } from '../http-fake';
import { apiBase, ghError, notFound, ownerRepo } from './http';
import { type GitHubState, gitBlobSha, repoKey } from './state';

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

  app.get('/repos/:owner/:repo/branches/:branch{.+}', (c) => {
    const name = c.req.param('branch');
    const known = state.branches.has(`${repoKey(...ownerRepo(c))}:${name}`);
    if (name !== state.defaultBranch && !known) return ghError(c, 404, 'Branch not found');
    return c.json({ name, commit: { sha: 'f'.repeat(40) }, protected: false });
  });
}
