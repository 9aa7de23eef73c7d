/**
 * CPU profile of the ingress answering deliveries it skips (a ping, an assignment of someone
 * else), next to the bare Hono app of the bench, both served as in production by
 * `server-process.ts` (its own process, @hono/node-server, JSON logs to stdout). This process
 * only generates load (autocannon, 32 connections), so the profile holds the server's work
 * alone. Prints the server's CPU per request for each app, split by package and by function
 * (self time), and keeps the V8 .cpuprofile files.
 *
 *   pnpm exec tsx tests/bench/src/ingress-profile.ts [--seconds=10] [--dir=/tmp/ingress-profile]
 *
 * No Temporal server is needed: skips never reach the hand-off.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { samplePayloads, webhookRequest } from '@code-factory/testkit';
import { spawnChild } from '@code-factory/testkit/stack';
import autocannon from 'autocannon';
import { frameName, type Profile, shortUrl } from './cpu-profile';

const arg = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const SECONDS = Number(arg('seconds') ?? 10);
const DIR = arg('dir') ?? '/tmp/ingress-profile';
const SECRET = 'profile-secret';

async function main() {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const skips = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      i % 2
        ? webhookRequest({ secret: SECRET, event: 'ping', payload: { zen: 'z', hook_id: i } })
        : webhookRequest({
            secret: SECRET,
            event: 'issues',
            payload: samplePayloads.issueAssigned({
              owner: 'acme',
              repo: 'widgets',
              issueNumber: 1 + i,
              sender: 'lead',
              senderId: 7,
              assignee: 'someone-else',
            }),
          }),
    ),
  );
  const lines: string[] = [];
  for (const target of ['ingress', 'bare'] as const) {
    const dir = join(DIR, target);
    const server = spawnChild(
      resolve(import.meta.dirname, 'server-process.ts'),
      {
        // Never dialled: skips do not reach Temporal, and the connection is lazy.
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        WEBHOOK_SECRET: SECRET,
        AGENT_GITHUB_USERNAME: 'agent',
      },
      { execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`] },
    );
    const ports = await server.message<{ ingressPort: number; barePort: number }>('ready');
    const port = target === 'ingress' ? ports.ingressPort : ports.barePort;
    let next = 0;
    const result = await autocannon({
      url: `http://127.0.0.1:${port}/webhooks/github`,
      connections: 32,
      duration: SECONDS,
      requests: [
        {
          setupRequest: (req) => {
            const r = skips[next++ % skips.length];
            return { ...req, method: 'POST', headers: r?.headers, body: r?.body };
          },
        },
      ],
    });
    // A normal exit is what makes Node write the --cpu-prof file.
    server.child.send({ type: 'exit' });
    await server.exited;
    const file = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(dir, f))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0];
    if (!file) throw new Error(`no profile written in ${dir}`);
    lines.push(report(target, JSON.parse(readFileSync(file, 'utf8')) as Profile, result, file));
  }
  process.stdout.write(`${lines.join('\n\n')}\n`);
}

/** CPU µs per request (busy samples only; start-up included, a few µs at these counts). */
function report(target: string, profile: Profile, result: autocannon.Result, file: string) {
  const requests = result.requests.total;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const micros = profile.timeDeltas[i] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') return;
    busy += micros;
    const { functionName, url } = node.callFrame;
    const where = shortUrl(url);
    const key = frameName(node);
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    const pkg = url.includes('node_modules')
      ? (where.match(/^(@[^/]+\/[^/]+|[^/]+)/)?.[1] ?? where)
      : url.startsWith('node:') || url === ''
        ? functionName.startsWith('(')
          ? functionName
          : 'node internals (HTTP, streams, crypto, …)'
        : where.split('/').slice(0, 3).join('/');
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  });
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `| ${k} | ${(v / requests).toFixed(1)} |`)
      .join('\n');
  return (
    `## ${target}: ${requests} skipped deliveries in ${SECONDS} s = ${result.requests.average.toFixed(0)} /s, ` +
    `server CPU ${(busy / requests).toFixed(1)} µs per request\n\n` +
    `| where (self time) | µs/request |\n| --- | --- |\n${top(byPackage, 12)}\n\n` +
    `| function (self time) | µs/request |\n| --- | --- |\n${top(byFunction, 15)}\n\nprofile: ${file}`
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
