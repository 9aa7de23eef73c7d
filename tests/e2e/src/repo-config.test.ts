/**
 * Repo config end to end: a push to the default branch stores `.code-factory/config.toml`
 * in the repository workflow, and the next task is created from the config-aware template
 * with the JSON input. Invalid configs are reported by path and problem and change nothing.
 */

import { repositoryWorkflowId } from '@code-factory/naming';
import { samplePayloads, until } from '@code-factory/testkit';
import { type RepoConfigState, repoConfigQuery, stateQuery } from '@code-factory/workflows';
import { describe, expect, it } from 'vitest';
import { suiteStack } from './suite-stack';

// Coder Tasks, on the last Coder that has them.
const stack = suiteStack({ coderRelease: '2.36', workerEnv: { CODER_BACKEND: 'tasks' } });

const CONFIG = `
[sandbox]
size = "large"
docker = true
volumes = [{ path = "/cache", size = "20gb" }]

[harness]
provider = "claude_code"

[something_new]
ignored = true
`;

/**
 * Pushes `config` to the default branch at `sha` and waits until the repository workflow's
 * state satisfies `done`; returns that state.
 */
async function pushConfig(sha: string, config: string, done: (state: RepoConfigState) => boolean) {
  const { owner, name } = stack.repo;
  stack.github.setFile(owner, name, sha, '.code-factory/config.toml', config);
  await stack.deliverAccepted('push', samplePayloads.push({ owner, repo: name, after: sha }));
  const repoWorkflow = stack.client.workflow.getHandle(repositoryWorkflowId(stack.repo));
  return until(async () => {
    const state = await repoWorkflow.query(repoConfigQuery);
    return done(state) && state;
  }, `the repository workflow at ${sha}`);
}

describe('repo config', () => {
  it('stores the config of a default-branch push and creates the next task from it', async () => {
    const { owner, name } = stack.repo;
    const sha = '1'.repeat(40);
    const configTemplate = stack.configTemplate;
    const stored = await pushConfig(sha, CONFIG, (state) => state.sha === sha);
    // Sparse: what the repository wrote, normalised; unknown keys dropped.
    expect(stored.config).toEqual({
      sandbox: { size: 'large', docker: true, volumes: [{ path: '/cache', size: '20Gi' }] },
      harness: { provider: 'claude_code' },
    });

    const number = 6101;
    const assigned = await stack.deliver(
      'issues',
      samplePayloads.issueAssigned(stack.issue(number)),
    );
    expect(assigned.status).toBe(202);
    const create = await until(
      async () =>
        stack.coder
          .callsTo('POST', /^\/api\/v2\/tasks\/[^/]+$/)
          .find((c) => (c.body as { name: string }).name === stack.taskName(number)),
      'task create',
    );
    const body = create.body as { template_version_id: string; input: string };
    expect(body.template_version_id).toBe(configTemplate.activeVersionId);
    expect(JSON.parse(body.input)).toEqual({
      repo_url: `https://github.com/${owner}/${name}`,
      repo_name: `${owner}/${name}`,
      prompt: `https://github.com/${owner}/${name}/issues/${number}`,
      harness_provider: 'claude_code',
      sandbox_size: 'large',
      docker: true,
      volumes: [{ path: '/cache', size: '20Gi' }],
    });
    const task = stack.client.workflow.getHandle(stack.taskName(number));
    await until(
      async () => ((await task.query(stateQuery)).phase === 'ready' ? true : undefined),
      'ready',
    );
    await stack.deliver(
      'issues',
      samplePayloads.issueClosed({ owner, repo: name, issueNumber: number }),
    );
    expect(await task.result()).toBe('closed');
  });

  it('keeps the previous config when a push brings an invalid one, and names the problem', async () => {
    const invalid = '[sandbox]\nsize = "enormous"\n';
    const state = await pushConfig('2'.repeat(40), invalid, (s) => Boolean(s.errors));
    expect(state.errors?.[0]).toMatch(/^sandbox\.size: /);
    expect(state.errors?.join(' ')).not.toContain('enormous');
    expect(state.sha).toBe('1'.repeat(40));
  });

  it('reads no config from a push to another branch, and skips tags', async () => {
    const { owner, name } = stack.repo;
    const repoWorkflow = repositoryWorkflowId(stack.repo);
    const before = await stack.client.workflow.getHandle(repoWorkflow).query(repoConfigQuery);
    // Routed (it may move agent pull requests: the shepherd), never read as the config.
    const branch = await stack.deliver(
      'push',
      samplePayloads.push({ owner, repo: name, ref: 'refs/heads/feature', after: 'f'.repeat(40) }),
    );
    expect(branch.status).toBe(202);
    await stack.waitForIdle(repoWorkflow);
    const after = await stack.client.workflow.getHandle(repoWorkflow).query(repoConfigQuery);
    expect(after).toEqual(before);
    expect(
      stack.github
        .callsTo('GET', /\/contents\/\.code-factory\/config\.toml$/)
        .map((c) => c.query.ref),
    ).not.toContain('f'.repeat(40));

    const signals = await stack.signalCount(repoWorkflow);
    const tag = await stack.deliver(
      'push',
      samplePayloads.push({ owner, repo: name, ref: 'refs/tags/v1' }),
    );
    expect(tag.status).toBe(200);
    expect(tag.body).toMatchObject({ ok: true, skipped: 'push not to a branch' });
    expect(await stack.signalCount(repoWorkflow)).toBe(signals);
  });

  it('serves the JSON Schema for editors', async () => {
    const res = await fetch(`${stack.ingressUrl}/schema.json`);
    expect(res.status).toBe(200);
    const schema = (await res.json()) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['sandbox', 'harness', 'scheduled_jobs', 'on_event', 'agent']),
    );
  });
});
