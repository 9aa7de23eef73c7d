/**
 * Where accepted events go: the issue's task workflow (signal-with-start, or a plain signal
 * for events that must not start a task) or the repository's workflow, which routes
 * pull-request and CI events to their issue.
 *
 * The hand-off has one deadline, `timeoutMs` (`TEMPORAL_SIGNAL_TIMEOUT_MS`, passed in by
 * `main.ts`): it is the gRPC deadline of the call (which also bounds the client's retries)
 * and the instant a local race gives up on waits outside gRPC, so a slow or unreachable
 * Temporal turns into a quick 503 (`SinkUnavailableError`), never a hung request. The app
 * adds no timer of its own. The connection is lazy: the ingress starts and serves `/healthz` while Temporal is
 * down, and gRPC reconnects on its own.
 */
import type { TemporalConnectSettings } from '@code-factory/config';
import type { RepoEvent, TaskEvent } from '@code-factory/events';
import { repoFullName, repositoryWorkflowId } from '@code-factory/naming';
import {
  eventSignal,
  REPOSITORY_WORKFLOW_TYPE,
  type RepositoryWorkflowInput,
  repoEventSignal,
  SearchAttributes,
  TASK_WORKFLOW_TYPE,
  type TaskWorkflowInput,
} from '@code-factory/workflows';
import {
  Client,
  type ClientInterceptors,
  Connection,
  type DataConverter,
  isGrpcServiceError,
  NamespaceNotFoundError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { SearchAttributePair, SignalDefinition } from '@temporalio/common';
import type { SignalTask, StartTask } from './classify';

/** What became of an event handed to Temporal. */
export type HandOff =
  | { status: 'signalled'; workflowId: string }
  /** signal-task only: the issue has no running task workflow (never assigned, or closed). */
  | { status: 'no-workflow'; workflowId: string };

/**
 * The port the app hands events to. Each call answers or fails within the hand-off
 * deadline; `SinkUnavailableError` means "retry later" (503).
 */
export interface EventSink {
  /** Signal-with-start of the issue's task workflow (assignments only). */
  startTask(action: StartTask): Promise<HandOff>;
  /** A plain signal to the issue's task workflow; never starts one. */
  signalTask(action: SignalTask): Promise<HandOff>;
  /** Signal-with-start of the repository workflow, which routes the event to its issue. */
  route(event: RepoEvent): Promise<HandOff>;
}

/** Temporal is unreachable or too slow: retryable, answered with 503. */
export class SinkUnavailableError extends Error {
  override name = 'SinkUnavailableError';
  readonly retryable = true;
}

export interface TemporalSinkOptions {
  /** From `temporalSettings(env)`. */
  settings: TemporalConnectSettings;
  taskQueue: string;
  /** CODER_TASK_NAME_PREFIX: the repository workflow derives task names with it. */
  taskNamePrefix: string;
  /** The hand-off deadline (`TEMPORAL_SIGNAL_TIMEOUT_MS`); the only one on the request path. */
  timeoutMs: number;
  /** Deadline of the readiness probe; defaults to the smaller of 2 s and `timeoutMs`. */
  readyTimeoutMs?: number;
  /** Client interceptors, e.g. OpenTelemetry's (`tracing.ts`); none by default. */
  interceptors?: ClientInterceptors;
  /** Payload encryption (`codecDataConverter(PAYLOAD_CODEC_KEYS)`); plain payloads by default. */
  dataConverter?: DataConverter;
}

// gRPC status codes that mean "not now" rather than "never".
const UNAVAILABLE_CODES = new Set([
  1, // CANCELLED
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  14, // UNAVAILABLE
]);

export class TemporalEventSink implements EventSink {
  readonly connection: Connection;
  private readonly client: Client;
  private readonly taskQueue: string;
  private readonly taskNamePrefix: string;
  private readonly timeoutMs: number;
  private readonly readyTimeoutMs: number;
  /** Calls not settled yet (`close` waits for them). */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(options: TemporalSinkOptions) {
    const { address, namespace, apiKey, tls, metadata } = options.settings;
    // Lazy: no network until the first call, so start-up never waits for Temporal.
    this.connection = Connection.lazy({
      address,
      ...(apiKey ? { apiKey } : {}),
      ...(tls !== undefined ? { tls } : {}),
      ...(metadata ? { metadata } : {}),
    });
    this.client = new Client({
      connection: this.connection,
      namespace,
      ...(options.interceptors ? { interceptors: options.interceptors } : {}),
      ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    });
    this.taskQueue = options.taskQueue;
    this.taskNamePrefix = options.taskNamePrefix;
    this.timeoutMs = options.timeoutMs;
    this.readyTimeoutMs = options.readyTimeoutMs ?? Math.min(2_000, options.timeoutMs);
  }

  async startTask({ taskName, event, summary }: StartTask): Promise<HandOff> {
    await this.signalWithStart<TaskWorkflowInput, TaskEvent>('start task', TASK_WORKFLOW_TYPE, {
      workflowId: taskName,
      input: { taskName, repository: event.repository, issueNumber: event.issueNumber },
      signal: eventSignal,
      event,
      summary,
      searchAttributes: [
        { key: SearchAttributes.repository, value: repoFullName(event.repository) },
        { key: SearchAttributes.issueNumber, value: event.issueNumber },
      ],
    });
    return { status: 'signalled', workflowId: taskName };
  }

  async signalTask({ taskName, event }: SignalTask): Promise<HandOff> {
    try {
      await this.withDeadline('signal task', () =>
        this.client.workflow.getHandle(taskName).signal(eventSignal, event),
      );
    } catch (error) {
      // Not found covers "never started" and "already completed": neither may start a task.
      if (error instanceof WorkflowNotFoundError)
        return { status: 'no-workflow', workflowId: taskName };
      throw error;
    }
    return { status: 'signalled', workflowId: taskName };
  }

  async route(event: RepoEvent): Promise<HandOff> {
    const workflowId = repositoryWorkflowId(event.repository);
    await this.signalWithStart<RepositoryWorkflowInput, RepoEvent>(
      'route repository event',
      REPOSITORY_WORKFLOW_TYPE,
      {
        workflowId,
        input: { repository: event.repository, taskNamePrefix: this.taskNamePrefix },
        signal: repoEventSignal,
        event,
        summary: `Repository ${repoFullName(event.repository)}`,
      },
    );
    return { status: 'signalled', workflowId };
  }

  /** Default conflict policy: a running workflow is signalled, not restarted. */
  private signalWithStart<Input, Event>(
    what: string,
    workflowType: string,
    start: {
      workflowId: string;
      input: Input;
      signal: SignalDefinition<[Event]>;
      event: Event;
      summary: string;
      searchAttributes?: SearchAttributePair[];
    },
  ): Promise<unknown> {
    return this.withDeadline(what, () =>
      this.client.workflow.signalWithStart<(input: Input) => Promise<unknown>, [Event]>(
        workflowType,
        {
          workflowId: start.workflowId,
          taskQueue: this.taskQueue,
          args: [start.input],
          signal: start.signal,
          signalArgs: [start.event],
          staticSummary: start.summary,
          ...(start.searchAttributes ? { typedSearchAttributes: start.searchAttributes } : {}),
        },
      ),
    );
  }

  /** True when the Temporal frontend answers within the readiness deadline. */
  async isReady(): Promise<boolean> {
    try {
      await this.withDeadline(
        'readiness probe',
        () => this.connection.workflowService.getSystemInfo({}),
        this.readyTimeoutMs,
      );
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Waits for calls still in flight (each ends by its gRPC deadline at the latest), then
   * closes the connection: closing first would leave the client's retry timer to fire on a
   * shut-down channel, an uncaught exception.
   */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    await this.connection.close();
  }

  private async withDeadline<T>(
    what: string,
    call: () => Promise<T>,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    // One instant, enforced at two layers. The gRPC deadline is what ends the call *and* the
    // client's own retries of UNAVAILABLE (`defaultGrpcRetryOptions` in @temporalio/client's
    // grpc-retry.ts: 10 attempts with backoff): an abort signal alone left a retry running
    // after we answered 503, which signalled the workflow later (docs/gotchas.md). The local
    // race covers waits outside gRPC, such as the channel connecting.
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new SinkUnavailableError(`${what}: Temporal did not answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    const inFlight = this.connection.withDeadline(deadline, call);
    this.inFlight.add(inFlight);
    inFlight.then(
      () => this.inFlight.delete(inFlight),
      () => this.inFlight.delete(inFlight),
    );
    try {
      return await Promise.race([inFlight, expired]);
    } catch (error) {
      throw asSinkError(what, error);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Maps transport failures to `SinkUnavailableError`; everything else passes through. */
export function asSinkError(what: string, error: unknown): unknown {
  if (error instanceof SinkUnavailableError || error instanceof WorkflowNotFoundError) return error;
  // Temporal answers "namespace not found" for a namespace that exists while it cannot read its
  // database (a start with the cluster's PostgreSQL stopped: tests/chaos/src/postgres-restart),
  // as it does for a TEMPORAL_NAMESPACE that names none. The sender can fix neither: retry later.
  if (error instanceof NamespaceNotFoundError) {
    return new SinkUnavailableError(`${what}: ${error.message}`, { cause: error });
  }
  const code = grpcCode(error);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) {
    return new SinkUnavailableError(`${what}: Temporal unavailable (gRPC ${code})`, {
      cause: error,
    });
  }
  return error;
}

function grpcCode(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    if (isGrpcServiceError(current)) return current.code;
    current = current.cause;
  }
  return undefined;
}
