/**
 * infra/register-search-attributes.sh against a real Temporal server: the shared dev
 * server of the test run (which already has the attributes: the idempotent path) and fresh
 * namespaces created here (the creating path, and a type conflict that must fail).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { temporalAddress, temporalCli } from '@code-factory/testkit/vitest';
import { ALL_SEARCH_ATTRIBUTES } from '@code-factory/workflows';
import { describe, expect, it } from 'vitest';
import { readRepoFile, repoRoot } from './files';

const run = promisify(execFile);
const SCRIPT = resolve(repoRoot, 'infra/register-search-attributes.sh');

/** The CLI's type names (Keyword, KeywordList) as the SDK spells them (KEYWORD, KEYWORD_LIST). */
function sdkType(cliType: string): string {
  return cliType.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

/** A clean environment: no TEMPORAL_* from the machine running the tests. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('TEMPORAL_')),
  );
  return { ...clean, TEMPORAL_CLI: temporalCli(), ...extra };
}

async function register(namespace?: string) {
  try {
    const { stdout, stderr } = await run('bash', [SCRIPT], {
      env: env({
        TEMPORAL_ADDRESS: temporalAddress(),
        ...(namespace ? { TEMPORAL_NAMESPACE: namespace } : {}),
        REGISTER_WAIT_SECONDS: '30',
      }),
      timeout: 90_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(temporalCli(), [...args, '--address', temporalAddress()], {
    env: env({}),
    timeout: 60_000,
  });
  return stdout;
}

async function customAttributes(namespace: string): Promise<Record<string, string>> {
  const out = await cli('operator', 'search-attribute', 'list', '-n', namespace, '-o', 'json');
  return (JSON.parse(out) as { customAttributes: Record<string, string> }).customAttributes;
}

async function createNamespace(): Promise<string> {
  const namespace = `deploy-test-${randomUUID().slice(0, 8)}`;
  await cli('operator', 'namespace', 'create', '--namespace', namespace);
  return namespace;
}

describe('infra/register-search-attributes.sh', () => {
  it('registers exactly ALL_SEARCH_ATTRIBUTES', () => {
    const block = /ATTRIBUTES=\(([^)]*)\)/.exec(
      readRepoFile('infra/register-search-attributes.sh'),
    );
    const entries = (block?.[1] ?? '').split(/\s+/).filter(Boolean);
    const script = entries.map((entry) => {
      const [name, type] = entry.split(':');
      return { name, type: sdkType(type as string) };
    });
    expect(script).toEqual(ALL_SEARCH_ATTRIBUTES.map(({ name, type }) => ({ name, type })));
  });

  it('succeeds on a namespace that already has them', async () => {
    const { code, output } = await register();
    expect(code, output).toBe(0);
    for (const { name } of ALL_SEARCH_ATTRIBUTES) {
      expect(output).toContain(`${name} (`);
    }
    expect(output).toMatch(
      new RegExp(`0 created, ${ALL_SEARCH_ATTRIBUTES.length} already present`),
    );
  });

  it('creates them on a fresh namespace, and a second run changes nothing', async () => {
    const namespace = await createNamespace();
    const first = await register(namespace);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(
      new RegExp(`${ALL_SEARCH_ATTRIBUTES.length} created, 0 already present`),
    );

    const listed = await customAttributes(namespace);
    for (const { name, type } of ALL_SEARCH_ATTRIBUTES) {
      expect(listed[name], name).toBe(`INDEXED_VALUE_TYPE_${type}`);
    }

    const second = await register(namespace);
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(
      new RegExp(`0 created, ${ALL_SEARCH_ATTRIBUTES.length} already present`),
    );
  });

  it('fails when an attribute exists with another type', async () => {
    const namespace = await createNamespace();
    await cli(
      'operator',
      'search-attribute',
      'create',
      '-n',
      namespace,
      '--name',
      'CodeFactoryPhase',
      '--type',
      'Int',
    );
    const { code, output } = await register(namespace);
    expect(code).toBe(1);
    expect(output).toContain('CodeFactoryPhase already exists with type INT, expected Keyword');
  });

  it('fails on a namespace that does not exist', async () => {
    const { code, output } = await (async () => {
      try {
        await run('bash', [SCRIPT], {
          env: env({
            TEMPORAL_ADDRESS: temporalAddress(),
            TEMPORAL_NAMESPACE: `missing-${randomUUID().slice(0, 8)}`,
          }),
          timeout: 60_000,
        });
        return { code: 0, output: '' };
      } catch (error) {
        const failed = error as { code?: number; stderr?: string };
        return { code: failed.code, output: failed.stderr ?? '' };
      }
    })();
    expect(code).toBe(1);
    expect(output).toMatch(/cannot list search attributes/);
  });
});
