/**
 * docs/operations.md cannot rot: every `pnpm temporal` command in its ```bash blocks is run
 * against a dev server of this test's own, with real tasks created through the ingress
 * (fake Coder and GitHub, real worker). Each command must exit 0; a few outputs are
 * checked. A command the table below does not know fails the test with its line, and so
 * does a kind of command the cookbook lost.
 *
 * The document's example names are real here: the stack uses task prefix `gh` and the demo
 * repository acme/widgets, so `gh-widgets-42` is issue 42. Commands that would end or
 * disturb that task run against tasks of their own (their IDs are substituted for
 * `gh-widgets-42`), and the ones that end tasks run last.
 */
import { samplePayloads, until } from '@code-factory/testkit';
import { repoConfigQuery, stateQuery } from '@code-factory/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocCommand, PREFIX, readCookbook, runCli } from './cookbook';
import {
  DEMO_REPO,
  type DevServer,
  LEAD,
  type OpsStack,
  startDevServer,
  startOpsStack,
} from './ops-stack';

const EXAMPLE_ID = 'gh-widgets-42';
const MAIN_TITLE = 'Add a greeting';
const AGENTS_REPO = { owner: 'acme', name: 'gizmos' };
const CONFIG_SHA = 'a'.repeat(40);
/** The scheduled job of acme/widgets's config, as docs/operations.md names it. */
const JOB_SCHEDULE = 'scheduled-acme-widgets-nightly-deps';
const JOB = `[[scheduled_jobs]]
name = "nightly-deps"
branch = "main"
schedule = "0 3 * * *"
prompt = "Update the dependencies."
`;

type Fixture = 'main' | 'failed' | 'failedToo' | 'agents' | 'reset' | 'terminate' | 'encrypted';

/** The codec endpoint as docs/operations.md writes it (pnpm dev's ingress). */
const DOC_CODEC_ENDPOINT = 'http://localhost:8787/codec';
const CODEC_FLAGS =
  ' --codec-endpoint http://localhost:8787/codec --codec-auth "Bearer \\$CODEC_AUTH_TOKEN"';

interface Context {
  stack: OpsStack;
  ids: Record<Fixture, string>;
  /** Run ID of the main task when the commands started. */
  mainRunId: string;
  /** Coder user ID owning the agents task's chat (`<coder user id>` in the document). */
  agentOwner: string;
}

interface Rule {
  name: string;
  match: RegExp;
  /** 0 read, 1 act, 2 end single tasks, 3 batches. Within a stage: document order. */
  stage: 0 | 1 | 2 | 3;
  /** Task whose ID replaces gh-widgets-42. */
  target: Fixture;
  /** Runs before the command (e.g. what an operator fixes before a retry). */
  before?: (ctx: Context) => void | Promise<void>;
  check?: (output: string, ctx: Context) => void | Promise<void>;
}

/** The run a task started with (its start-up), for `--run-id`. */
async function firstRunOf(ctx: Context, workflowId: string): Promise<string> {
  const described = await ctx.stack.client.workflow.getHandle(workflowId).describe();
  const first = described.raw.workflowExecutionInfo?.firstRunId;
  if (!first) throw new Error(`no first run id for ${workflowId}`);
  return first;
}

/** A check that the output shows each of `texts`. */
const shows =
  (...texts: string[]) =>
  (out: string) => {
    for (const text of texts) expect(out).toContain(text);
  };

/** The command that has the agent watch follow an owner, or let one go. */
const watchSignal = (name: 'follow' | 'unfollow') =>
  new RegExp(
    `^workflow signal --workflow-id agent-watch-code-factory --name ${name} --input '\\{"ownerId":"[^"]+"\\}'$`,
  );

/** A check that the agent watch follows the agent's owner once (or not at all), and runs on. */
const watchFollows = (follows: boolean) => async (_out: string, ctx: Context) => {
  const watch = ctx.stack.client.workflow.getHandle('agent-watch-code-factory');
  await until(
    async () => {
      const { owners } = await watch.query<{ owners: string[] }, []>('owners');
      return owners.filter((o) => o === ctx.agentOwner).length === (follows ? 1 : 0);
    },
    `the owner ${follows ? 'followed once' : 'let go'}`,
  );
  expect((await watch.describe()).status.name).toBe('RUNNING');
};

