/**
 * docs/architecture.md, "Adding a webhook event type", against the code it describes: the
 * registry lists every module of `apps/ingress/src/webhooks/`, each module is named after its
 * event and has its test, and the fields, helpers and files the steps name are the real ones.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const folder = 'apps/ingress/src/webhooks';
/** Not event modules: the shared shape and the registry. */
const SUPPORT = new Set(['handler.ts', 'index.ts']);

interface Handler {
  event: string;
  actions?: readonly string[];
  classify: unknown;
}

const load = async (file: string) =>
  (await import(pathToFileURL(resolve(root, folder, file)).href)) as Record<string, unknown>;

const modules = readdirSync(resolve(root, folder))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !SUPPORT.has(f))
  .sort();

function walkthrough(): string {
  const doc = readFileSync(resolve(root, 'docs/architecture.md'), 'utf8');
  const start = doc.indexOf('## Adding a webhook event type');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** `name` as a word inside an inline code span, e.g. `classify` in `classify(payload, ...)`. */
const inCode = (name: string) => new RegExp(`\`${name}\\b[^\`]*\``);

describe('adding a webhook event type', () => {
  it('the registry lists every module in the folder, and nothing else', async () => {
    const { WEBHOOK_HANDLERS } = (await load('index.ts')) as { WEBHOOK_HANDLERS: Handler[] };
    const exported: Handler[] = [];
    for (const file of modules) {
      const handlers = Object.values(await load(file)).filter(
        (value): value is Handler =>
          typeof value === 'object' && value !== null && 'event' in value && 'classify' in value,
      );
      expect(handlers, `${file} exports one WebhookHandler`).toHaveLength(1);
      exported.push(...handlers);
    }
    expect(modules.length).toBeGreaterThan(0);
    expect(new Set(WEBHOOK_HANDLERS)).toEqual(new Set(exported));
    expect(WEBHOOK_HANDLERS).toHaveLength(exported.length);
  });

  it('names each module after its event (or its one action) and gives it a test', async () => {
    for (const file of modules) {
      const [handler] = Object.values(await load(file)) as Handler[];
      const event = handler?.event.replaceAll('_', '-');
      const names = [`${event}.ts`];
      if (handler?.actions?.length === 1) names.push(`${event}-${handler.actions[0]}.ts`);
      expect(names).toContain(file);
      expect(existsSync(resolve(root, folder, file.replace(/\.ts$/, '.test.ts')))).toBe(true);
    }
  });

  it('gives each delivery one module: handlers of one event take different actions', async () => {
    const { WEBHOOK_HANDLERS } = (await load('index.ts')) as { WEBHOOK_HANDLERS: Handler[] };
    const taken = new Map<string, string[]>();
    for (const handler of WEBHOOK_HANDLERS) {
      const others = taken.get(handler.event);
      if (others) {
        expect(
          handler.actions,
          `${handler.event}: shared, so each lists its actions`,
        ).toBeDefined();
        expect(others).not.toContain('*');
        for (const action of handler.actions ?? []) expect(others).not.toContain(action);
      }
      taken.set(handler.event, [...(others ?? []), ...(handler.actions ?? ['*'])]);
    }
  });

  it('has three steps, each in the folder, with the fields and helpers the code has', async () => {
    const text = walkthrough();
    const steps = text.match(/^\d+\. \*\*/gm) ?? [];
    expect(steps).toHaveLength(3);
    for (const file of ['webhooks/<event>.ts', 'webhooks/<event>.test.ts', `${folder}/index.ts`]) {
      expect(text).toContain(`\`${file}\``);
    }
    expect(text).toContain('`WEBHOOK_HANDLERS`');
    // Every field a registered handler has is explained, and so is the schema it is made with.
    const { WEBHOOK_HANDLERS } = (await load('index.ts')) as { WEBHOOK_HANDLERS: Handler[] };
    const fields = new Set(WEBHOOK_HANDLERS.flatMap((handler) => Object.keys(handler)));
    for (const field of [...fields, 'payload']) expect(text).toMatch(inCode(field));
    expect(text).toContain(
      `\`webhook({ ${[...fields].join(', ').replace('classify', 'payload, classify')} })\``,
    );
    // The helpers the steps recommend are exported by handler.ts.
    const shared = await load('handler.ts');
    for (const name of [
      'webhook',
      'authorGuard',
      'pullRequestAuthor',
      'AuthoredSchema',
      'routeComment',
    ]) {
      expect(text).toMatch(inCode(name));
      expect(shared, name).toHaveProperty(name);
    }
  });
});
