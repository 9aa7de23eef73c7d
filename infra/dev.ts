/**
 * `pnpm dev`: everything on one machine.
 *  - a Temporal dev server with its Web UI (SQLite under .dev-data/, so state survives restarts),
 *    or with DEV_TEMPORAL=cluster the PostgreSQL-backed cluster of infra/cluster.sh (no Web UI),
 *  - fake Coder and GitHub APIs unless real ones are configured (CODER_URL / APP_ID),
 *  - the worker and the ingress, with their output prefixed.
 * Settings come from the environment or a `.env` file at the repository root.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { newAppKey, until } from '@code-factory/testkit';
import { type DevServer, startDevServer } from '@code-factory/testkit/dev-server';
import { clusterUp } from './cluster';
import { startCodecRelay } from './codec-relay';
import { DEMO, startDevFakes } from './dev-fakes';

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(root, '.dev-data');
if (existsSync(resolve(root, '.env'))) process.loadEnvFile(resolve(root, '.env'));

const TEMPORAL_PORT = Number(process.env.DEV_TEMPORAL_PORT ?? 7233);
const UI_PORT = Number(process.env.DEV_TEMPORAL_UI_PORT ?? 8233);
/** `cluster`: Temporal on PostgreSQL (infra/cluster.sh) instead of the dev server. */
const CLUSTER = process.env.DEV_TEMPORAL === 'cluster';
const children: ChildProcess[] = [];
let temporal: DevServer | undefined;
let stopping = false;

function say(message: string) {
  process.stdout.write(`[dev] ${message}\n`);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

function waitForPort(port: number, what: string, timeoutMs = 60_000) {
  return until(() => portOpen(port), `${what} to open port ${port}`, timeoutMs, 250);
}

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((line) => `[${name}] ${line}\n`)
      .join('');
  child.stdout?.on('data', (c: Buffer) => process.stdout.write(prefix(c)));
  child.stderr?.on('data', (c: Buffer) => process.stderr.write(prefix(c)));
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); stopping everything`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children.reverse()) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  await temporal?.stop();
  process.exit(code);
}

async function main() {
  mkdirSync(dataDir, { recursive: true });
  // Payload encryption (PAYLOAD_CODEC_KEYS): the ingress serves the codec endpoint with a
  // token, and the Web UI decodes through a loopback relay that adds it (the part an
  // operators' proxy plays in production; docs/configuration.md, "The codec endpoint").
  const ingressPort = Number(process.env.PORT ?? 8787);
  const encrypted = Boolean(process.env.PAYLOAD_CODEC_KEYS);
  const codecToken = process.env.CODEC_AUTH_TOKEN ?? randomBytes(24).toString('base64url');
  const relay = encrypted
    ? await startCodecRelay({
        target: `http://127.0.0.1:${ingressPort}/codec`,
        token: codecToken,
        uiOrigin: [`http://localhost:${UI_PORT}`, `http://127.0.0.1:${UI_PORT}`],
      })
    : undefined;

  if (CLUSTER) {
    // Started (or found running) by the script, and left running at exit like a real cluster.
    say('starting the Temporal cluster on PostgreSQL (bash infra/cluster.sh up)');
    await clusterUp({ ...process.env, CLUSTER_FRONTEND_PORT: String(TEMPORAL_PORT) });
    say('the cluster has no Web UI; stop it with: bash infra/cluster.sh down');
  } else if (await portOpen(TEMPORAL_PORT)) {
    say(`a Temporal server already listens on ${TEMPORAL_PORT}; using it`);
    if (relay)
      say(`its Web UI decodes payloads only if started with --ui-codec-endpoint ${relay.endpoint}`);
  } else {
    temporal = await startDevServer({
      port: TEMPORAL_PORT,
      ui: true,
      uiPort: UI_PORT,
      dbFilename: resolve(dataDir, 'temporal.db'),
      uiCodecEndpoint: relay?.endpoint,
      logLevel: 'warn',
    });
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: `127.0.0.1:${TEMPORAL_PORT}`,
    LOG_FORMAT: process.env.LOG_FORMAT ?? 'pretty',
    WEBHOOK_SECRET: process.env.WEBHOOK_SECRET ?? 'dev-webhook-secret',
    AGENT_POLL_INTERVAL_MS: process.env.AGENT_POLL_INTERVAL_MS ?? '1000',
    ...(encrypted ? { CODEC_AUTH_TOKEN: codecToken } : {}),
  };
  const fakeCoder = !process.env.CODER_URL;
  const fakeGitHub = !process.env.APP_ID;
  if (fakeCoder || fakeGitHub) {
    const fakes = await startDevFakes({
      coderPort: Number(process.env.FAKE_CODER_PORT ?? 7080),
      githubPort: Number(process.env.FAKE_GITHUB_PORT ?? 7081),
    });
    if (fakeCoder) {
      Object.assign(env, { CODER_URL: fakes.coderUrl, CODER_TOKEN: 'fake-coder-token' });
      say(`fake Coder at ${fakes.coderUrl} (set CODER_URL and CODER_TOKEN for a real one)`);
    }
    if (fakeGitHub) {
      const privateKey = newAppKey().pkcs8;
      Object.assign(env, { GITHUB_API_URL: fakes.githubUrl, APP_ID: '1', PRIVATE_KEY: privateKey });
      say(
        `fake GitHub at ${fakes.githubUrl} (set APP_ID, PRIVATE_KEY and GITHUB_API_URL for a real App)`,
      );
    }
  }

  const tsx = resolve(root, 'node_modules/.bin/tsx');
  run('worker', tsx, ['apps/worker/src/main.ts'], env);
  run('ingress', tsx, ['apps/ingress/src/main.ts'], env);
  await waitForPort(Number(env.PORT ?? 8787), 'the ingress');
  if (!CLUSTER) say(`Temporal Web UI:  http://localhost:${UI_PORT}`);
  if (relay) {
    say(`Payloads are encrypted; the Web UI decodes them through ${relay.endpoint}. For the CLI:`);
    say(`  export TEMPORAL_CODEC_ENDPOINT=http://localhost:${ingressPort}/codec`);
    say(`  export TEMPORAL_CODEC_AUTH="Bearer ${codecToken}"`);
  } else {
    say('Payloads are stored in plain text (PAYLOAD_CODEC_KEYS is not set).');
  }
  say(`Ingress:          http://localhost:${env.PORT ?? 8787}/webhooks/github`);
  say(
    `Replay a sample issue life (${DEMO.owner}/${DEMO.repo}, assigned by @${DEMO.githubLogin}): pnpm replay-sample`,
  );
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
main().catch((err) => {
  process.stderr.write(`[dev] ${err instanceof Error ? err.message : String(err)}\n`);
  void shutdown(1);
});
