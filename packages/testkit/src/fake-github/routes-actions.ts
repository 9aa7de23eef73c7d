/**
 * GitHub Actions runs, their attempts, jobs and job logs, and check runs:
 *  - "Get a workflow run" (its latest attempt) and "Get a workflow run attempt":
 *    https://docs.github.com/en/rest/actions/workflow-runs#get-a-workflow-run
 *    https://docs.github.com/en/rest/actions/workflow-runs#get-a-workflow-run-attempt
 *  - "List workflow runs for a repository" and "… for a workflow" (`workflow_id`: the id or the
 *    file name; `status`: a status or a conclusion), newest first:
 *    https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository
 *    https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow
 *  - "Re-run failed jobs from a workflow run" → 201 and a new attempt; at most 50 re-runs:
 *    https://docs.github.com/en/rest/actions/workflow-runs#re-run-failed-jobs-from-a-workflow-run
 *    https://docs.github.com/en/actions/managing-workflow-runs/re-running-workflows-and-jobs
 *  - "List jobs for a workflow run" (`filter=latest` by default) and "… run attempt":
 *    https://docs.github.com/en/rest/actions/workflow-jobs
 *  - "Download job logs for a workflow run": a 302 to a short-lived URL on another origin
 *    (storage), which takes no Authorization header.
 *  - "Create a check run" (`output` at most 50 annotations per request):
 *    https://docs.github.com/en/rest/checks/runs#create-a-check-run
 */
import type { Hono } from 'hono';
import { bodyOf, type FakeContext, type FakeEnv } from '../http-fake';
import { apiBase, ghError, invalidRequest, iso, notFound, ownerRepo, paginate } from './http';
import {
  conclusionOf,
  type GitHubState,
  inRepo,
  type RecordedCheckRun,
  type RunAttempt,
  type StoredJob,
  type StoredRun,
} from './state';

/** GitHub refuses more re-runs than this (the docs' limit; the refusal's wording is ours). */
const MAX_RERUNS = 50;
const RUN_STATUSES = new Set(['queued', 'in_progress', 'completed', 'requested', 'waiting']);
const LEVELS = new Set(['notice', 'warning', 'failure']);
const CHECK_CONCLUSIONS = new Set(
  'action_required cancelled failure neutral success skipped stale timed_out'.split(' '),
);

