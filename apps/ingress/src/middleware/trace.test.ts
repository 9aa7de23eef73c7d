/** The webhook's server span, in-process: what it carries, and what an unsigned caller cannot set. */
import { IngressConfigSchema, parseEnv } from '@code-factory/config';
import { samplePayloads, webhookRequest } from '@code-factory/testkit';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../app';
import { createLogger } from '../logger';
import { createIngressMetrics } from '../metrics';
import type { EventSink } from '../temporal-sink';
import { setupTracing } from '../tracing';

const SECRET = 'trace-secret';
const exporter = new InMemorySpanExporter();
const tracing = setupTracing(
  { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:1/v1/traces' },
  { exporter },
);
afterAll(() => tracing?.shutdown());

const sink: EventSink = {
  startTask: async ({ taskName }) => ({ status: 'signalled', workflowId: taskName }),
  signalTask: async ({ taskName }) => ({ status: 'no-workflow', workflowId: taskName }),
  route: async () => ({ status: 'signalled', workflowId: 'repo-acme/widgets' }),
};

const app = createApp({
  config: parseEnv(IngressConfigSchema, { WEBHOOK_SECRET: SECRET }),
  sink,
  logger: createLogger({ destination: { write: () => undefined } }),
  isTemporalReady: async () => true,
  metrics: createIngressMetrics({ processMetrics: false }),
  ...(tracing ? { tracer: tracing.tracer } : {}),
});

async function spanOf(init: RequestInit) {
  exporter.reset();
  const res = await app.request('/webhooks/github', { method: 'POST', ...init });
  await tracing?.forceFlush();
  const [span] = exporter.getFinishedSpans();
  return { status: res.status, span };
}

describe('webhook span', () => {
  it('names the delivery, the outcome and the workflow of an accepted event', async () => {
    const req = await webhookRequest({
      secret: SECRET,
      event: 'issues',
      payload: samplePayloads.issueAssigned({ issueNumber: 7, title: 'Do not trace me' }),
      deliveryId: 'delivery-7',
    });
    const { status, span } = await spanOf(req);
    expect(status).toBe(202);
    expect(span?.name).toBe('POST /webhooks/github');
    expect(span?.attributes).toMatchObject({
      'github.event': 'issues',
      'github.delivery': 'delivery-7',
      'code_factory.outcome': 'accepted',
      'code_factory.event_kind': 'issue.assigned',
      'http.response.status_code': 202,
      temporalWorkflowId: 'gh-widgets-7',
    });
    expect(JSON.stringify(span?.attributes)).not.toContain('Do not trace me');
  });

  it('labels an unsigned request with its outcome only', async () => {
    const { status, span } = await spanOf({
      headers: { 'x-github-event': 'issues', 'x-github-delivery': 'forged' },
      body: '{}',
    });
    expect(status).toBe(401);
    expect(span?.attributes).toMatchObject({
      'code_factory.outcome': 'unauthorized',
      'http.response.status_code': 401,
    });
    expect(span?.attributes).not.toHaveProperty('github.event');
    expect(span?.attributes).not.toHaveProperty('github.delivery');
  });
});
