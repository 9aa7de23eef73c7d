import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { common, ctx } from '../classify-fixtures';

describe('workflow_run.completed', () => {
  it('routes failures', () => {
    const payload = samplePayloads.workflowRunCompleted({
      runId: 99,
      headSha: 'f'.repeat(40),
      headBranch: 'fix-42',
      pullRequests: [{ number: 7, headSha: 'f'.repeat(40) }],
    });
    expect(classify('workflow_run', payload, ctx)).toEqual({
      action: 'route',
      event: {
        ...common,
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
      },
    });
  });

  it('routes fork runs without pull requests too', () => {
    const payload = samplePayloads.workflowRunCompleted();
    expect(classify('workflow_run', payload, ctx)).toMatchObject({
      action: 'route',
      event: { pullRequestNumbers: [] },
    });
  });

  it.each(['success', 'cancelled'] as const)('skips %s', (conclusion) => {
    const payload = samplePayloads.workflowRunCompleted({ conclusion });
    expect(classify('workflow_run', payload, ctx)).toMatchObject({ action: 'skip' });
  });

  it('skips runs that are not completed', () => {
    const payload = { ...samplePayloads.workflowRunCompleted(), action: 'requested' };
    expect(classify('workflow_run', payload, ctx)).toMatchObject({ action: 'skip' });
  });
});
