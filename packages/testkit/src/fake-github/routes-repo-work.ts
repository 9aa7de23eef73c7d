/**
 * Fake GitHub routes for work the repository's config asks for: issues the App opens, the
 * branches a scheduled job names, and check runs on a pushed commit. Shapes follow GitHub's
 * REST reference:
 *
 *  - "Create an issue" `POST /repos/{owner}/{repo}/issues`: `title` required (422 without),
 *    `body`, `labels` (names; missing labels are created); 201 with the issue, whose `user` is
 *    the caller (the App's bot for an installation token).
 *  - "List repository issues" `GET /repos/{owner}/{repo}/issues`: `state` (default open),
 *    `labels` (comma-separated, all must match), paginated; pull requests are listed too.
 *  - "Get an issue" / "Update an issue" (`state: closed`).
 *  - "Get a branch" `GET /repos/{owner}/{repo}/branches/{branch}`: 404 "Branch not found".
 *  - "Create a check run" `POST /repos/{owner}/{repo}/check-runs`: `name` and `head_sha`
 *    required; `status: completed` requires `conclusion`; `output` requires `title` and
 *    `summary`; at most 50 annotations per request, each with `path`, `start_line`,
 *    `end_line`, `annotation_level` (notice, warning, failure) and `message`; 201.
 */
import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FakeContext, FakeEnv } from '../http-fake';

export interface FakeIssue {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  author: string;
}

export interface RecordedCheckRun {
  owner: string;
  repo: string;
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  output: {
    title: string;
    summary: string;
    annotations: {
      path: string;
      start_line: number;
      end_line: number;
      annotation_level: string;
      message: string;
    }[];
  } | null;
}

export interface RepoWorkControls {
  /** Issues opened through the API (by the App), oldest first. */
  issues(owner: string, repo: string): FakeIssue[];
  /** Closes an issue as a person would on GitHub. */
  closeIssue(owner: string, repo: string, number: number): void;
  /** A branch that exists besides the default branch. */
  addBranch(owner: string, repo: string, branch: string): void;
  checkRuns(owner: string, repo: string): RecordedCheckRun[];
}

interface Env {
  bot: { login: string; id: number; node_id: string; type: string; site_admin: boolean };
  htmlBase: string;
  defaultBranch: string;
  ghError(c: FakeContext, status: ContentfulStatusCode, message: string): Response;
  body(c: FakeContext): Record<string, unknown>;
  paginate<T>(c: FakeContext, items: T[]): T[];
}

const LEVELS = new Set(['notice', 'warning', 'failure']);
const CONCLUSIONS = new Set([
  'action_required',
  'cancelled',
  'failure',
  'neutral',
  'success',
  'skipped',
  'stale',
  'timed_out',
]);

