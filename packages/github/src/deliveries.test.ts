import { isExternalError } from '@code-factory/errors';
import { type FakeGitHub, serveApp, startFakeGitHub, testAppKey } from '@code-factory/testkit';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubApp } from './app';
import { planRedeliveries, type WebhookDelivery } from './deliveries';

const HOUR = 60 * 60_000;
const NOW = Date.parse('2025-06-01T12:00:00Z');

function attempt(
  id: number,
  guid: string,
  minutesAgo: number,
  ok: boolean,
  redelivery = false,
): WebhookDelivery {
  return {
    id,
    guid,
    deliveredAt: new Date(NOW - minutesAgo * 60_000).toISOString(),
    redelivery,
    status: ok ? 'OK' : 'Invalid HTTP Response: 503',
    statusCode: ok ? 202 : 503,
    event: 'issues',
    action: 'assigned',
  };
}

describe('planRedeliveries', () => {
  const rules = { now: NOW, maxPerRun: 2, maxRedeliveries: 3 };

  it('redelivers GUIDs that never succeeded, oldest first, bounded per run', () => {
    const plan = planRedeliveries(
      [
        attempt(6, 'ok-later', 1, true, true),
        attempt(5, 'c', 10, false),
        attempt(4, 'ok-later', 20, false),
        attempt(3, 'b', 30, false),
        attempt(2, 'a', 40, false),
        attempt(1, 'fine', 50, true),
      ],
      rules,
    );
    expect(plan.seen).toBe(5);
    expect(plan.failed).toBe(3);
    expect(plan.redeliver.map((c) => c.guid)).toEqual(['a', 'b']);
    expect(plan.deferred.map((c) => c.guid)).toEqual(['c']);
    expect(plan.givenUp).toEqual([]);
  });

  it('redelivers the latest attempt of a GUID that failed again', () => {
    const plan = planRedeliveries(
      [attempt(9, 'x', 5, false, true), attempt(3, 'x', 30, false)],
      rules,
    );
    expect(plan.redeliver).toEqual([expect.objectContaining({ id: 9, guid: 'x' })]);
    expect(plan.redeliver[0]?.firstAt).toBe(new Date(NOW - 30 * 60_000).toISOString());
  });

  it('gives up after three failed redeliveries, and beyond the retention window', () => {
    const plan = planRedeliveries(
      [
        attempt(4, 'stubborn', 1, false, true),
        attempt(3, 'stubborn', 2, false, true),
        attempt(2, 'stubborn', 3, false, true),
        attempt(1, 'stubborn', 4, false),
        attempt(0, 'ancient', (72 * HOUR) / 60_000, false),
      ],
      rules,
    );
    expect(plan.redeliver).toEqual([]);
    expect(plan.givenUp.map((g) => [g.guid, g.reason])).toEqual([
      ['stubborn', 'attempts'],
      ['ancient', 'retention'],
    ]);
  });
});

describe('GitHubApp webhook deliveries against the fake GitHub', () => {
  let github: FakeGitHub;
  let app: GitHubApp;
  let answer = 503;
  let server: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    const hono = new Hono();
    hono.post('/hook', (c) => c.json({}, answer as 503));
    server = await serveApp(hono);
    github = await startFakeGitHub();
    github.configureWebhook({ url: `${server.url}/hook`, secret: 's' });
    app = new GitHubApp({ appId: 1, privateKey: testAppKey().pkcs8, baseUrl: github.url });
  });
  afterAll(async () => {
    await github?.close();
    await server?.close();
  });

  it('lists every attempt since a time across cursor pages, with the App JWT', async () => {
    const since = new Date(Date.now() - 1000);
    for (let i = 0; i < 130; i++) await github.sendWebhook('ping', { zen: String(i) });
    const { deliveries, truncated } = await app.webhookDeliveriesSince(since);
    expect(truncated).toBe(false);
    expect(deliveries).toHaveLength(130);
    expect(deliveries[0]?.id).toBeGreaterThan(deliveries[129]?.id ?? 0);
    const pages = github.callsTo('GET', /^\/app\/hook\/deliveries$/);
    expect(pages).toHaveLength(2);
    expect(pages[1]?.query.cursor).toMatch(/^v1_/);
    expect(
      pages.every((p) => /^bearer [\w-]+\.[\w-]+\.[\w-]+$/i.test(p.headers.authorization ?? '')),
    ).toBe(true);
    // Nothing older than `since` is returned.
    const later = await app.webhookDeliveriesSince(new Date(Date.now() + 60_000));
    expect(later.deliveries).toEqual([]);
  });

  it('redelivers, and a missing delivery is a not_found ExternalError', async () => {
    answer = 503;
    const failed = await github.sendWebhook('issues', { action: 'opened' });
    answer = 202;
    await app.redeliverWebhookDelivery(failed.delivery.id);
    await github.redeliveriesSettled();
    expect(github.deliveries().at(-1)).toMatchObject({
      guid: failed.delivery.guid,
      redelivery: true,
      status: 'OK',
    });
    const error = await app.redeliverWebhookDelivery(42).catch((e: unknown) => e);
    expect(isExternalError(error) && error.kind).toBe('not_found');
  });
});