export function registerActionsRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  const runsUrl = (run: StoredRun, base: string) =>
    `${base}/${run.owner}/${run.repo}/actions/runs/${run.runId}`;
  const jobJson = (run: StoredRun, job: StoredJob) => ({
    id: job.id,
    run_id: run.runId,
    run_attempt: job.runAttempt,
    workflow_name: run.name,
    head_branch: run.headBranch,
    head_sha: run.headSha,
    html_url: `${runsUrl(run, state.htmlBase)}/job/${job.id}`,
    status: job.status ?? 'completed',
    conclusion: job.conclusion,
    created_at: iso(job.createdAt),
    started_at: iso(job.createdAt),
    completed_at: (job.status ?? 'completed') === 'completed' ? iso(job.createdAt) : null,
    name: job.name,
    steps: [],
    labels: ['ubuntu-latest'],
  });
  const jobsJson = (c: FakeContext, run: StoredRun, jobs: StoredJob[]) =>
    c.json({ total_count: jobs.length, jobs: paginate(c, jobs).map((j) => jobJson(run, j)) });

  const runJson = (c: FakeContext, run: StoredRun, attempt: RunAttempt) => {
    const url = runsUrl(run, `${apiBase(c)}/repos`);
    return {
      id: run.runId,
      name: run.name,
      path: run.path,
      workflow_id: run.workflowId,
      event: run.event,
      head_sha: run.headSha,
      head_branch: run.headBranch,
      run_attempt: attempt.number,
      status: attempt.status,
      conclusion: conclusionOf(attempt.jobs, attempt.status),
      created_at: iso(run.createdAt),
      run_started_at: iso(attempt.createdAt),
      updated_at: iso(attempt.createdAt),
      html_url: runsUrl(run, state.htmlBase),
      url,
      jobs_url: `${url}/jobs`,
      previous_attempt_url: attempt.number > 1 ? `${url}/attempts/${attempt.number - 1}` : null,
      workflow_url: `${apiBase(c)}/repos/${run.owner}/${run.repo}/actions/workflows/${run.workflowId}`,
      pull_requests: [],
    };
  };

  const latest = (run: StoredRun) => run.attempts.at(-1) as RunAttempt;
  const findRun = (c: FakeContext) => state.run(...ownerRepo(c), c.req.param('runId') ?? '');
  const findAttempt = (c: FakeContext) => {
    const run = findRun(c);
    const attempt = run?.attempts[Number(c.req.param('attempt')) - 1];
    return run && attempt ? { run, attempt } : undefined;
  };

  /** Runs of the repository matching the list filters, newest first. */
  const listRuns = (c: FakeContext, workflow?: string) => {
    const q = (name: string) => c.req.query(name);
    const status = q('status');
    const runs = [...state.runs.values()]
      .filter(
        (r) =>
          inRepo(...ownerRepo(c))(r) &&
          (workflow === undefined ||
            String(r.workflowId) === workflow ||
            r.path.split('/').pop() === workflow) &&
          (!q('branch') || r.headBranch === q('branch')) &&
          (!q('event') || r.event === q('event')) &&
          (!q('head_sha') || r.headSha === q('head_sha')),
      )
      .filter((r) => {
        const { jobs, status: now } = latest(r);
        return !status || (RUN_STATUSES.has(status) ? now : conclusionOf(jobs, now)) === status;
      })
      .sort((a, b) => b.createdAt - a.createdAt || b.runId - a.runId);
    const page = paginate(c, runs).map((r) => runJson(c, r, latest(r)));
    return c.json({ total_count: runs.length, workflow_runs: page });
  };

  app.get('/repos/:owner/:repo/actions/runs', (c) => listRuns(c));
  app.get('/repos/:owner/:repo/actions/workflows/:workflow/runs', (c) =>
    listRuns(c, c.req.param('workflow')),
  );

  app.get('/repos/:owner/:repo/actions/runs/:runId', (c) => {
    const run = findRun(c);
    return run ? c.json(runJson(c, run, latest(run))) : notFound(c);
  });

  app.get('/repos/:owner/:repo/actions/runs/:runId/attempts/:attempt', (c) => {
    const found = findAttempt(c);
    return found ? c.json(runJson(c, found.run, found.attempt)) : notFound(c);
  });

  app.get('/repos/:owner/:repo/actions/runs/:runId/jobs', (c) => {
    const run = findRun(c);
    if (!run) return notFound(c);
    const all = c.req.query('filter') === 'all';
    return jobsJson(c, run, all ? [...new Set(run.attempts.flatMap((a) => a.jobs))] : run.jobs);
  });

  app.get('/repos/:owner/:repo/actions/runs/:runId/attempts/:attempt/jobs', (c) => {
    const found = findAttempt(c);
    return found ? jobsJson(c, found.run, found.attempt.jobs) : notFound(c);
  });

  app.post('/repos/:owner/:repo/actions/runs/:runId/rerun-failed-jobs', (c) => {
    const run = findRun(c);
    if (!run) return notFound(c);
    if (latest(run).status !== 'completed') {
      return ghError(c, 403, 'This workflow run is not completed.');
    }
    if (run.attempts.length > MAX_RERUNS) {
      return ghError(c, 403, `This workflow run cannot be re-run more than ${MAX_RERUNS} times.`);
    }
    state.rerunFailedJobs(run);
    return c.json({}, 201);
  });

  app.get('/repos/:owner/:repo/actions/jobs/:jobId/logs', (c) => {
    const entry = state.jobs.get(Number(c.req.param('jobId')));
    if (!entry || !inRepo(...ownerRepo(c))(entry.run)) return notFound(c);
    return c.redirect(`${state.logsUrl ?? apiBase(c)}/_logs/${entry.job.id}?sig=signed`, 302);
  });

  // The pre-signed download URL (served by startFakeGitHub on a second origin).
  app.get('/_logs/:jobId', (c) => {
    const job = state.jobs.get(Number(c.req.param('jobId')))?.job;
    if (!job) return c.text('Not Found', 404);
    const type = job.logContentType ?? 'text/plain; charset=utf-8';
    return c.body(job.log ?? '', 200, { 'content-type': type });
  });

  app.post('/repos/:owner/:repo/check-runs', (c) => {
    const body = bodyOf(c);
    if (typeof body.name !== 'string' || typeof body.head_sha !== 'string') {
      return invalidRequest(c, '"name" and "head_sha" are required.');
    }
    const status = typeof body.status === 'string' ? body.status : 'queued';
    const conclusion = typeof body.conclusion === 'string' ? body.conclusion : null;
    if (status === 'completed' && !CHECK_CONCLUSIONS.has(conclusion ?? '')) {
      return invalidRequest(c, '"conclusion" is required when status is completed.');
    }
    const o = body.output as Record<string, unknown> | undefined;
    const annotations = Array.isArray(o?.annotations)
      ? (o.annotations as Record<string, unknown>[])
      : [];
    const why =
      o === undefined
        ? undefined
        : typeof o.title !== 'string' || typeof o.summary !== 'string'
          ? '"title" and "summary" are required in output.'
          : annotations.length > 50
            ? 'Only 50 annotations are allowed per request.'
            : annotations.some(
                  (a) =>
                    typeof a.path !== 'string' ||
                    !Number.isInteger(a.start_line) ||
                    !Number.isInteger(a.end_line) ||
                    typeof a.message !== 'string' ||
                    !LEVELS.has(String(a.annotation_level)),
                )
              ? 'Invalid annotation.'
              : undefined;
    if (why) return invalidRequest(c, why);
    const [owner, repo] = ownerRepo(c);
    const output = o && {
      title: o.title as string,
      summary: o.summary as string,
      annotations: annotations as NonNullable<RecordedCheckRun['output']>['annotations'],
    };
    const id = 7_000_000_001 + state.checkRuns.length;
    const app = { id: state.appId, slug: state.appSlug };
    const run = { owner, repo, id, name: body.name, headSha: body.head_sha };
    state.checkRuns.push({ ...run, status, conclusion, app, output: output ?? null });
    return c.json(
      {
        id,
        head_sha: run.headSha,
        name: run.name,
        status,
        conclusion,
        html_url: `${state.htmlBase}/${owner}/${repo}/runs/${id}`,
        output: {
          title: output?.title ?? null,
          summary: output?.summary ?? null,
          annotations_count: output?.annotations.length ?? 0,
        },
        app,
      },
      201,
    );
  });
}
