/**
 * The last step of `POST /webhooks/github`, once the body is within the limit, signed and
 * labelled: skip an event nobody routes on its header alone, else parse the body, classify it
 * (`classify.ts`), and hand the event to Temporal through the sink. The sink holds the one deadline of the hand-off (`TEMPORAL_SIGNAL_TIMEOUT_MS`).
 */
import type { Handler } from 'hono';
import { type AcceptedDecision, type ClassifyContext, classify, skipByEvent } from './classify';
import { answer, type WebhookEnv } from './middleware/context';
import { type EventSink, type HandOff, SinkUnavailableError } from './temporal-sink';

export const NO_ACTIVE_TASK = 'no active task for this issue';

export interface HandOffDeps {
  sink: EventSink;
  /** What classification needs besides the delivery's own id and arrival time. */
  classify: Omit<ClassifyContext, 'deliveryId' | 'receivedAt'>;
  /** Clock for `receivedAt`; tests pin it. */
  now: () => Date;
}

export function handleDelivery({
  sink,
  classify: settings,
  now,
}: HandOffDeps): Handler<WebhookEnv> {
  return async (c) => {
    const log = c.get('log');
    // Decided on the verified header alone: the body of an event nobody routes is not parsed.
    const unrouted = skipByEvent(c.get('event'));
    if (unrouted) {
      log.info({ outcome: 'skipped', reason: unrouted }, 'skipped delivery');
      return answer(c, 'skipped', 200, { ok: true, skipped: unrouted });
    }
    let payload: unknown;
    try {
      payload = JSON.parse(c.get('body'));
    } catch {
      log.warn({ outcome: 'bad_request', reason: 'body is not JSON' }, 'rejected delivery');
      return answer(c, 'bad_request', 400, { error: 'body is not JSON' });
    }

    const ctx: ClassifyContext = {
      ...settings,
      deliveryId: c.get('deliveryId'),
      receivedAt: now().toISOString(),
    };
    const decision = classify(c.get('event'), payload, ctx);
    if (decision.action === 'skip') {
      log.info({ outcome: 'skipped', reason: decision.reason }, 'skipped delivery');
      return answer(c, 'skipped', 200, { ok: true, skipped: decision.reason });
    }
    if (decision.action === 'invalid') {
      log.warn(
        { outcome: 'invalid', field: decision.field, problem: decision.problem },
        'malformed payload',
      );
      return answer(c, 'invalid', 400, {
        error: `malformed payload: ${decision.field}: ${decision.problem}`,
        field: decision.field,
      });
    }

    const kind = decision.event.kind;
    let handedOff: HandOff;
    try {
      handedOff = await handOff(sink, decision);
    } catch (error) {
      if (error instanceof SinkUnavailableError) {
        log.error({ outcome: 'unavailable', kind, err: error }, 'temporal unavailable');
        return answer(c, 'unavailable', 503, { error: 'temporal unavailable, retry later' });
      }
      log.error({ outcome: 'error', kind, err: error }, 'hand-off failed');
      return answer(c, 'error', 500, { error: 'internal error' });
    }
    const { workflowId } = handedOff;
    c.get('span')?.setAttributes({
      'code_factory.event_kind': kind,
      temporalWorkflowId: workflowId,
    });
    if (handedOff.status === 'no-workflow') {
      log.info(
        { outcome: 'no_task', kind, workflowId, reason: NO_ACTIVE_TASK },
        'skipped delivery',
      );
      return answer(c, 'no_task', 200, { ok: true, skipped: NO_ACTIVE_TASK });
    }
    log.info({ outcome: 'accepted', kind, workflowId }, 'accepted delivery');
    return answer(c, 'accepted', 202, { ok: true, workflowId });
  };
}

function handOff(sink: EventSink, decision: AcceptedDecision): Promise<HandOff> {
  switch (decision.action) {
    case 'start-task':
      return sink.startTask(decision);
    case 'signal-task':
      return sink.signalTask(decision);
    case 'route':
      return sink.route(decision.event);
  }
}
