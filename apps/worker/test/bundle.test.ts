/**
 * The workflow bundle stays lean: every cached workflow evaluates what the bundle imports, so
 * a heavy library there costs memory per open issue. Workflow code checks signal input with
 * its own guards (packages/workflows/src/guards.ts); zod stays at the edges.
 */
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../src/worker';

describe('workflow bundle', () => {
  it('imports no zod, and nothing that does I/O', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath,
      logger: new DefaultLogger('WARN'),
    });
    const modules = [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((m) => m[1] ?? '');
    expect(modules.length).toBeGreaterThan(10);
    expect(modules.filter((m) => /\/zod\//.test(m))).toEqual([]);
    expect(modules.filter((m) => /\/(ws|octokit|@octokit|hono|smol-toml)\//.test(m))).toEqual([]);
  });
});
