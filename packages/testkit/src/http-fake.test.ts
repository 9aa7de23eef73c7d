import { afterEach, describe, expect, it } from 'vitest';
import { HttpFake, listen, type RunningServer } from './http-fake';

describe('HttpFake', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start() {
    const fake = new HttpFake();
    fake.app.get('/things/:id', (c) => c.json({ id: c.req.param('id') }));
    fake.app.post('/things', (c) => c.json({ got: c.get('body') }, 201));
    server = await listen(fake);
    return { fake, url: server.url };
  }

  it('listens on a free port of 127.0.0.1 and records every call', async () => {
    const { fake, url } = await start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    await fetch(`${url}/things/1?x=1&y=two`);
    const res = await fetch(`${url}/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 1 }),
    });
    expect(await res.json()).toEqual({ got: { a: 1 } });
    await fetch(`${url}/things`, { method: 'POST', body: 'plain words' });

    const calls = fake.calls();
    expect(calls.map((c) => [c.method, c.path, c.status])).toEqual([
      ['GET', '/things/1', 200],
      ['POST', '/things', 201],
      ['POST', '/things', 201],
    ]);
    expect(calls[0]?.query).toEqual({ x: '1', y: 'two' });
    expect(calls[0]?.body).toBeUndefined();
    expect(calls[1]?.body).toEqual({ a: 1 });
    expect(calls[2]?.body).toBe('plain words');
    expect(calls[1]?.headers['content-type']).toBe('application/json');
    expect(typeof calls[0]?.at).toBe('number');
    expect(fake.callsTo('post', /^\/things$/)).toHaveLength(2);

    fake.reset();
    expect(fake.calls()).toEqual([]);
  });

  it('fails the next N matching requests, then answers normally', async () => {
    const { fake, url } = await start();
    fake.fail({
      method: 'GET',
      path: /^\/things\//,
      status: 429,
      times: 2,
      headers: { 'retry-after': '3' },
    });

    const first = await fetch(`${url}/things/1`);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(await first.json()).toEqual({ message: 'injected fault' });
    expect((await fetch(`${url}/things/1`)).status).toBe(429);
    expect((await fetch(`${url}/things/1`)).status).toBe(200);
    // Faulted requests are in the log too, so tests can count retries.
    expect(fake.callsTo('GET', /^\/things\/1$/).map((c) => c.status)).toEqual([429, 429, 200]);
  });

  it('only faults requests whose method and path match', async () => {
    const { fake, url } = await start();
    fake.fail({ method: 'POST', path: /^\/things$/, status: 500, body: 'boom' });
    expect((await fetch(`${url}/things/1`)).status).toBe(200);
    const res = await fetch(`${url}/things`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('boom');
  });

  it('can hang a request, and close() does not wait for it', async () => {
    const { fake, url } = await start();
    fake.fail({ path: /^\/things\//, status: 503, delayMs: 60_000 });
    const err = await fetch(`${url}/things/1`, { signal: AbortSignal.timeout(100) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const started = Date.now();
    await server?.close();
    server = undefined;
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers after delayMs when the delay is short', async () => {
    const { fake, url } = await start();
    fake.fail({ path: /^\/things\//, status: 502, delayMs: 50 });
    const started = Date.now();
    const res = await fetch(`${url}/things/1`);
    expect(res.status).toBe(502);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});