/** A check that the tasks are paused (true) or not (false) as `want` says. */
const paused = (want: Partial<Record<Fixture, boolean>>) => (_out: string, ctx: Context) =>
  pausedAre(ctx, want);

/** A check that the task `fixture` is ready again. */
const ready = (fixture: Fixture) => (_out: string, ctx: Context) =>
  ctx.stack.waitForPhase(ctx.ids[fixture], ['ready']);

/** A check that the output shows the task `shown` and not the task `hidden`. */
const lists =
  (shown: Fixture, hidden: Fixture) =>
  (out: string, { ids }: Context) => {
    expect(out).toContain(ids[shown]);
    expect(out).not.toContain(ids[hidden]);
  };

const RULES: Rule[] = [
  {
    name: 'list failed tasks',
    match: /^workflow list --query "[^"]*CodeFactoryPhase='failed'[^"]*"$/,
    stage: 0,
    target: 'main',
    check: lists('failed', 'main'),
  },
  {
    name: 'list tasks waiting for the budget',
    match: /^workflow list --query "[^"]*CodeFactoryPhase='waiting-for-budget'[^"]*"$/,
    stage: 0,
    target: 'main',
    // No fixture spends its budget: the filter must be accepted and list none of them.
    check: (out, { ids }) => expect(out).not.toContain(ids.main),
  },
  {
    name: 'list tasks watching a merge',
    match: /^workflow list --query "[^"]*CodeFactoryPhase='following'[^"]*"$/,
    stage: 0,
    target: 'main',
    // No fixture's pull request merges (tests/e2e/src/follow-through.test.ts has those): the
    // filter must be accepted and list none of them.
    check: (out, { ids }) => expect(out).not.toContain(ids.main),
  },
  {
    name: 'list tasks of a backend',
    match: /^workflow list --query "[^"]*CodeFactoryBackend='agents'[^"]*"$/,
    stage: 0,
    target: 'main',
    check: lists('agents', 'main'),
  },
  {
    name: 'list tasks of a repository',
    match: /^workflow list --query "CodeFactoryRepository='acme\/widgets'[^"]*"$/,
    stage: 0,
    target: 'main',
    check: lists('main', 'agents'),
  },
  {
    name: 'count',
    match: /^workflow count --query "[^"]+"$/,
    stage: 0,
    target: 'main',
    check: (out) => expect(out).toMatch(/Total: [1-9]/),
  },
  {
    name: 'describe',
    match: /^workflow describe --workflow-id gh-widgets-42$/,
    stage: 0,
    target: 'main',
    check: (out, { ids, mainRunId }) => {
      expect(out).toContain(ids.main);
      expect(out).toContain(mainRunId);
      // The latest run: its search attributes name the issue (the summary is the first run's).
      expect(out).toContain('acme/widgets');
    },
  },
  {
    name: 'runs of one task',
    match: /^workflow list --query "WorkflowId='gh-widgets-42'"$/,
    stage: 0,
    target: 'main',
    check: (out, { ids }) => {
      expect(out).toContain(ids.main);
      // The start-up run, continued as new once the agent ran, and the running one.
      expect(out).toMatch(/ContinuedAsNew/);
      expect(out).toMatch(/Running/);
    },
  },
  {
    name: 'history of one run',
    match: /^workflow show --workflow-id gh-widgets-42 --run-id "\$RUN_ID"$/,
    stage: 0,
    target: 'main',
    before: async (ctx) => {
      process.env.RUN_ID = await firstRunOf(ctx, ctx.ids.main);
    },
    check: shows('ActivityTaskCompleted', 'WorkflowExecutionContinuedAsNew'),
  },
  {
    name: 'history',
    match: /^workflow show --workflow-id gh-widgets-42$/,
    stage: 0,
    target: 'main',
    check: shows('WorkflowExecutionStarted', 'WorkflowTaskCompleted'),
  },
  {
    name: 'state query',
    match: /^workflow query --workflow-id gh-widgets-42 --name state$/,
    stage: 0,
    target: 'main',
    check: shows('"phase"', '"ready"'),
  },
  {
    name: 'repository config query',
    match: /^workflow query --workflow-id repo-acme\/widgets --name repoConfig$/,
    stage: 0,
    target: 'main',
    check: shows(CONFIG_SHA, '"backend"'),
  },
  {
    name: 'agent watch: what Coder offers',
    match: /^workflow describe --workflow-id agent-watch-code-factory$/,
    stage: 0,
    target: 'main',
    check: (out) => {
      expect(out).toContain('agentWatchWorkflow');
      // The stream holder runs.
      expect(out).toMatch(/Type\s+followAgentStreams/);
    },
  },
  {
    name: 'agent watch: the chat owners followed',
    match: /^workflow query --workflow-id agent-watch-code-factory --name owners$/,
    stage: 0,
    target: 'main',
    check: (out, { agentOwner }) => {
      expect(out).toContain(agentOwner);
      expect(out).toContain('"version"');
    },
  },
  {
    name: 'agent watch: follow an owner by hand',
    match: watchSignal('follow'),
    stage: 1,
    target: 'main',
    // Already followed: the list is unchanged.
    check: watchFollows(true),
  },
  {
    name: 'agent watch: let an owner go by hand',
    match: watchSignal('unfollow'),
    // Last: the owner's stream closes, and nothing after this needs it.
    stage: 3,
    target: 'main',
    check: watchFollows(false),
  },
  {
    name: 'send a message',
    match:
      /^workflow update execute --workflow-id gh-widgets-42 --name sendMessage --input '\{.*\}'$/,
    stage: 1,
    target: 'main',
    check: async (out, { stack, ids }) => {
      expect(out).toContain('queued');
      const agent = stack.coder.taskByName(ids.main);
      expect(agent).toBeDefined();
      await until(
        () => stack.coder.inputs(agent?.id ?? '').some((t) => t.includes('Please rebase')),
        'the message reached the agent',
      );
    },
  },
  {
    name: 'retry',
    match: /^workflow update execute --workflow-id gh-widgets-42 --name retry$/,
    stage: 1,
    target: 'failed',
    before: ({ stack, ids }) => {
      // The operator has fixed what broke the start: the Coder task recovered.
      const agent = stack.coder.taskByName(ids.failed);
      stack.coder.setTaskStatus(agent?.id ?? '', 'active', 'idle');
    },
    check: async (out, { stack, ids }) => {
      expect(out).toContain('retrying:start');
      await stack.waitForPhase(ids.failed, ['ready']);
      await until(
        async () => (await stack.client.workflow.count("CodeFactoryPhase='failed'")).count === 1,
        'visibility shows the retried task out of failed',
      );
    },
  },
  {
    name: 'interrupt',
    match: /^workflow update execute --workflow-id gh-widgets-42 --name interrupt$/,
    stage: 1,
    target: 'agents',
    check: (out, { ids }) => expect(out).toContain(ids.agents),
  },
  {
    name: 'pause one task',
    match: /^workflow signal --workflow-id gh-widgets-42 --name pause --input '\{.*\}'$/,
    stage: 1,
    target: 'main',
    check: paused({ main: true }),
  },
  {
    name: 'resume one task',
    match: /^workflow signal --workflow-id gh-widgets-42 --name resume$/,
    stage: 1,
    target: 'main',
    check: paused({ main: false }),
  },
  {
    name: 'pause a repository',
    match:
      /^workflow signal --query "CodeFactoryRepository='acme\/widgets' AND [^"]+" --name pause --input '\{.*\}' --reason "[^"]+" --yes$/,
    stage: 1,
    target: 'main',
    check: paused({ main: true, agents: false }),
  },
  {
    name: 'resume a repository',
    match:
      /^workflow signal --query "CodeFactoryRepository='acme\/widgets' AND [^"]+" --name resume --reason "[^"]+" --yes$/,
    stage: 1,
    target: 'main',
    check: paused({ main: false }),
  },
  {
    name: 'pause the fleet',
    match:
      /^workflow signal --query "WorkflowType='taskWorkflow' AND ExecutionStatus='Running'" --name pause --input '\{.*\}' --reason "[^"]+" --yes$/,
    stage: 1,
    target: 'main',
    check: async (_out, ctx) => {
      await pausedAre(ctx, { main: true, agents: true });
      const { main, agents } = ctx.ids;
      await until(
        async () =>
          (
            await ctx.stack.client.workflow.count(
              `CodeFactoryPaused=true AND WorkflowId IN ('${main}', '${agents}')`,
            )
          ).count === 2,
        'visibility shows both tasks paused',
      );
    },
  },
  {
    name: 'list paused tasks',
    match: /^workflow list --query "[^"]*CodeFactoryPaused=true[^"]*"$/,
    stage: 1,
    target: 'main',
    check: (out, { ids }) => {
      expect(out).toContain(ids.main);
      expect(out).toContain(ids.agents);
    },
  },
  {
    name: 'resume the fleet',
    match:
      /^workflow signal --query "WorkflowType='taskWorkflow' AND ExecutionStatus='Running'" --name resume --reason "[^"]+" --yes$/,
    stage: 1,
    target: 'main',
    check: paused({ main: false, agents: false }),
  },
  {
    name: 'reset to the last workflow task',
    match: /^workflow reset --workflow-id gh-widgets-42 --type LastWorkflowTask --reason "[^"]+"$/,
    stage: 1,
    target: 'reset',
    check: ready('reset'),
  },
  {
    name: 'reset to an event',
    match:
      /^workflow reset --workflow-id gh-widgets-42 --run-id "\$RUN_ID" --event-id \d+ --reason "[^"]+"$/,
    stage: 1,
    target: 'reset',
    before: async (ctx) => {
      process.env.RUN_ID = await firstRunOf(ctx, ctx.ids.reset);
    },
    check: ready('reset'),
  },
  {
    name: 'close',
    match: /^workflow signal --workflow-id gh-widgets-42 --name close --input '\{.*\}'$/,
    stage: 2,
    target: 'main',
    check: async (_out, { stack, ids }) => {
      expect(await stack.client.workflow.getHandle(ids.main).result()).toBe('closed');
      expect(stack.coder.taskByName(ids.main)).toBeUndefined();
    },
  },
  {
    name: 'terminate',
    match: /^workflow terminate --workflow-id gh-widgets-42 --reason "[^"]+"$/,
    stage: 2,
    target: 'terminate',
    check: async (_out, { stack, ids }) => {
      const d = await stack.client.workflow.getHandle(ids.terminate).describe();
      expect(d.status.name).toBe('TERMINATED');
    },
  },
  {
    name: 'batch close',
    match: /^workflow signal --query "[^"]+" --name close --input '\{.*\}' --reason "[^"]+" --yes$/,
    stage: 3,
    target: 'main',
    check: async (_out, { stack, ids }) => {
      const result = await stack.client.workflow.getHandle(ids.failedToo).result();
      expect(result).toBe('closed');
    },
  },
  {
    name: 'batch terminate',
    match: /^workflow terminate --query "[^"]+" --reason "[^"]+" --yes$/,
    stage: 3,
    target: 'main',
    check: async (_out, { stack, ids }) => {
      for (const id of [ids.reset, ids.failed]) {
        await until(
          async () =>
            (await stack.client.workflow.getHandle(id).describe()).status.name === 'TERMINATED',
          `the batch terminated the running acme/widgets task ${id}`,
        );
      }
      // Another repository's task is not touched.
      const agents = await stack.client.workflow.getHandle(ids.agents).describe();
      expect(agents.status.name).toBe('RUNNING');
    },
  },
  {
    name: 'history through the codec endpoint',
    match: new RegExp(`^workflow show --workflow-id gh-widgets-42 --detailed${CODEC_FLAGS}$`),
    stage: 0,
    target: 'main',
    check: (out) => {
      // The decoded signal input of the assignment: readable only through the codec.
      // The latest run's input: the state carried over, assignment included.
      expect(out).toContain(`input[0].carried.assignment.issue.title: ${MAIN_TITLE}`);
    },
  },
  {
    name: 'query through the codec endpoint',
    match: new RegExp(`^workflow query --workflow-id gh-widgets-42 --name state${CODEC_FLAGS}$`),
    stage: 0,
    target: 'main',
    check: (out) => expect(out).toContain('"ready"'),
  },
  {
    name: 'update through the codec endpoint',
    match: new RegExp(
      `^workflow update execute --workflow-id gh-widgets-42 --name sendMessage --input '\\{.*\\}'${CODEC_FLAGS}$`,
    ),
    stage: 1,
    target: 'main',
    check: async (out, { stack, ids }) => {
      expect(out).toContain('queued');
      const agent = stack.coder.taskByName(ids.main);
      await until(
        () =>
          stack.coder.inputs(agent?.id ?? '').some((t) => t.includes('Encrypted on the way in')),
        'the encrypted message reached the agent',
      );
    },
  },
  {
    name: 'signal through the codec endpoint',
    match: new RegExp(
      `^workflow signal --workflow-id gh-widgets-42 --name close --input '\\{.*\\}'${CODEC_FLAGS}$`,
    ),
    stage: 2,
    target: 'encrypted',
    check: async (_out, { stack, ids }) => {
      expect(await stack.client.workflow.getHandle(ids.encrypted).result()).toBe('closed');
    },
  },
  {
    name: 'redelivery schedule',
    match: /^schedule describe --schedule-id webhook-redelivery$/,
    stage: 0,
    target: 'main',
    check: (out) => expect(out).toContain('webhookRedeliveryWorkflow'),
  },
  {
    name: 'redelivery run now',
    match: /^schedule trigger --schedule-id webhook-redelivery$/,
    stage: 1,
    target: 'main',
    check: async (_out, { stack }) => {
      const schedule = stack.client.schedule.getHandle('webhook-redelivery');
      const recent = await until(async () => {
        const actions = (await schedule.describe()).info.recentActions;
        return actions.length > 0 ? actions : false;
      }, 'a run of the schedule');
      const run = recent[recent.length - 1]?.action.workflow;
      const result = await stack.client.workflow
        .getHandle(run?.workflowId ?? '', run?.firstExecutionRunId)
        .result();
      expect(result).toMatchObject({ failed: 0, redelivered: 0 });
    },
  },
  {
    name: 'list schedules',
    match: /^schedule list$/,
    stage: 0,
    target: 'main',
    check: (out) => expect(out).toContain(JOB_SCHEDULE),
  },
  {
    name: 'describe a job schedule',
    match: /^schedule describe --schedule-id scheduled-acme-widgets-nightly-deps$/,
    stage: 0,
    target: 'main',
    check: (out) => expect(out).toContain('scheduledJobWorkflow'),
  },
  {
    name: 'fire a job now',
    match: /^schedule trigger --schedule-id scheduled-acme-widgets-nightly-deps$/,
    stage: 1,
    target: 'main',
    check: async (_out, { stack }) => {
      await until(
        () =>
          stack.github.issues('acme', 'widgets').some((i) => i.title.startsWith('nightly-deps:')),
        'the firing opened an issue',
      );
    },
  },
  {
    name: 'pause or resume one job',
    match:
      /^schedule toggle --schedule-id scheduled-acme-widgets-nightly-deps --(pause|unpause) --reason "[^"]+"$/,
    stage: 1,
    target: 'main',
    check: async (_out, { stack }) => {
      const paused = (await stack.client.schedule.getHandle(JOB_SCHEDULE).describe()).state.paused;
      expect(typeof paused).toBe('boolean');
    },
  },
  {
    name: 'pause or resume every job of a repository',
    match:
      /^workflow update execute --workflow-id repo-acme\/widgets --name (pause|resume)Schedules --input '\{.*\}'$/,
    stage: 1,
    target: 'main',
    check: async (out, { stack }) => {
      expect(out).toContain(JOB_SCHEDULE);
      const paused = (await stack.client.schedule.getHandle(JOB_SCHEDULE).describe()).state.paused;
      expect(paused).toBe(out.includes('paused'));
    },
  },
  {
    name: 'batch jobs',
    match: /^batch list$/,
    stage: 3,
    target: 'main',
    check: (out) => expect(out).toMatch(/Completed|Running/),
  },
];

