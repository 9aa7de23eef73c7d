/**
 * What the images promise, without a container engine: each app's production dependency tree
 * (`pnpm deploy --prod`, no dev dependency) starts from the compiled output (`pnpm build`) with
 * the runtime stage's command, environment (`NODE_ENV`, `NODE_OPTIONS`, `PORT`) and user
 * (`USER 1000:1000`, taken with `setpriv` when the test runs as root), against the Temporal
 * cluster on PostgreSQL. The ingress answers /healthz and /readyz; the worker runs an issue
 * life that a webhook to that ingress starts and closes, so the workflow completes.
 *
 * Needs the build and the cluster: `pnpm test:cluster:images` (`pnpm build`, then
 * TEST_TEMPORAL=cluster); skipped, saying so, elsewhere.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { samplePayloads, until, webhookRequest } from '@code-factory/testkit';
import { freePort, type Stack, startStack, WEBHOOK_SECRET } from '@code-factory/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDockerfile, readRepoFile, repoRoot } from './files';

const onCluster = process.env.TEST_TEMPORAL === 'cluster';
const APPS = ['ingress', 'worker'] as const;
type App = (typeof APPS)[number];

/** The runtime stage of an app's Dockerfile: its user, environment and command. */
function runtimeOf(app: App) {
  const instructions = parseDockerfile(readRepoFile(`infra/deploy/Dockerfile.${app}`));
  const last = Math.max(...instructions.map((i) => i.stage));
  const runtime = instructions.filter((i) => i.stage === last);
  const env: Record<string, string> = {};
  for (const i of runtime.filter((i) => i.keyword === 'ENV')) {
    const [key = '', ...value] = i.args.split('=');
    env[key.trim()] = value.join('=').trim();
  }
  const user = runtime.findLast((i) => i.keyword === 'USER')?.args ?? '';
  const cmd = JSON.parse(runtime.findLast((i) => i.keyword === 'CMD')?.args ?? '[]') as string[];
  return { env, user, cmd };
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `setpriv` arguments that run a command as the image's user (`USER uid:gid`). */
function asImageUser(user: string): string[] {
  const [uid = '', gid = uid] = user.split(':');
  return ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups'];
}

/** As root, the test drops to the image's user; run unprivileged, it is that user already. */
const root = process.getuid?.() === 0;

/**
 * Starts the app's image command in its deployed tree, as the image's user: the image runs from
 * the workspace root (`apps/<app>/dist/main.js`), the deployed tree is the app itself.
 */
function startDeployed(app: App, dir: string, env: Record<string, string>): Running {
  const { env: imageEnv, user, cmd } = runtimeOf(app);
  const [command, ...args] = cmd;
  expect(command, `Dockerfile.${app} CMD`).toBe('node');
  const argv = args.map((a) => a.replace(`apps/${app}/`, ''));
  const [file = '', ...prefix] = [...(root ? asImageUser(user) : []), process.execPath];
  const child = spawn(file, [...prefix, ...argv], {
    cwd: dir,
    // Nothing of this process's environment but PATH: what the image sets, and the app's config.
    env: { PATH: process.env.PATH ?? '', ...imageEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c.toString()));
  child.stderr?.on('data', (c: Buffer) => out.push(c.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, output: () => out.join(''), exited };
}

describe.skipIf(!onCluster)('the images, without a daemon (pnpm test:cluster:images)', () => {
  let stack: Stack;
  let scratch: string;
  const running: Running[] = [];
  const trees = {} as Record<App, string>;

  beforeAll(async () => {
    for (const app of APPS) {
      if (!existsSync(resolve(repoRoot, `apps/${app}/dist/main.js`))) {
        throw new Error(`apps/${app}/dist is missing: run pnpm build first`);
      }
    }
    if (root) {
      // The image's user must be able to run this Node (one under /root is out of its reach).
      const [file = '', ...args] = asImageUser(runtimeOf('worker').user);
      execFileSync(file, [...args, process.execPath, '-e', '0']);
    }
    scratch = mkdtempSync(join(tmpdir(), 'images-'));
    // Readable by the image's user, owned by this one (as the image's /app is by root).
    chmodSync(scratch, 0o755);
    for (const app of APPS) {
      trees[app] = join(scratch, app);
      // --legacy: pnpm 10 deploys with injected workspace packages only where the workspace
      // installs them so (inject-workspace-packages); this one links them.
      execFileSync(
        'pnpm',
        ['--filter', `@code-factory/${app}`, 'deploy', '--legacy', '--prod', trees[app]],
        { cwd: repoRoot, stdio: 'ignore' },
      );
    }
    // pnpm 10's legacy deploy also links the app's bins under the workspace, at the target's
    // path without its leading `/` (here `<repo>/tmp/images-…/<app>/node_modules/.bin`).
    const stray = join(repoRoot, relative('/', scratch));
    rmSync(stray, { recursive: true, force: true });
    try {
      rmdirSync(dirname(stray)); // only if that left it empty
    } catch {}
    stack = await startStack({ worker: 'none', ingress: false });
  }, 300_000);

  afterAll(async () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await stack?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('deploys production dependencies only, and the compiled output with them', () => {
    for (const app of APPS) {
      const tree = trees[app];
      expect(existsSync(join(tree, 'dist/main.js')), `${app}: dist/main.js`).toBe(true);
      for (const dev of ['vitest', 'tsx', 'typescript', '@code-factory/testkit']) {
        expect(existsSync(join(tree, 'node_modules', dev)), `${app}: no ${dev}`).toBe(false);
      }
    }
    // Owned by the deploying user and read-only for the image's, as in the image.
    if (root) {
      const [file = '', ...args] = asImageUser(runtimeOf('worker').user);
      const probe = (mode: 'R_OK' | 'W_OK') =>
        spawnSync(file, [
          ...args,
          process.execPath,
          '-e',
          `require('node:fs').accessSync(process.argv[1], require('node:fs').constants.${mode})`,
          join(trees.worker, 'dist/main.js'),
        ]).status;
      expect(probe('R_OK'), 'readable by the image user').toBe(0);
      expect(probe('W_OK'), 'not writable by the image user').not.toBe(0);
    }
    expect(existsSync(join(trees.worker, 'dist/bundles/workflows.js'))).toBe(true);
  });

  it('starts both as the image user against the cluster; a webhook runs an issue life', async () => {
    const port = await freePort();
    const ingress = startDeployed('ingress', trees.ingress, {
      PORT: String(port),
      WEBHOOK_SECRET,
      TEMPORAL_ADDRESS: stack.address,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      CODER_TASK_NAME_PREFIX: stack.prefix,
      AGENT_GITHUB_USERNAME: stack.workerEnv.AGENT_GITHUB_USERNAME ?? '',
    });
    running.push(ingress);
    const worker = startDeployed('worker', trees.worker, stack.workerEnv);
    running.push(worker);
    const url = `http://127.0.0.1:${port}`;
    const status = (path: string) =>
      fetch(`${url}${path}`).then(
        (r) => r.status,
        () => 0,
      );
    await until(async () => (await status('/healthz')) === 200, 'the ingress /healthz', 60_000);
    await until(async () => (await status('/readyz')) === 200, 'the ingress /readyz', 30_000);
    await until(
      () => /"msg":"Worker state changed".*"state":"RUNNING"/.test(worker.output()),
      'the worker polling',
      120_000,
    );
    expect(worker.output()).toContain('"workflowBundle":"prebuilt"');
    for (const r of running) {
      const pid = r.child.pid ?? 0;
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      expect(uid, 'the image user').toBe(runtimeOf('worker').user.split(':')[0]);
    }

    const number = 7301;
    const post = async (event: string, payload: unknown) => {
      const req = await webhookRequest({ secret: WEBHOOK_SECRET, event, payload });
      const res = await fetch(`${url}/webhooks/github`, { method: 'POST', ...req });
      expect(res.status, await res.text()).toBe(202);
    };
    await post('issues', samplePayloads.issueAssigned({ ...stack.issue(number), title: 'Images' }));
    const name = stack.taskName(number);
    await stack.waitForPhase(name, ['ready'], 60_000);
    await post('issues', samplePayloads.issueClosed({ ...stack.issue(number) }));
    expect(await stack.client.workflow.getHandle(name).result()).toBe('closed');
    expect(stack.agentLive(name)).toBe(false);

    // SIGTERM, as the container runtime stops them: both exit cleanly.
    for (const r of running) r.child.kill('SIGTERM');
    expect(await Promise.all(running.map((r) => r.exited))).toEqual([0, 0]);
  }, 240_000);
});
