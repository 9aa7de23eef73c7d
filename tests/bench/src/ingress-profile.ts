/**
 * CPU profile of the ingress answering deliveries it skips (a ping, an assignment of someone
 * else): the same app as production (`createApp`, JSON logs), driven in-process so that only
 * the ingress's own work is on the profile. Writes a V8 .cpuprofile and prints the functions
 * with the most self time, grouped by package.
 *
 *   pnpm exec tsx tests/bench/src/ingress-profile.ts [--requests=20000] [--out=/tmp/ingress.cpuprofile]
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Writable } from 'node:stream';
import { IngressConfigSchema, parseEnv } from '@code-factory/config';
import { createApp, createLogger, type EventSink } from '@code-factory/ingress';
import { samplePayloads, webhookRequest } from '@code-factory/testkit';

const arg = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const N = Number(arg('requests') ?? 20_000);
const OUT = arg('out') ?? '/tmp/ingress.cpuprofile';
const SECRET = 'profile-secret';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

async function main() {
  const config = parseEnv(IngressConfigSchema, { WEBHOOK_SECRET: SECRET });
  const sink = {
    startTask: () => Promise.reject(new Error('skips never reach the sink')),
    signalTask: () => Promise.reject(new Error('skips never reach the sink')),
    route: () => Promise.reject(new Error('skips never reach the sink')),
    isReady: () => Promise.resolve(true),
    close: () => Promise.resolve(),
  } as unknown as EventSink;
  // Production logs one JSON line per delivery to stdout; here to a sink that drops it, so
  // the profile shows the cost of building the line, not of the terminal.
  const logger = createLogger({
    level: 'info',
    destination: new Writable({ write: (_c, _e, done) => done() }),
  });
  const app = createApp({ config, sink, logger, isTemporalReady: () => Promise.resolve(true) });
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
  const send = async (i: number) => {
    const r = skips[i % skips.length];
    if (!r) return;
    const res = await app.request('/webhooks/github', { method: 'POST', ...r });
    if (res.status !== 200) throw new Error(`answered ${res.status}`);
    await res.text();
  };
  for (let i = 0; i < 2_000; i++) await send(i); // warm up
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await send(i);
  const ms = performance.now() - t0;
  const { profile } = (await session.post('Profiler.stop')) as {
    profile: { nodes: ProfileNode[]; samples: number[] };
  };
  writeFileSync(OUT, JSON.stringify(profile));
  const total = profile.samples.length;
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
      .replace(/^file:\/\/.*\/work\/[^/]+\//, '');
    const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    const pkg = url.includes('node_modules')
      ? (where.match(/^(@[^/]+\/[^/]+|[^/]+)/)?.[1] ?? where)
      : url.startsWith('node:') || url === ''
        ? functionName.startsWith('(')
          ? functionName
          : 'node internals'
        : where.split('/').slice(0, 2).join('/') || '(program)';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `| ${k} | ${((100 * v) / total).toFixed(1)} % |`)
      .join('\n');
  process.stdout.write(
    `${N} skipped deliveries in ${ms.toFixed(0)} ms = ${((N / ms) * 1000).toFixed(0)} /s in-process (no HTTP server)\n\n` +
      `| where (self time) | share |\n| --- | --- |\n${top(byPackage, 12)}\n\n` +
      `| function (self time) | share |\n| --- | --- |\n${top(byFunction, 15)}\n\nprofile: ${OUT}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
