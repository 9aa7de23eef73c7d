/**
 * `pnpm replay-sample`: plays a sample issue life against the local ingress started by
 * `pnpm dev`: the demo issue is assigned to the agent, and closed once the agent runs.
 * Watch it in the Web UI (http://localhost:8233), or with the Temporal CLI where there is none
 * (the cluster of `DEV_TEMPORAL=cluster pnpm dev`). Options:
 *   --issue N      issue number (default: a new number each run)
 *   --keep-open    assign only; close it later with `pnpm replay-sample --close --issue N`
 *   --close        close only
 */
import { parseArgs } from 'node:util';
import { temporalSettings } from '@code-factory/config';
import { taskName } from '@code-factory/naming';
import { samplePayloads, until, webhookRequest } from '@code-factory/testkit';
import { stateQuery } from '@code-factory/workflows';
import { Client, Connection } from '@temporalio/client';
import { DEMO } from './dev-fakes';

const { values } = parseArgs({
  options: {
    issue: { type: 'string' },
    'keep-open': { type: 'boolean', default: false },
    close: { type: 'boolean', default: false },
  },
});

const ingress = `http://localhost:${process.env.PORT ?? 8787}/webhooks/github`;
const secret = process.env.WEBHOOK_SECRET ?? 'dev-webhook-secret';
const issueNumber = Number(values.issue ?? Math.floor(Date.now() / 1000) % 100_000);
const repo = { owner: DEMO.owner, name: DEMO.repo };
const workflowId = taskName(process.env.CODER_TASK_NAME_PREFIX ?? 'gh', repo, issueNumber);
const common = {
  owner: DEMO.owner,
  repo: DEMO.repo,
  issueNumber,
  sender: DEMO.githubLogin,
  senderId: DEMO.githubUserId,
};

async function deliver(event: string, payload: unknown) {
  const request = await webhookRequest({ secret, event, payload });
  const response = await fetch(ingress, { method: 'POST', ...request });
  console.log(`${event}: HTTP ${response.status} ${await response.text()}`);
  if (response.status >= 300) process.exitCode = 1;
}

async function waitForPhase(client: Client, phases: string[], timeoutMs = 60_000) {
  const handle = client.workflow.getHandle(workflowId);
  let last = '';
  const state = await until(
    async () => {
      const state = await handle.query(stateQuery);
      if (state.phase !== last) {
        last = state.phase;
        console.log(`phase: ${state.phase}`);
      }
      return phases.includes(state.phase) && state;
    },
    `${workflowId} to reach ${phases.join('/')}`,
    timeoutMs,
    500,
  );
  return state.phase;
}

async function main() {
  const settings = temporalSettings({
    TEMPORAL_ADDRESS: `localhost:${process.env.DEV_TEMPORAL_PORT ?? 7233}`,
    ...process.env,
  });
  const connection = await Connection.connect({ address: settings.address });
  const client = new Client({ connection, namespace: settings.namespace });
  // The dev server serves a Web UI; the cluster of `DEV_TEMPORAL=cluster pnpm dev` has none.
  const ui = `http://localhost:${process.env.DEV_TEMPORAL_UI_PORT ?? 8233}`;
  const hasUi = await fetch(ui, { signal: AbortSignal.timeout(1_000) }).then(
    () => true,
    () => false,
  );
  console.log(
    hasUi
      ? `workflow: ${workflowId}  (Web UI: ${ui}/namespaces/${settings.namespace}/workflows/${workflowId})`
      : `workflow: ${workflowId}  (no Web UI at ${ui}; its history: pnpm temporal workflow show -w ${workflowId} --address ${settings.address})`,
  );
  if (!values.close) {
    await deliver(
      'issues',
      samplePayloads.issueAssigned({ ...common, title: 'Sample: add a greeting' }),
    );
    await waitForPhase(client, ['ready', 'working', 'failed']);
  }
  if (!values['keep-open']) {
    await deliver('issues', samplePayloads.issueClosed(common));
    const result = await client.workflow.getHandle(workflowId).result();
    console.log(`workflow finished: ${result}`);
  }
  await connection.close();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