/** Waits until each named task is (or is not) paused: batch signals land asynchronously. */
async function pausedAre(ctx: Context, want: Partial<Record<Fixture, boolean>>): Promise<void> {
  for (const [fixture, paused] of Object.entries(want)) {
    const id = ctx.ids[fixture as Fixture];
    await until(
      async () =>
        ((await ctx.stack.client.workflow.getHandle(id).query(stateQuery)).paused === true) ===
        paused,
      `${id} ${paused ? 'paused' : 'not paused'}`,
    );
  }
}

interface Planned {
  doc: DocCommand;
  rule: Rule;
}

function plan(commands: DocCommand[]): { planned: Planned[]; unknown: DocCommand[] } {
  const planned: Planned[] = [];
  const unknown: DocCommand[] = [];
  for (const doc of commands) {
    const args = doc.text.startsWith(PREFIX) ? doc.text.slice(PREFIX.length) : null;
    const rule = args === null ? undefined : RULES.find((r) => r.match.test(args));
    if (rule) planned.push({ doc, rule });
    else unknown.push(doc);
  }
  // Stable: document order within a stage.
  planned.sort((a, b) => a.rule.stage - b.rule.stage);
  return { planned, unknown };
}

const commands = readCookbook();

describe('docs/operations.md', () => {
  it('has only pnpm temporal commands this test knows, and all the kinds it knows', () => {
    const { planned, unknown } = plan(commands);
    expect(
      unknown.map((c) => `docs/operations.md:${c.line}: ${c.text}`),
      'commands the cookbook test cannot map: add a rule in tests/ops/src/cookbook.test.ts',
    ).toEqual([]);
    const covered = new Set(planned.map((p) => p.rule.name));
    expect(
      RULES.map((r) => r.name).filter((n) => !covered.has(n)),
      'kinds of command missing from the cookbook',
    ).toEqual([]);
  });
});

