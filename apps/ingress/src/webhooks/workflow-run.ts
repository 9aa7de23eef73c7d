/**
 * `workflow_run`: a failed CI run goes to the repository workflow, which finds the agent's
 * pull requests at the run's commit and their issues (or a failed-run hook of the config),
 * and re-runs the failed jobs before it tells the agent (`[shepherd] rerun_failed_jobs`). A
 * run that succeeds on a later attempt goes there too: the jobs that failed before and pass
 * now are flakes. `run_attempt` counts from 1 ("Get a workflow run",
 * https://docs.github.com/en/rest/actions/workflow-runs#get-a-workflow-run; the payload:
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#workflow_run).
 */
import { z } from 'zod';
import { positiveInt, webhook } from './handler';

const Payload = z.object({
  workflow_run: z.object({
    id: positiveInt,
    name: z.string().nullish(),
    path: z.string(),
    html_url: z.url(),
    head_sha: z.string().min(7),
    head_branch: z.string().nullish(),
    conclusion: z.string().nullish(),
    run_attempt: positiveInt.default(1),
    pull_requests: z.array(z.object({ number: positiveInt })),
  }),
});

export const workflowRun = webhook({
  event: 'workflow_run',
  actions: ['completed'],
  payload: Payload,
  classify({ workflow_run: run }, _ctx, base) {
    const rerunPassed = run.conclusion === 'success' && run.run_attempt > 1;
    if (run.conclusion !== 'failure' && !rerunPassed) {
      return {
        action: 'skip',
        reason:
          run.conclusion === 'success'
            ? 'workflow run succeeded on its first attempt'
            : `workflow run concluded ${run.conclusion ?? 'without conclusion'}`,
      };
    }
    return {
      action: 'route',
      event: {
        ...base,
        kind: 'route.ci',
        pullRequestNumbers: run.pull_requests.map((pr) => pr.number),
        run: {
          id: run.id,
          name: run.name ?? '',
          path: run.path,
          url: run.html_url,
          headSha: run.head_sha,
        },
        headBranch: run.head_branch ?? '',
        attempt: run.run_attempt,
        ...(rerunPassed ? { conclusion: 'success' as const } : {}),
      },
    };
  },
});
