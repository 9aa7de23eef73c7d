/**
 * Classification of a verified GitHub delivery: skip it, reject it as malformed, or turn it
 * into the normalised event for an issue's task workflow or the repository's workflow.
 *
 * Pure: no I/O, no clock, no GitHub calls. The steps every delivery shares live here (ping,
 * unknown events and actions, the envelope, the final schema check); what one event reads
 * and decides lives in its module under `webhooks/`, listed in `webhooks/index.ts`.
 */
import { RepoEventSchema, TaskEventSchema } from '@code-factory/events';
import { z } from 'zod';
import {
  type Base,
  type Classification,
  type ClassifyContext,
  invalidFrom,
  parse,
  positiveInt,
  type WebhookHandler,
} from './webhooks/handler';
import { WEBHOOK_HANDLERS } from './webhooks/index';

export type {
  AcceptedDecision,
  Classification,
  ClassifyContext,
  SignalTask,
  StartTask,
} from './webhooks/handler';

/** Fields every accepted delivery needs: where it happened and which installation sent it. */
const EnvelopeSchema = z.object({
  repository: z.object({
    name: z.string().min(1),
    owner: z.object({ login: z.string().min(1) }),
  }),
  installation: z.object({ id: positiveInt }),
});

const ActionSchema = z.object({ action: z.string() });

/** The handlers of each event: one, or one per action (their `actions` never overlap). */
const BY_EVENT = new Map<string, WebhookHandler[]>();
for (const handler of WEBHOOK_HANDLERS) {
  BY_EVENT.set(handler.event, [...(BY_EVENT.get(handler.event) ?? []), handler]);
}

/**
 * The skip that needs only the `X-GitHub-Event` header: a ping, or an event no module
 * handles. The hand-off answers it before parsing the body (the signature, checked before,
 * still covers every byte); null when the event is one the ingress routes.
 */
export function skipByEvent(eventName: string): string | null {
  if (eventName === 'ping') return 'ping';
  return BY_EVENT.has(eventName) ? null : `unhandled event ${eventName}`;
}

export function classify(
  eventName: string,
  payload: unknown,
  ctx: ClassifyContext,
): Classification {
  const skipped = skipByEvent(eventName);
  if (skipped) return { action: 'skip', reason: skipped };
  const handlers = BY_EVENT.get(eventName) ?? [];

  const action = ActionSchema.safeParse(payload);
  const actionName = action.success ? action.data.action : undefined;
  const handler = handlers.find(
    (h) => !h.actions || (actionName !== undefined && h.actions.includes(actionName)),
  );
  if (!handler) {
    return { action: 'skip', reason: `unhandled action ${eventName}.${actionName ?? '(none)'}` };
  }

  const envelope = parse(EnvelopeSchema, payload);
  if (!envelope.ok) return envelope.decision;
  const base: Base = {
    deliveryId: ctx.deliveryId,
    receivedAt: ctx.receivedAt,
    repository: {
      owner: envelope.value.repository.owner.login,
      name: envelope.value.repository.name,
    },
    installationId: envelope.value.installation.id,
  };
  return checked(handler.classify(payload, ctx, base, actionName ?? ''));
}

/** Re-checks the built event against the shared schema: what the workflow will accept. */
function checked(decision: Classification): Classification {
  const schema =
    decision.action === 'start-task' || decision.action === 'signal-task'
      ? TaskEventSchema
      : decision.action === 'route'
        ? RepoEventSchema
        : undefined;
  if (!schema || !('event' in decision)) return decision;
  const result = schema.safeParse(decision.event);
  return result.success ? decision : invalidFrom(result.error);
}