describe('docs/operations.md commands against a running product', () => {
  let server: DevServer;
  let stack: OpsStack;
  let ctx: Context;

  beforeAll(async () => {
    server = await startDevServer();
    // The cookbook runs with payload encryption on, the CLI decoding through the codec endpoint.
    stack = await startOpsStack(server.address, { encrypted: true });

    // Repository configs: acme/gizmos runs on Coder Agents, acme/widgets on Coder Tasks.
    for (const [repo, backend] of [
      [DEMO_REPO, 'tasks'],
      [AGENTS_REPO, 'agents'],
    ] as const) {
      stack.github.setFile(
        repo.owner,
        repo.name,
        CONFIG_SHA,
        '.code-factory/config.toml',
        `[agent]\nbackend = "${backend}"\n${repo === DEMO_REPO ? JOB : ''}`,
      );
      const pushed = await stack.deliver(
        'push',
        samplePayloads.push({
          owner: repo.owner,
          repo: repo.name,
          after: CONFIG_SHA,
          sender: LEAD.login,
          senderId: LEAD.id,
        }),
      );
      expect(pushed.status).toBe(202);
      const handle = stack.client.workflow.getHandle(`repo-${repo.owner}/${repo.name}`);
      await until(async () => {
        try {
          return (await handle.query(repoConfigQuery)).sha === CONFIG_SHA;
        } catch {
          return false;
        }
      }, `config of ${repo.owner}/${repo.name} stored`);
    }

    // Tasks that fail to start: their Coder task goes to error before it is ready.
    const failing = async (issueNumber: number, title: string) => {
      stack.coder.setTimings({ pendingMs: 60_000 });
      const id = await stack.assign(issueNumber, title);
      let coderTaskId = '';
      await until(() => {
        coderTaskId = stack.coder.taskByName(id)?.id ?? '';
        return coderTaskId !== '';
      }, `Coder task of ${id}`);
      stack.coder.setTaskStatus(coderTaskId, 'error');
      stack.coder.setTimings({ pendingMs: 100 });
      return id;
    };

    const ids: Record<Fixture, string> = {
      failed: await failing(43, 'Break the build'),
      failedToo: await failing(46, 'Break it again'),
      main: await stack.assign(42, MAIN_TITLE),
      reset: await stack.assign(44, 'Tidy the README'),
      terminate: await stack.assign(45, 'Stuck forever'),
      encrypted: await stack.assign(47, 'Close me through the codec'),
      agents: await stack.assign(7, 'Polish the gizmo', AGENTS_REPO),
    };
    expect(ids.main).toBe(EXAMPLE_ID);
    await stack.waitForPhase(ids.failed, ['failed']);
    await stack.waitForPhase(ids.failedToo, ['failed']);
    for (const f of ['main', 'reset', 'terminate', 'agents', 'encrypted'] as const) {
      // Ready in the run the start-up continued as new into (patch continue-after-start).
      await until(async () => {
        const s = await stack.client.workflow.getHandle(ids[f]).query(stateQuery);
        return s.phase === 'ready' && s.runs === 1;
      }, `${ids[f]} ready in its continued run`);
    }
    const state = await stack.client.workflow.getHandle(ids.agents).describe();
    expect(state.searchAttributes.CodeFactoryBackend).toEqual(['agents']);
    // Visibility is eventually consistent: wait until the lists will show the phases.
    await until(
      async () =>
        (await stack.client.workflow.count("CodeFactoryPhase='failed'")).count === 2 &&
        (
          await stack.client.workflow.count(
            "CodeFactoryPhase='ready' AND ExecutionStatus='Running'",
          )
        ).count === 5,
      'visibility shows the phases',
    );
    const mainRunId = (await stack.client.workflow.getHandle(ids.main).describe()).runId;
    const agentOwner = stack.coder.chatByLabel('code-factory/task', ids.agents)?.owner_id ?? '';
    expect(agentOwner).not.toBe('');
    ctx = { stack, ids, mainRunId, agentOwner };
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    await server?.stop();
  });

  it('runs every command in order, each exiting 0', async () => {
    const { planned, unknown } = plan(commands);
    expect(unknown).toEqual([]);
    for (const { doc, rule } of planned) {
      await rule.before?.(ctx);
      const command = doc.text
        .replaceAll(EXAMPLE_ID, ctx.ids[rule.target])
        .replaceAll(DOC_CODEC_ENDPOINT, `${ctx.stack.ingressUrl}/codec`)
        .replaceAll('<coder user id>', ctx.agentOwner);
      const result = await runCli(command, ctx.stack.address, 30_000, ctx.stack.codecEnv);
      const where = `docs/operations.md:${doc.line} (${rule.name}): ${command}`;
      if (process.env.OPS_COOKBOOK_VERBOSE) {
        console.log(`$ ${command}\n${result.stdout}${result.stderr}`);
      }
      expect(result.code, `${where}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
      try {
        await rule.check?.(result.stdout, ctx);
      } catch (err) {
        throw new Error(
          `${where}\n${err instanceof Error ? err.message : String(err)}\nstdout:\n${result.stdout}`,
        );
      }
    }
  }, 120_000);

  it('a rejected update exits non-zero and changes nothing', async () => {
    // After the commands above, the agents task is still running and ready.
    const handle = ctx.stack.client.workflow.getHandle(ctx.ids.agents);
    const accepted = async () =>
      (await handle.fetchHistory()).events?.filter(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
      ).length ?? 0;
    const before = await accepted();
    const result = await runCli(
      `pnpm temporal workflow update execute --workflow-id ${ctx.ids.agents} --name retry`,
      ctx.stack.address,
      30_000,
      ctx.stack.codecEnv,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('nothing to retry: the task is ready');
    if (process.env.OPS_COOKBOOK_VERBOSE) console.log(result.stderr);
    const bad = await runCli(
      `pnpm temporal workflow update execute --workflow-id ${ctx.ids.agents} --name sendMessage --input '{"text":""}'`,
      ctx.stack.address,
      30_000,
      ctx.stack.codecEnv,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('text must not be empty');
    expect(await accepted()).toBe(before);
  });
  it('the bare CLI, without the codec endpoint or with a wrong token, shows ciphertext only', async () => {
    const id = ctx.ids.agents;
    const show = `pnpm temporal workflow show --workflow-id ${id} --detailed`;
    const bare = await runCli(show, ctx.stack.address);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain(Buffer.from('binary/encrypted').toString('base64'));
    expect(bare.stdout).not.toContain('Polish the gizmo');
    expect(bare.stdout).not.toContain('octo-lead');
    const decoded = await runCli(show, ctx.stack.address, 30_000, ctx.stack.codecEnv);
    expect(decoded.stdout).toContain('input[0].carried.assignment.issue.title: Polish the gizmo');
    const first = await runCli(
      `${show} --run-id ${await firstRunOf(ctx, id)}`,
      ctx.stack.address,
      30_000,
      ctx.stack.codecEnv,
    );
    expect(first.stdout).toContain('userMetadata.summary: acme/gizmos#7: Polish the gizmo');
    const query = await runCli(
      `pnpm temporal workflow query --workflow-id ${id} --name state`,
      ctx.stack.address,
    );
    expect(`${query.stdout}${query.stderr}`).not.toContain('"phase"');
    const wrongToken = await runCli(
      `pnpm temporal workflow query --workflow-id ${id} --name state`,
      ctx.stack.address,
      30_000,
      { ...ctx.stack.codecEnv, TEMPORAL_CODEC_AUTH: 'Bearer not-the-token-0123456789' },
    );
    expect(wrongToken.code).not.toBe(0);
    expect(`${wrongToken.stdout}${wrongToken.stderr}`).not.toContain('"phase"');
  });
});
