import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { ctx, invalid, route, skip } from '../classify-fixtures';

describe('workflow_run.completed', () => {
  it('routes failures with their attempt', () => {
    const payload = samplePayloads.workflowRunCompleted({
      runId: 99,
      headSha: 'f'.repeat(40),
      headBranch: 'fix-42',
      pullRequests: [{ number: 7, headSha: 'f'.repeat(40) }],
    });
    expect(classify('workflow_run', payload, ctx)).toEqual(
      route({
        kind: 'route.ci',
        pullRequestNumbers: [7],
        run: {
          id: 99,
          name: 'CI',
          path: '.github/workflows/ci.yml',
          url: 'https://github.com/acme/widgets/actions/runs/99',
          headSha: 'f'.repeat(40),
        },
        headBranch: 'fix-42',
        attempt: 1,
      }),
    );
  });

  it('routes a re-run that failed again with its attempt', () => {
    const payload = samplePayloads.workflowRunCompleted({ runAttempt: 2 });
    const decision = classify('workflow_run', payload, ctx);
    expect(decision).toMatchObject({ action: 'route', event: { kind: 'route.ci', attempt: 2 } });
    expect((decision as { event: object }).event).not.toHaveProperty('conclusion');
  });

  it('routes a re-run that passed: it may end a flake', () => {
    const payload = samplePayloads.workflowRunCompleted({ conclusion: 'success', runAttempt: 2 });
    expect(classify('workflow_run', payload, ctx)).toMatchObject({
      action: 'route',
      event: { kind: 'route.ci', attempt: 2, conclusion: 'success' },
    });
  });

  it('reads a payload without run_attempt as the first attempt', () => {
    const payload = samplePayloads.workflowRunCompleted();
    delete (payload.workflow_run as { run_attempt?: number }).run_attempt;
    expect(classify('workflow_run', payload, ctx)).toMatchObject({ event: { attempt: 1 } });
  });

  it('routes fork runs without pull requests too', () => {
    const payload = samplePayloads.workflowRunCompleted();
    expect(classify('workflow_run', payload, ctx)).toMatchObject({
      action: 'route',
      event: { pullRequestNumbers: [] },
    });
  });

  it('skips a first attempt that succeeded', () => {
    const payload = samplePayloads.workflowRunCompleted({ conclusion: 'success' });
    expect(classify('workflow_run', payload, ctx)).toEqual(
      skip('workflow run succeeded on its first attempt'),
    );
  });

  it.each(['cancelled', 'skipped', 'timed_out'] as const)('skips %s', (conclusion) => {
    const payload = samplePayloads.workflowRunCompleted({ conclusion, runAttempt: 2 });
    expect(classify('workflow_run', payload, ctx)).toEqual(
      skip(`workflow run concluded ${conclusion}`),
    );
  });

  it('names a bad run_attempt', () => {
    const payload = samplePayloads.workflowRunCompleted({ runAttempt: 0 });
    expect(classify('workflow_run', payload, ctx)).toMatchObject(
      invalid('workflow_run.run_attempt'),
    );
  });

  it('skips runs that are not completed', () => {
    const payload = { ...samplePayloads.workflowRunCompleted(), action: 'requested' };
    expect(classify('workflow_run', payload, ctx)).toMatchObject({ action: 'skip' });
  });
  it('routes a failed run on the default branch too: it may be at a merge being followed', () => {
    const payload = samplePayloads.workflowRunCompleted({
      headSha: 'e'.repeat(40),
      headBranch: 'main',
      event: 'push',
    });
    expect(classify('workflow_run', payload, ctx)).toMatchObject({
      action: 'route',
      event: { kind: 'route.ci', pullRequestNumbers: [], headBranch: 'main' },
    });
  });

  it('rejects a malformed run with its field, before anything is routed', () => {
    const payload = samplePayloads.workflowRunCompleted();
    (payload.workflow_run as { head_sha: unknown }).head_sha = 'abc';
    expect(classify('workflow_run', payload, ctx)).toMatchObject(invalid('workflow_run.head_sha'));
  });
});
