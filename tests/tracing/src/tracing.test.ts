/**
 * OpenTelemetry tracing, webhook to activity: the ingress and the worker assembled in-process
 * with tracing on, exporting over OTLP/HTTP (JSON) to a tiny receiver. One assignment must
 * leave a single trace with the ingress's server span, the workflow's spans (exported from the
 * sandbox through the sink) and the activity's span.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setupTracing as setupIngressTracing } from '@code-factory/ingress/tracing';
import { samplePayloads, until } from '@code-factory/testkit';
import { type Stack, startStack } from '@code-factory/testkit/stack';
import { setupTracing as setupWorkerTracing } from '@code-factory/worker/tracing';
import { TASK_WORKFLOW_TYPE } from '@code-factory/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// --- A tiny OTLP/HTTP receiver ---------------------------------------------------------------

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: OtlpAttribute[];
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}
interface ReceivedSpan {
  service: string | undefined;
  name: string;
  traceId: string;
  attributes: Record<string, unknown>;
}

function flatten(attributes: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (attributes ?? []).map((a) => [
      a.key,
      a.value.stringValue ?? a.value.intValue ?? a.value.boolValue,
    ]),
  );
}

interface Receiver {
  url: string;
  /** Content types of the POSTs, to check the exporter spoke JSON. */
  contentTypes: string[];
  spans(): ReceivedSpan[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const bodies: OtlpExport[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(req.headers['content-type'] ?? '');
      try {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    contentTypes,
    spans: () =>
      bodies.flatMap((body) =>
        (body.resourceSpans ?? []).flatMap((rs) => {
          const service = flatten(rs.resource?.attributes)['service.name'] as string | undefined;
          return (rs.scopeSpans ?? []).flatMap((ss) =>
            (ss.spans ?? []).map((span) => ({
              service,
              name: span.name,
              traceId: span.traceId,
              attributes: flatten(span.attributes),
            })),
          );
        }),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// --- The product with tracing on ------------------------------------------------------------

let receiver: Receiver;
let stack: Stack;
let ingressTracing: NonNullable<ReturnType<typeof setupIngressTracing>>;
let workerTracing: NonNullable<ReturnType<typeof setupWorkerTracing>>;

beforeAll(async () => {
  receiver = await startReceiver();
  // Both spellings of the endpoint: the base URL, and the traces URL itself.
  const ingress = setupIngressTracing({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: 'tracing-test-ingress',
  });
  const work = setupWorkerTracing({
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
    OTEL_SERVICE_NAME: 'tracing-test-worker',
  });
  if (!ingress || !work) throw new Error('tracing should be on');
  ingressTracing = ingress;
  workerTracing = work;
  // Coder Tasks on 2.36: the spans asserted below are those of the polling path.
  stack = await startStack({
    coderRelease: '2.36',
    coderTimings: { pendingMs: 50, initializingMs: 50, workingMs: 50 },
    workerEnv: { CODER_BACKEND: 'tasks' },
    repo: { owner: `trace-${randomUUID().slice(0, 6)}`, name: 'widgets' },
    // The workflow interceptors go into the bundle; the rest as `main.ts` passes them.
    workerHooks: {
      workflowInterceptorModules: workerTracing.workflowInterceptorModules,
      interceptors: { activity: workerTracing.workerOptions.interceptors.activity ?? [] },
      sinks: workerTracing.workerOptions.sinks,
    },
    ingressHooks: {
      tracer: ingressTracing.tracer,
      clientInterceptors: ingressTracing.clientInterceptors,
    },
  });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await ingressTracing?.shutdown();
  await workerTracing?.shutdown();
  await receiver?.close();
});

describe('tracing', () => {
  it('is off without an OTLP endpoint', () => {
    expect(setupIngressTracing({ OTEL_SERVICE_NAME: 'x' })).toBeNull();
    expect(setupWorkerTracing({ OTEL_SERVICE_NAME: 'x' })).toBeNull();
    expect(
      setupIngressTracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
        OTEL_SDK_DISABLED: 'true',
      }),
    ).toBeNull();
    expect(() => setupWorkerTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });

  it('follows an assignment from the webhook to the activity in one trace', async () => {
    const issueNumber = 77;
    const name = stack.taskName(issueNumber);
    const deliveryId = randomUUID();
    const response = await stack.deliverDirect(
      'issues',
      samplePayloads.issueAssigned({ ...stack.issue(issueNumber), title: 'Trace me' }),
      deliveryId,
    );
    expect(response.status).toBe(202);
    await stack.waitForPhase(name, ['ready']);

    const found = await until(async () => {
      await Promise.all([ingressTracing.forceFlush(), workerTracing.forceFlush()]);
      const spans = receiver.spans();
      const webhook = spans.find(
        (s) =>
          s.service === 'tracing-test-ingress' && s.attributes['github.delivery'] === deliveryId,
      );
      if (!webhook) return undefined;
      const trace = spans.filter((s) => s.traceId === webhook.traceId);
      const activity = trace.find(
        (s) => s.service === 'tracing-test-worker' && s.name === 'RunActivity:startAgent',
      );
      const workflow = trace.find(
        (s) => s.service === 'tracing-test-worker' && s.name === 'StartActivity:startAgent',
      );
      return activity && workflow ? { webhook, trace, activity, workflow } : undefined;
    }, 'the trace of the assignment');

    console.log(
      `trace ${found.webhook.traceId}:`,
      found.trace.map((s) => `${s.service}/${s.name}`),
    );
    expect(found.webhook.attributes).toMatchObject({
      'github.event': 'issues',
      'github.delivery': deliveryId,
      temporalWorkflowId: name,
      'http.response.status_code': 202,
    });
    // The client interceptor's span, child of the webhook's, carried the context to Temporal.
    expect(found.trace.map((s) => s.name)).toContain(
      `SignalWithStartWorkflow:${TASK_WORKFLOW_TYPE}`,
    );
    expect(found.activity.attributes).toMatchObject({ temporalWorkflowId: name });
    expect(receiver.contentTypes.every((t) => t.startsWith('application/json'))).toBe(true);
    // No bodies in span attributes: nothing from the issue's title.
    expect(JSON.stringify(found.trace)).not.toContain('Trace me');
  });
});
