/**
 * GitHub Actions runs, their jobs and job logs:
 *  - "Get a workflow run" `GET /repos/{owner}/{repo}/actions/runs/{run_id}`:
 *    https://docs.github.com/en/rest/actions/workflow-runs#get-a-workflow-run
 *  - "List jobs for a workflow run" `GET …/runs/{run_id}/jobs` (`{ total_count, jobs }`,
 *    paginated): https://docs.github.com/en/rest/actions/workflow-jobs
 *  - "Download job logs for a workflow run" `GET …/actions/jobs/{job_id}/logs`: a 302 to a
 *    short-lived URL on another origin (storage), which takes no Authorization header.
 */
import type { Hono } from 'hono';
import type { FakeEnv } from '../http-fake';
import {
  apiBase,
  type GitHubState,
  iso,
  notFound,
  ownerRepo,
  paginate,
  repoKey,
  type StoredRun,
} from './state';

export function registerActionsRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  const htmlBase = state.htmlBase;
  const jobJson = (run: StoredRun, job: StoredRun['jobs'][number]) => ({
    id: job.id,
    run_id: run.runId,
    workflow_name: run.name,
    head_branch: run.headBranch,
    head_sha: run.headSha,
    html_url: `${htmlBase}/${run.owner}/${run.repo}/actions/runs/${run.runId}/job/${job.id}`,
    status: job.status ?? 'completed',
    conclusion: job.conclusion,
    created_at: iso(job.createdAt),
    started_at: iso(job.createdAt),
    completed_at: (job.status ?? 'completed') === 'completed' ? iso(job.createdAt) : null,
    name: job.name,
    steps: [],
    labels: ['ubuntu-latest'],
  });

  app.get('/repos/:owner/:repo/actions/runs/:runId', (c) => {
    const run = state.runs.get(`${repoKey(...ownerRepo(c))}#${c.req.param('runId')}`);
    if (!run) return notFound(c);
    const failed = run.jobs.some((j) => j.conclusion === 'failure');
    return c.json({
      id: run.runId,
      name: run.name,
      path: run.path,
      head_sha: run.headSha,
      head_branch: run.headBranch,
      status: 'completed',
      conclusion: failed ? 'failure' : 'success',
      html_url: `${htmlBase}/${run.owner}/${run.repo}/actions/runs/${run.runId}`,
      jobs_url: `${apiBase(c)}/repos/${run.owner}/${run.repo}/actions/runs/${run.runId}/jobs`,
      pull_requests: [],
    });
  });

  app.get('/repos/:owner/:repo/actions/runs/:runId/jobs', (c) => {
    const run = state.runs.get(`${repoKey(...ownerRepo(c))}#${c.req.param('runId')}`);
    if (!run) return notFound(c);
    return c.json({
      total_count: run.jobs.length,
      jobs: paginate(c, run.jobs).map((j) => jobJson(run, j)),
    });
  });

  app.get('/repos/:owner/:repo/actions/jobs/:jobId/logs', (c) => {
    const entry = state.jobs.get(Number(c.req.param('jobId')));
    if (!entry || repoKey(entry.run.owner, entry.run.repo) !== repoKey(...ownerRepo(c))) {
      return notFound(c);
    }
    return c.redirect(`${state.logsUrl ?? apiBase(c)}/_logs/${entry.job.id}?sig=signed`, 302);
  });

  // The pre-signed download URL (served by startFakeGitHub on a second origin).
  app.get('/_logs/:jobId', (c) => {
    const entry = state.jobs.get(Number(c.req.param('jobId')));
    if (!entry) return c.text('Not Found', 404);
    return c.body(entry.job.log ?? '', 200, {
      'content-type': entry.job.logContentType ?? 'text/plain; charset=utf-8',
    });
  });
}
