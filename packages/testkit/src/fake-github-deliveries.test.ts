import { verify } from '@octokit/webhooks-methods';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './fake-github';
import { type RunningServer, serveApp } from './http-fake';
import { samplePayloads } from './webhooks';

const SECRET = 'hook-secret';
const JWT = { authorization: 'Bearer aaa.bbb.ccc' };

describe('fake GitHub webhook delivery log', () => {
  let github: FakeGitHub;
  let receiver: RunningServer;
  const received: Array<{ guid: string; event: string; verified: boolean }> = [];
  let answer = 202;

  beforeAll(async () => {
    const app = new Hono();
    app.post('/webhooks/github', async (c) => {
      const body = await c.req.text();
      received.push({
        guid: c.req.header('x-github-delivery') ?? '',
        event: c.req.header('x-github-event') ?? '',
        verified: await verify(SECRET, body, c.req.header('x-hub-signature-256') ?? ''),
      });
      return c.json({ ok: answer < 300 }, answer as 202);
    });
    receiver = await serveApp(app);
    github = await startFakeGitHub();
    github.configureWebhook({ url: `${receiver.url}/webhooks/github`, secret: SECRET });
  });
  afterAll(async () => {
    await github?.close();
    await receiver?.close();
  });

  const list = async (query = '') => {
    const res = await fetch(`${github.url}/app/hook/deliveries${query}`, { headers: JWT });
    return { res, items: (await res.json()) as Array<Record<string, unknown>> };
  };

  it('sends signed webhooks and records each outcome like GitHub', async () => {
    const payload = samplePayloads.issueAssigned({
      owner: 'acme',
      repo: 'widgets',
      issueNumber: 1,
      sender: 'octo',
      senderId: 1,
    });
    answer = 503;
    const failed = await github.sendWebhook('issues', payload);
    expect(failed.status).toBe(503);
    answer = 202;
    const ok = await github.sendWebhook('issues', payload);
    expect(ok.status).toBe(202);
    expect(received.slice(-2).every((r) => r.verified && r.event === 'issues')).toBe(true);
    expect(received.at(-1)?.guid).toBe(ok.delivery.guid);

    const { res, items } = await list();
    expect(res.status).toBe(200);
    // Newest first, with the fields of GitHub's hook-delivery-item.
    expect(items[0]).toMatchObject({
      id: ok.delivery.id,
      guid: ok.delivery.guid,
      redelivery: false,
      status: 'OK',
      status_code: 202,
      event: 'issues',
      action: 'assigned',
    });
    expect(items[0]?.delivered_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(items[1]).toMatchObject({ status: 'Invalid HTTP Response: 503', status_code: 503 });
    expect(items[0]).not.toHaveProperty('payload');
  });

  it('records a refused connection as a failed delivery', async () => {
    const down = await startFakeGitHub();
    down.configureWebhook({ url: 'http://127.0.0.1:9/webhooks/github', secret: SECRET });
    const sent = await down.sendWebhook('ping', { zen: 'x' });
    expect(sent.status).toBe(0);
    expect(sent.delivery.status).not.toBe('OK');
    await down.close();
  });

  it('pages newest first with a cursor in the Link header', async () => {
    for (let i = 0; i < 3; i++) await github.sendWebhook('ping', { zen: `z${i}` });
    const all = github.deliveries().map((d) => d.id);
    const seen: number[] = [];
    let url: string | undefined = `${github.url}/app/hook/deliveries?per_page=2`;
    while (url) {
      const res: Response = await fetch(url, { headers: JWT });
      const items = (await res.json()) as Array<{ id: number }>;
      expect(items.length).toBeLessThanOrEqual(2);
      seen.push(...items.map((d) => d.id));
      url = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    }
    expect(seen).toEqual([...all].reverse());
    expect((await list('?cursor=garbage')).res.status).toBe(400);
  });

  it('takes the App JWT only', async () => {
    for (const authorization of ['token ghs_installation', 'Bearer not-a-jwt']) {
      const res = await fetch(`${github.url}/app/hook/deliveries`, { headers: { authorization } });
      expect(res.status).toBe(401);
    }
  });

  it('redelivers with the same GUID in the background, as a redelivery', async () => {
    answer = 503;
    const failed = await github.sendWebhook('issues', {
      action: 'closed',
      installation: { id: 5 },
    });
    answer = 202;
    const res = await fetch(`${github.url}/app/hook/deliveries/${failed.delivery.id}/attempts`, {
      method: 'POST',
      headers: JWT,
    });
    expect(res.status).toBe(202);
    await github.redeliveriesSettled();
    const again = github.deliveries().at(-1);
    expect(again).toMatchObject({
      guid: failed.delivery.guid,
      redelivery: true,
      status: 'OK',
      installation_id: 5,
    });
    expect(received.at(-1)?.guid).toBe(failed.delivery.guid);
    const missing = await fetch(`${github.url}/app/hook/deliveries/1/attempts`, {
      method: 'POST',
      headers: JWT,
    });
    expect(missing.status).toBe(404);
  });
});
