/**
 * The fake GitHub's webhook delivery log: webhooks the tests send *through* the fake are
 * recorded with their outcome, and the App's delivery endpoints (routes-app.ts) list them
 * newest first with an opaque `cursor`, and redeliver one (202 at once; the same event and GUID
 * are sent again in the background with `redelivery: true`), as GitHub's REST API does.
 * Source: GitHub's REST reference for App webhooks and @octokit/openapi-types'
 * `hook-delivery-item`. Deliberate simplifications: a refused connection is recorded with
 * status_code 0 and a status text; there is no 3-day retention check.
 */
import { iso } from './fake-github/http';
import { parseJson } from './http-fake';
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

export class DeliveryLog {
  private readonly items: RecordedDelivery[] = [];
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
  ): Promise<{ status: number; body: unknown; delivery: RecordedDelivery }> {
    const target = this.target;
    if (!target) throw new Error('fake GitHub: no webhook URL configured (configureWebhook)');
    const guid = options.guid ?? crypto.randomUUID();
    const { secret, url } = target;
    const request = await webhookRequest({ secret, event, payload, deliveryId: guid });
    const started = Date.now();
    let [statusCode, status, text] = [0, 'failed to connect to host', ''];
    try {
      const response = await fetch(url, { method: 'POST', ...request });
      statusCode = response.status;
      text = await response.text();
      status =
        statusCode >= 200 && statusCode < 300 ? 'OK' : `Invalid HTTP Response: ${statusCode}`;
    } catch {
      // Nothing listening (the ingress is down): GitHub records a failed delivery.
    }
    const fields = (payload ?? {}) as {
      action?: unknown;
      installation?: { id?: unknown };
      repository?: { id?: unknown };
    };
    const number = (value: unknown) => (typeof value === 'number' ? value : null);
    const delivery: RecordedDelivery = {
      id: 90_000_000_001 + this.items.length,
      guid,
      delivered_at: iso(started),
      redelivery: options.redelivery ?? false,
      duration: (Date.now() - started) / 1000,
      status,
      status_code: statusCode,
      event,
      action: typeof fields.action === 'string' ? fields.action : null,
      installation_id: number(fields.installation?.id),
      repository_id: number(fields.repository?.id),
      throttled_at: null,
      payload,
      response: { status: statusCode, body: text },
    };
    this.items.push(delivery);
    return { status: statusCode, body: parseJson(text) ?? '', delivery };
  }

  /** Starts a redelivery in the background (GitHub answers 202 before it happens). */
  redeliver(id: number): boolean {
    const original = this.get(id);
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
    const last = items.at(-1);
    return newestFirst.length > perPage && last ? { items, next: `v1_${last.id}` } : { items };
  }
}

/** The list item, without the fake's own extra fields. */
export function deliveryItemJson(d: RecordedDelivery) {
  const { payload: _payload, response: _response, ...item } = d;
  return item;
}
