/**
 * The App's webhook deliveries, and which of them to redeliver. GitHub does not retry a
 * failed delivery; its guide "Automatically redelivering failed deliveries for a GitHub App
 * webhook" lists the deliveries since the last run (`GET /app/hook/deliveries`, App JWT,
 * newest first, cursor pagination through the `Link` header), groups them by GUID, and
 * redelivers (`POST /app/hook/deliveries/{delivery_id}/attempts`) the GUIDs none of whose
 * attempts has the status `OK`.
 */
import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { parseResponse, toExternalError } from './errors';

/** One delivery attempt, with the fields we use. */
export interface WebhookDelivery {
  id: number;
  guid: string;
  deliveredAt: string;
  redelivery: boolean;
  status: string;
  statusCode: number;
  event: string;
  action: string | null;
}

const deliveriesSchema = z.array(
  z.object({
    id: z.number(),
    guid: z.string(),
    delivered_at: z.string(),
    redelivery: z.boolean(),
    status: z.string(),
    status_code: z.number(),
    event: z.string(),
    action: z.string().nullable(),
  }),
);

/** GitHub keeps deliveries, and redelivers them, for 3 days on github.com (7 on GHES). */
export const DELIVERY_RETENTION_MS = 3 * 24 * 60 * 60_000;
const PER_PAGE = 100;
const MAX_PAGES = 50;

export interface DeliveryListing {
  deliveries: WebhookDelivery[];
  /** More pages than `MAX_PAGES` were there: the oldest part of the window is missing. */
  truncated: boolean;
}

/** Every attempt delivered at or after `since`, newest first. */
export async function listDeliveriesSince(app: Octokit, since: Date): Promise<DeliveryListing> {
  const action = 'list webhook deliveries';
  const deliveries: WebhookDelivery[] = [];
  let cursor: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await app.rest.apps.listWebhookDeliveries({
        per_page: PER_PAGE,
        ...(cursor ? { cursor } : {}),
      });
      const items = parseResponse(deliveriesSchema, res.data, action);
      let older = false;
      for (const item of items) {
        if (Date.parse(item.delivered_at) < since.getTime()) {
          older = true;
          continue;
        }
        deliveries.push({
          id: item.id,
          guid: item.guid,
          deliveredAt: item.delivered_at,
          redelivery: item.redelivery,
          status: item.status,
          statusCode: item.status_code,
          event: item.event,
          action: item.action,
        });
      }
      cursor = nextCursor(res.headers.link);
      if (older || !cursor || items.length === 0) return { deliveries, truncated: false };
    }
  } catch (err) {
    throw toExternalError(err, action);
  }
  return { deliveries, truncated: true };
}

/** Asks GitHub to send a delivery again (202; it happens asynchronously). */
export async function redeliver(app: Octokit, deliveryId: number): Promise<void> {
  try {
    await app.rest.apps.redeliverWebhookDelivery({ delivery_id: deliveryId });
  } catch (err) {
    throw toExternalError(err, 'redeliver webhook delivery');
  }
}

function nextCursor(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (match?.[1]) return new URL(match[1]).searchParams.get('cursor') ?? undefined;
  }
  return undefined;
}

export interface RedeliveryRules {
  now: number;
  /** At most this many GUIDs are redelivered per run, oldest first. */
  maxPerRun: number;
  /** A GUID whose redeliveries failed this many times is given up. */
  maxRedeliveries: number;
  retentionMs?: number;
}

export interface RedeliveryCandidate {
  /** The attempt to redeliver (its latest). */
  id: number;
  guid: string;
  event: string;
  action: string | null;
  /** When its first attempt seen was delivered. */
  firstAt: string;
}

export interface RedeliveryPlan {
  /** Distinct GUIDs in the window. */
  seen: number;
  /** GUIDs none of whose attempts succeeded. */
  failed: number;
  redeliver: RedeliveryCandidate[];
  /** Failed GUIDs left for a later run by the per-run bound. */
  deferred: RedeliveryCandidate[];
  givenUp: Array<RedeliveryCandidate & { reason: 'retention' | 'attempts' }>;
}

/** Groups attempts by GUID and picks what to redeliver; pure, so the rules are unit-tested. */
export function planRedeliveries(
  deliveries: WebhookDelivery[],
  rules: RedeliveryRules,
): RedeliveryPlan {
  const retention = rules.retentionMs ?? DELIVERY_RETENTION_MS;
  const byGuid = new Map<string, WebhookDelivery[]>();
  for (const d of deliveries) byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
  const pending: RedeliveryCandidate[] = [];
  const givenUp: RedeliveryPlan['givenUp'] = [];
  let failed = 0;
  for (const [guid, attempts] of byGuid) {
    if (attempts.some((a) => a.status === 'OK')) continue;
    failed++;
    const sorted = [...attempts].sort((a, b) => a.id - b.id);
    const first = sorted[0];
    const latest = sorted[sorted.length - 1];
    if (!first || !latest) continue;
    const candidate: RedeliveryCandidate = {
      id: latest.id,
      guid,
      event: latest.event,
      action: latest.action,
      firstAt: first.deliveredAt,
    };
    // Leave a margin: GitHub refuses redeliveries past its retention.
    if (rules.now - Date.parse(first.deliveredAt) > retention - 60 * 60_000) {
      givenUp.push({ ...candidate, reason: 'retention' });
    } else if (sorted.filter((a) => a.redelivery).length >= rules.maxRedeliveries) {
      givenUp.push({ ...candidate, reason: 'attempts' });
    } else {
      pending.push(candidate);
    }
  }
  pending.sort((a, b) => Date.parse(a.firstAt) - Date.parse(b.firstAt) || a.id - b.id);
  return {
    seen: byGuid.size,
    failed,
    redeliver: pending.slice(0, rules.maxPerRun),
    deferred: pending.slice(rules.maxPerRun),
    givenUp,
  };
}
