/**
 * The fake GitHub's webhook delivery log: webhooks the tests send *through* the fake (signed
 * with the App's webhook secret, posted to its webhook URL) are recorded with their outcome,
 * and the App's delivery endpoints list and redeliver them, as GitHub's REST API does:
 *
 *  - `GET /app/hook/deliveries` ("List deliveries for an app webhook"): App JWT only, newest
 *    first, `per_page` (default 30, max 100) and an opaque `cursor` taken from the `Link`
 *    header's `rel="next"`; items carry id, guid, delivered_at, redelivery, duration,
 *    status ("OK" for a 2xx), status_code, event, action, installation_id, repository_id,
 *    throttled_at.
 *  - `GET /app/hook/deliveries/{delivery_id}`: one delivery, with its request and response.
 *  - `POST /app/hook/deliveries/{delivery_id}/attempts` ("Redeliver a delivery for an app
 *    webhook"): 202 at once; the same event and GUID are sent again in the background, as a
 *    new delivery with `redelivery: true`.
 *
 * Source: GitHub's REST reference for App webhooks and @octokit/openapi-types'
 * `hook-delivery-item`. Deliberate simplifications: a refused connection is recorded with
 * status_code 0 and a status text; there is no 3-day retention check.
 */
import { webhookRequest } from './webhooks';

export interface WebhookTarget {
  url: string;
  secret: string;
}

export interface RecordedDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  throttled_at: null;
  /** Not in the list API's item: what was sent and answered, for tests. */
  payload: unknown;
  response: { status: number; body: string };
}

export interface SentWebhook {
  status: number;
  body: unknown;
  delivery: RecordedDelivery;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function field(payload: unknown, ...path: string[]): unknown {
  let node = payload;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

export class DeliveryLog {
  private readonly items: RecordedDelivery[] = [];
  private nextId = 90_000_000_001;
  private target: WebhookTarget | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  configure(target: WebhookTarget): void {
    this.target = target;
  }

  /** Signs and posts a webhook to the configured URL, and records the outcome. */
  async send(
    event: string,
    payload: unknown,
    options: { guid?: string; redelivery?: boolean } = {},
  ): Promise<SentWebhook> {
    const target = this.target;
    if (!target) throw new Error('fake GitHub: no webhook URL configured (configureWebhook)');
    const guid = options.guid ?? crypto.randomUUID();
    const request = await webhookRequest({
      secret: target.secret,
      event,
      payload,
      deliveryId: guid,
    });
    const started = Date.now();
    let statusCode = 0;
    let statusText = 'failed to connect to host';
    let text = '';
    try {
      const response = await fetch(target.url, { method: 'POST', ...request });
      statusCode = response.status;
      text = await response.text();
      statusText =
        statusCode >= 200 && statusCode < 300 ? 'OK' : `Invalid HTTP Response: ${statusCode}`;
    } catch {
      // Nothing listening (the ingress is down): GitHub records a failed delivery.
    }
    const installation = field(payload, 'installation', 'id');
    const repository = field(payload, 'repository', 'id');
    const action = field(payload, 'action');
    const delivery: RecordedDelivery = {
      id: this.nextId++,
      guid,
      delivered_at: iso(started),
      redelivery: options.redelivery ?? false,
      duration: (Date.now() - started) / 1000,
      status: statusText,
      status_code: statusCode,
      event,
      action: typeof action === 'string' ? action : null,
      installation_id: typeof installation === 'number' ? installation : null,
      repository_id: typeof repository === 'number' ? repository : null,
      throttled_at: null,
      payload,
      response: { status: statusCode, body: text },
    };
    this.items.push(delivery);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: keep the text.
    }
    return { status: statusCode, body, delivery };
  }

  /** Starts a redelivery in the background (GitHub answers 202 before it happens). */
  redeliver(id: number): boolean {
    const original = this.items.find((d) => d.id === id);
    if (!original) return false;
    const sending = this.send(original.event, original.payload, {
      guid: original.guid,
      redelivery: true,
    }).catch(() => undefined);
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
    return true;
  }

  /** Waits for background redeliveries to finish. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  get(id: number): RecordedDelivery | undefined {
    return this.items.find((d) => d.id === id);
  }

  /** Oldest first (the API lists newest first). */
  all(): RecordedDelivery[] {
    return this.items.map((d) => ({ ...d }));
  }

  /** Newest first, the page after `cursor`; `next` is the cursor of the following page. */
  page(perPage: number, cursor: string | undefined): { items: RecordedDelivery[]; next?: string } {
    const before = cursor ? Number(/^v1_(\d+)$/.exec(cursor)?.[1] ?? Number.NaN) : Infinity;
    const newestFirst = [...this.items].reverse().filter((d) => d.id < before);
    const items = newestFirst.slice(0, perPage);
    const last = items[items.length - 1];
    return newestFirst.length > perPage && last ? { items, next: `v1_${last.id}` } : { items };
  }
}

/** The list item, without the fake's own extra fields. */
export function deliveryItemJson(d: RecordedDelivery) {
  const { payload: _payload, response: _response, ...item } = d;
  return item;
}
