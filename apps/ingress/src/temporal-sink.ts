/**
 * Where accepted events go: the issue's task workflow (signal-with-start, or a plain signal
 * for events that must not start a task) or the repository's workflow.
 *
 * Every call has a hard deadline so a slow or unreachable Temporal turns into a quick 503
 * (`SinkUnavailableError`), never a hung request. The connection is lazy: the ingress starts
 * and serves `/healthz` while Temporal is down, and gRPC reconnects on its own.
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
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { SignalTask, StartTask } from './router';

/** What happened to an event handed to the sink. */
export type Delivery =
  | { status: 'delivered'; workflowId: string }
  /** signal-task only: the issue has no running task workflow (never assigned, or closed). */
  | { status: 'no-workflow'; workflowId: string };

export interface EventSink {
  startTask(action: StartTask): Promise<Delivery>;
  signalTask(action: SignalTask): Promise<Delivery>;
  route(event: RepoEvent): Promise<Delivery>;
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
  /** Deadline of each hand-off (`TEMPORAL_SIGNAL_TIMEOUT_MS`). */
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

  async startTask({ taskName, event, summary }: StartTask): Promise<Delivery> {
    const input: TaskWorkflowInput = {
      taskName,
      repository: event.repository,
      issueNumber: event.issueNumber,
    };
    await this.withDeadline('start task', () =>
      // Default conflict policy: a running task is signalled, not restarted.
      this.client.workflow.signalWithStart<
        (input: TaskWorkflowInput) => Promise<unknown>,
        [TaskEvent]
      >(TASK_WORKFLOW_TYPE, {
        workflowId: taskName,
        taskQueue: this.taskQueue,
        args: [input],
        signal: eventSignal,
        signalArgs: [event],
        staticSummary: summary,
        typedSearchAttributes: [
          { key: SearchAttributes.repository, value: repoFullName(event.repository) },
          { key: SearchAttributes.issueNumber, value: event.issueNumber },
        ],
      }),
    );
    return { status: 'delivered', workflowId: taskName };
  }

  async signalTask({ taskName, event }: SignalTask): Promise<Delivery> {
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
    return { status: 'delivered', workflowId: taskName };
  }

  async route(event: RepoEvent): Promise<Delivery> {
    const workflowId = repositoryWorkflowId(event.repository);
    const input: RepositoryWorkflowInput = {
      repository: event.repository,
      taskNamePrefix: this.taskNamePrefix,
    };
    await this.withDeadline('route repository event', () =>
      this.client.workflow.signalWithStart<
        (input: RepositoryWorkflowInput) => Promise<unknown>,
        [RepoEvent]
      >(REPOSITORY_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        signal: repoEventSignal,
        signalArgs: [event],
        staticSummary: `Repository ${repoFullName(event.repository)}`,
      }),
    );
    return { status: 'delivered', workflowId };
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

  async close(): Promise<void> {
    await this.connection.close();
  }

  private async withDeadline<T>(
    what: string,
    call: () => Promise<T>,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    // The gRPC deadline cancels the request; the timer is the backstop for anything that
    // waits outside gRPC (e.g. the channel connecting).
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new SinkUnavailableError(`${what}: Temporal did not answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([
        this.connection.withDeadline(Date.now() + timeoutMs, call),
        timeout,
      ]);
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
