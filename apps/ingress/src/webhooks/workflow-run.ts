/**
 * `workflow_run`: a failed CI run goes to the repository workflow, which finds the agent's
 * pull requests at the run's commit and their issues (or a failed-run hook of the config).
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
    pull_requests: z.array(z.object({ number: positiveInt })),
  }),
});

export const workflowRun = webhook({
  event: 'workflow_run',
  actions: ['completed'],
  payload: Payload,
  classify({ workflow_run: run }, _ctx, base) {
    if (run.conclusion !== 'failure') {
      return {
        action: 'skip',
        reason: `workflow run concluded ${run.conclusion ?? 'without conclusion'}`,
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
      },
    };
  },
});
