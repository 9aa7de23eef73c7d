/**
 * Schedules live forever, and so do the payloads in them (a schedule's action arguments, its
 * summary, its memo), encrypted under the first key of `PAYLOAD_CODEC_KEYS` of the process
 * that wrote them. At start-up the worker re-encrypts the product's schedules under its own
 * first key, so that an old key can be dropped once the rollout is done, and reports the ones
 * it cannot read instead of dying on them (docs/configuration.md, "Key rotation").
 *
 * Everything here works on the raw gRPC messages: a payload's key id is in its metadata, so
 * finding what is stale or unreadable never needs a decryption, and a schedule is rewritten
 * as it is, with only its payloads re-encoded.
 */
import { randomUUID } from 'node:crypto';
import {
  type CodecKeyring,
  ENCODING_ENCRYPTED,
  METADATA_KEY_ID,
  type Payload,
} from '@code-factory/codec';
import type { Client } from '@temporalio/client';
import type { Logger, MetricMeter } from '@temporalio/common';

type Described = Awaited<ReturnType<Client['workflowService']['describeSchedule']>>;
type RawSchedule = NonNullable<Described['schedule']>;
type RawMemo = Described['memo'];

const utf8 = new TextDecoder();

/** The key a payload is encrypted with; null for a plain payload. */
export function payloadKeyId(payload: Payload): string | null {
  const encoding = payload.metadata?.encoding;
  if (!encoding || utf8.decode(encoding) !== ENCODING_ENCRYPTED) return null;
  const id = payload.metadata?.[METADATA_KEY_ID];
  return id ? utf8.decode(id) : '';
}

/**
 * Every payload of a schedule that goes through the codec: the workflow's arguments, memo and
 * summary, and the schedule's own memo. Headers and search attributes never do.
 */
function schedulePayloads(schedule: RawSchedule | null | undefined, memo?: RawMemo | null) {
  const start = schedule?.action?.startWorkflow;
  const all: Payload[] = [
    ...(start?.input?.payloads ?? []),
    ...Object.values(start?.memo?.fields ?? {}),
    ...(start?.userMetadata?.summary ? [start.userMetadata.summary] : []),
    ...(start?.userMetadata?.details ? [start.userMetadata.details] : []),
    ...Object.values(memo?.fields ?? {}),
  ];
  return all as Payload[];
}

export type PayloadsState =
  /** Every payload is as this process would write it (under its first key, or plain without keys). */
  | { kind: 'current' }
  /** Readable, but some payloads are plain or under an older key. */
  | { kind: 'stale' }
  /** Some payload is under a key this process does not have. */
  | { kind: 'unreadable'; keyId: string };

export function payloadsState(payloads: Payload[], keys: CodecKeyring | null): PayloadsState {
  let stale = false;
  for (const payload of payloads) {
    const id = payloadKeyId(payload);
    if (id !== null && !keys?.byId.has(id)) return { kind: 'unreadable', keyId: id };
    if (id !== (keys?.primary.id ?? null)) stale = true;
  }
  return stale ? { kind: 'stale' } : { kind: 'current' };
}

/** The sentence that says why a payload under `keyId` cannot be read here. */
export function unreadableReason(keyId: string, keys: CodecKeyring | null): string {
  return keys
    ? `encrypted with key "${keyId}", which is not in this worker's PAYLOAD_CODEC_KEYS`
    : `encrypted with key "${keyId}", and this worker has no PAYLOAD_CODEC_KEYS`;
}

export interface UnreadableSchedule {
  scheduleId: string;
  keyId: string;
}

export interface ScheduleKeyReport {
  /** Schedules already under the first key (or plain without keys). */
  current: string[];
  /** Updated in place: the action re-encoded under the first key. */
  rewritten: string[];
  /** Deleted and created again as they were: their memo can only be written at creation. */
  recreated: string[];
  /** Left alone, noted on the schedule, logged and counted. */
  unreadable: UnreadableSchedule[];
}

