/**
 * The HTTP side of the throughput bench, in its own process so the load generator does not
 * share its event loop: the real ingress (createApp + TemporalEventSink, logging JSON to
 * stdout as in production) and a bare Hono app that only answers 202, on two ports.
 */
import type { AddressInfo } from 'node:net';
import { IngressConfigSchema, parseEnv, temporalSettings } from '@code-factory/config';
import { createApp, createLogger, TemporalEventSink } from '@code-factory/ingress';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

function listen(fetch: (r: Request) => Response | Promise<Response>): Promise<number> {
  return new Promise((done) => {
    serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => done(info.port));
  });
}

async function main() {
  const config = parseEnv(IngressConfigSchema, process.env);
  const sink = new TemporalEventSink({
    settings: temporalSettings(process.env),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    taskNamePrefix: config.CODER_TASK_NAME_PREFIX,
    timeoutMs: config.TEMPORAL_SIGNAL_TIMEOUT_MS,
  });
  const app = createApp({
    config,
    sink,
    logger: createLogger({ level: config.LOG_LEVEL }),
    isTemporalReady: () => sink.isReady(),
  });
  const bare = new Hono();
  bare.post('/webhooks/github', (c) => c.json({ ok: true }, 202));
  const ingressPort = await listen(app.fetch);
  const barePort = await listen(bare.fetch);
  process.send?.({ type: 'ready', ingressPort, barePort });
  // `ingress-profile.ts` ends the process this way: a normal exit writes its --cpu-prof file.
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'exit') process.exit(0);
  });
}

main().catch((err) => {
  process.stderr.write(`server-process: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