const key = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase();
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function repoWorkRoutes(app: Hono<FakeEnv>, env: Env): RepoWorkControls {
  const issues: FakeIssue[] = [];
  const checkRuns: RecordedCheckRun[] = [];
  const branches = new Set<string>();
  let nextIssue = 5_001;
  let nextCheckRun = 7_000_000_001;
  const param = (c: FakeContext, name: string) => c.req.param(name) ?? '';

  const issueJson = (c: FakeContext, i: FakeIssue) => ({
    id: 6_000_000_000 + i.number,
    node_id: Buffer.from(`05:Issue${i.number}`).toString('base64'),
    url: `${new URL(c.req.url).origin}/repos/${i.owner}/${i.repo}/issues/${i.number}`,
    html_url: `${env.htmlBase}/${i.owner}/${i.repo}/issues/${i.number}`,
    number: i.number,
    state: i.state,
    title: i.title,
    body: i.body,
    user: env.bot,
    labels: i.labels.map((name) => ({ name })),
    assignees: [],
    comments: 0,
    created_at: iso(Date.now()),
    author_association: 'NONE',
  });
  const find = (c: FakeContext) =>
    issues.find(
      (i) =>
        key(i.owner, i.repo) === key(param(c, 'owner'), param(c, 'repo')) &&
        i.number === Number(param(c, 'number')),
    );

  app.post('/repos/:owner/:repo/issues', (c) => {
    const body = env.body(c);
    if (typeof body.title !== 'string' || body.title === '') {
      return env.ghError(c, 422, 'Invalid request.\n\n"title" wasn\'t supplied.');
    }
    const labels = Array.isArray(body.labels)
      ? body.labels.filter((l) => typeof l === 'string')
      : [];
    const issue: FakeIssue = {
      owner: param(c, 'owner'),
      repo: param(c, 'repo'),
      number: nextIssue++,
      title: body.title,
      body: typeof body.body === 'string' ? body.body : '',
      labels,
      state: 'open',
      author: env.bot.login,
    };
    issues.push(issue);
    return c.json(issueJson(c, issue), 201);
  });

  app.get('/repos/:owner/:repo/issues', (c) => {
    const state = c.req.query('state') ?? 'open';
    const wanted = (c.req.query('labels') ?? '').split(',').filter((l) => l !== '');
    const listed = issues.filter(
      (i) =>
        key(i.owner, i.repo) === key(param(c, 'owner'), param(c, 'repo')) &&
        (state === 'all' || i.state === state) &&
        wanted.every((l) => i.labels.includes(l)),
    );
    if (c.req.query('direction') === 'desc') listed.reverse();
    return c.json(env.paginate(c, listed).map((i) => issueJson(c, i)));
  });

  app.get('/repos/:owner/:repo/issues/:number{[0-9]+}', (c) => {
    const issue = find(c);
    return issue ? c.json(issueJson(c, issue)) : env.ghError(c, 404, 'Not Found');
  });

  app.patch('/repos/:owner/:repo/issues/:number{[0-9]+}', (c) => {
    const issue = find(c);
    if (!issue) return env.ghError(c, 404, 'Not Found');
    const body = env.body(c);
    if (body.state === 'open' || body.state === 'closed') issue.state = body.state;
    return c.json(issueJson(c, issue));
  });

  app.get('/repos/:owner/:repo/branches/:branch{.+}', (c) => {
    const name = param(c, 'branch');
    const exists =
      name === env.defaultBranch ||
      branches.has(`${key(param(c, 'owner'), param(c, 'repo'))}:${name}`);
    if (!exists) return env.ghError(c, 404, 'Branch not found');
    return c.json({ name, commit: { sha: 'f'.repeat(40) }, protected: false });
  });

  app.post('/repos/:owner/:repo/check-runs', (c) => {
    const body = env.body(c);
    if (typeof body.name !== 'string' || typeof body.head_sha !== 'string') {
      return env.ghError(c, 422, 'Invalid request.\n\n"name" and "head_sha" are required.');
    }
    const status = typeof body.status === 'string' ? body.status : 'queued';
    const conclusion = typeof body.conclusion === 'string' ? body.conclusion : null;
    if (status === 'completed' && (conclusion === null || !CONCLUSIONS.has(conclusion))) {
      return env.ghError(
        c,
        422,
        'Invalid request.\n\n"conclusion" is required when status is completed.',
      );
    }
    let output: RecordedCheckRun['output'] = null;
    if (body.output !== undefined) {
      const o = body.output as Record<string, unknown>;
      if (typeof o.title !== 'string' || typeof o.summary !== 'string') {
        return env.ghError(
          c,
          422,
          'Invalid request.\n\n"title" and "summary" are required in output.',
        );
      }
      const annotations = Array.isArray(o.annotations) ? o.annotations : [];
      if (annotations.length > 50) {
        return env.ghError(
          c,
          422,
          'Invalid request.\n\nOnly 50 annotations are allowed per request.',
        );
      }
      for (const a of annotations as Record<string, unknown>[]) {
        if (
          typeof a.path !== 'string' ||
          !Number.isInteger(a.start_line) ||
          !Number.isInteger(a.end_line) ||
          typeof a.message !== 'string' ||
          !LEVELS.has(String(a.annotation_level))
        ) {
          return env.ghError(c, 422, 'Invalid request.\n\nInvalid annotation.');
        }
      }
      output = {
        title: o.title,
        summary: o.summary,
        annotations: annotations as NonNullable<RecordedCheckRun['output']>['annotations'],
      };
    }
    const run: RecordedCheckRun = {
      owner: param(c, 'owner'),
      repo: param(c, 'repo'),
      id: nextCheckRun++,
      name: body.name,
      headSha: body.head_sha,
      status,
      conclusion,
      output,
    };
    checkRuns.push(run);
    return c.json(
      {
        id: run.id,
        head_sha: run.headSha,
        name: run.name,
        status: run.status,
        conclusion: run.conclusion,
        html_url: `${env.htmlBase}/${run.owner}/${run.repo}/runs/${run.id}`,
        output: output
          ? {
              title: output.title,
              summary: output.summary,
              annotations_count: output.annotations.length,
            }
          : { title: null, summary: null, annotations_count: 0 },
        app: { slug: env.bot.login.replace(/\[bot\]$/, '') },
      },
      201,
    );
  });

  return {
    issues: (owner, repo) =>
      issues.filter((i) => key(i.owner, i.repo) === key(owner, repo)).map((i) => ({ ...i })),
    closeIssue: (owner, repo, number) => {
      const issue = issues.find(
        (i) => key(i.owner, i.repo) === key(owner, repo) && i.number === number,
      );
      if (issue) issue.state = 'closed';
    },
    addBranch: (owner, repo, branch) => branches.add(`${key(owner, repo)}:${branch}`),
    checkRuns: (owner, repo) =>
      checkRuns.filter((r) => key(r.owner, r.repo) === key(owner, repo)).map((r) => ({ ...r })),
  };
}