export interface ScheduleKeyPassOptions {
  /** Only schedules that start these workflow types on this task queue are the product's. */
  workflowTypes: readonly string[];
  taskQueue: string;
  /** The worker's keyring (null: it writes plain payloads). */
  keys: CodecKeyring | null;
  logger: Logger;
  /** Sets `code_factory_unreadable_schedules`. */
  meter?: MetricMeter;
}

/**
 * Brings every schedule of the product under the first key: lists the namespace's schedules,
 * and for each that starts one of `workflowTypes` on `taskQueue` and has a payload that is
 * plain or under another key, re-encodes its payloads. A schedule whose memo is stale is
 * recreated (Temporal keeps a schedule's memo from its creation); the others are updated.
 * One under a key this worker lacks is left as it is, with a note saying why.
 *
 * Never throws for a payload: a failure on one schedule is logged and the next one is tried.
 */
export async function rewriteSchedulesUnderFirstKey(
  client: Client,
  options: ScheduleKeyPassOptions,
): Promise<ScheduleKeyReport> {
  const report: ScheduleKeyReport = { current: [], rewritten: [], recreated: [], unreadable: [] };
  const { namespace } = client.options;
  const service = client.workflowService;
  const types = new Set(options.workflowTypes);
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await service.listSchedules({ namespace, nextPageToken, maximumPageSize: 200 });
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    for (const entry of page.schedules ?? []) {
      const scheduleId = entry.scheduleId ?? '';
      if (!types.has(entry.info?.workflowType?.name ?? '')) continue;
      // The list carries the memo: a current memo means the schedule was created under this
      // key, and an update only ever writes the key of its writer. Only the others are read.
      const memo = Object.values(entry.memo?.fields ?? {}) as Payload[];
      if (memo.length > 0 && payloadsState(memo, options.keys).kind === 'current') {
        report.current.push(scheduleId);
        continue;
      }
      try {
        await rewriteOne(client, scheduleId, options, report);
      } catch (err) {
        options.logger.warn('could not bring a schedule under the first codec key', {
          scheduleId,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  } while (nextPageToken);
  options.meter
    ?.createGauge(
      'code_factory_unreadable_schedules',
      'int',
      '',
      "Schedules of the product whose payloads are under a key the worker's PAYLOAD_CODEC_KEYS lacks",
    )
    .set(report.unreadable.length, { task_queue: options.taskQueue });
  return report;
}

async function rewriteOne(
  client: Client,
  scheduleId: string,
  options: ScheduleKeyPassOptions,
  report: ScheduleKeyReport,
): Promise<void> {
  const { namespace, identity } = client.options;
  const service = client.workflowService;
  const described = await service.describeSchedule({ namespace, scheduleId });
  const schedule = described.schedule ?? {};
  if (schedule.action?.startWorkflow?.taskQueue?.name !== options.taskQueue) return;
  const state = payloadsState(schedulePayloads(schedule, described.memo), options.keys);
  if (state.kind === 'current') {
    report.current.push(scheduleId);
    return;
  }
  if (state.kind === 'unreadable') {
    report.unreadable.push({ scheduleId, keyId: state.keyId });
    options.logger.error('schedule unreadable: left as it is', {
      scheduleId,
      reason: unreadableReason(state.keyId, options.keys),
    });
    // Only the note changes; the rest goes back as it came, still encrypted.
    const note = `Unreadable by the code-factory worker since ${new Date().toISOString()}: its payloads are ${unreadableReason(state.keyId, options.keys)}. Its runs fail until the key is added back; a job schedule is written anew by its repository's next config push (docs/configuration.md, "Key rotation").`;
    await service.updateSchedule({
      namespace,
      scheduleId,
      schedule: { ...schedule, state: { ...schedule.state, notes: note } },
      conflictToken: described.conflictToken,
      identity,
      requestId: randomUUID(),
    });
    return;
  }
  const reencode = reencoder(client);
  const start = schedule.action?.startWorkflow;
  const fresh: RawSchedule = {
    ...schedule,
    action: {
      ...schedule.action,
      startWorkflow: start && {
        ...start,
        input: start.input && { payloads: await reencode(start.input.payloads) },
        memo: start.memo && { fields: await reencodeMap(reencode, start.memo.fields) },
        userMetadata: start.userMetadata && {
          summary: start.userMetadata.summary && (await reencode([start.userMetadata.summary]))[0],
          details: start.userMetadata.details && (await reencode([start.userMetadata.details]))[0],
        },
      },
    },
  };
  const memo = Object.values(described.memo?.fields ?? {}) as Payload[];
  if (payloadsState(memo, options.keys).kind === 'current') {
    await service.updateSchedule({
      namespace,
      scheduleId,
      schedule: fresh,
      conflictToken: described.conflictToken,
      identity,
      requestId: randomUUID(),
    });
    report.rewritten.push(scheduleId);
  } else {
    const freshMemo = { fields: await reencodeMap(reencode, described.memo?.fields) };
    // Between the two calls the schedule does not exist; a crash there loses it until the
    // repository's next config push writes it again (the next start-up cannot know it).
    await service.deleteSchedule({ namespace, scheduleId, identity });
    await service.createSchedule({
      namespace,
      scheduleId,
      schedule: fresh,
      memo: freshMemo,
      searchAttributes: described.searchAttributes,
      identity,
      requestId: randomUUID(),
    });
    report.recreated.push(scheduleId);
  }
  options.logger.info('schedule re-encrypted under the first codec key', { scheduleId });
}

type Reencode = (payloads: Payload[] | null | undefined) => Promise<Payload[]>;

/** Decodes through the client's codecs (any key it has) and encodes again (its first key). */
function reencoder(client: Client): Reencode {
  const codecs = client.options.loadedDataConverter.payloadCodecs;
  return async (payloads) => {
    let out = [...(payloads ?? [])];
    for (const codec of [...codecs].reverse()) out = await codec.decode(out);
    for (const codec of codecs) out = await codec.encode(out);
    return out;
  };
}

async function reencodeMap(
  reencode: Reencode,
  fields: Record<string, Payload> | null | undefined,
): Promise<Record<string, Payload>> {
  const entries = Object.entries(fields ?? {});
  const payloads = await reencode(entries.map(([, p]) => p));
  return Object.fromEntries(entries.map(([k], i) => [k, payloads[i] as Payload]));
}

export interface ScheduleWithMemo {
  scheduleId: string;
  /** Undefined when the memo could not be decoded (a key this process lacks). */
  memo: Record<string, unknown> | undefined;
  /** Why the memo could not be decoded. */
  unreadable?: string;
}

/**
 * The namespace's schedules with their memo, like `client.schedule.list()` but one schedule
 * with an unreadable memo does not fail the whole listing (the SDK's list decodes every memo).
 */
export async function* listSchedulesWithMemo(client: Client): AsyncGenerator<ScheduleWithMemo> {
  const { namespace, loadedDataConverter } = client.options;
  const { payloadCodecs, payloadConverter } = loadedDataConverter;
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listSchedules({ namespace, nextPageToken });
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    for (const entry of page.schedules ?? []) {
      const scheduleId = entry.scheduleId ?? '';
      try {
        const memo: Record<string, unknown> = {};
        for (const [key, raw] of Object.entries(entry.memo?.fields ?? {})) {
          let payloads = [raw as Payload];
          for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
          memo[key] = payloads[0] && payloadConverter.fromPayload(payloads[0]);
        }
        yield { scheduleId, memo };
      } catch (err) {
        yield { scheduleId, memo: undefined, unreadable: `${err}` };
      }
    }
  } while (nextPageToken);
}
