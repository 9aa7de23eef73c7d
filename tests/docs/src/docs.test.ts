/**
 * The docs name every environment variable the processes read, and nothing the code does
 * not read: the configuration reference is checked against the zod schemas themselves.
 */
import { IngressConfigSchema, variableNames, WorkerConfigSchema } from '@code-factory/config';
import { describe, expect, it } from 'vitest';
import { markdownFiles } from './markdown';
import { exists, read } from './repo';

const schemaVariables = [
  ...new Set([...variableNames(IngressConfigSchema), ...variableNames(WorkerConfigSchema)]),
].sort();

/**
 * Read by something other than our schemas: @temporalio/envconfig (Temporal's own
 * conventions), `pnpm dev` and its fakes (infra/dev-fakes.ts) and infra/temporal-cli.sh.
 */
const ALLOWED_OUTSIDE_SCHEMAS = new Set([
  // @temporalio/envconfig
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
  'TEMPORAL_GRPC_META_',
  // pnpm dev and the fakes
  'DEV_TEMPORAL_PORT',
  'DEV_TEMPORAL_UI_PORT',
  'DEV_TEMPORAL',
  'FAKE_CODER_PORT',
  'FAKE_GITHUB_PORT',
  'FAKE_CODER_TOKEN',
  'FAKE_GITHUB_APP_SLUG',
  // infra/temporal-cli.sh
  'CODE_FACTORY_CACHE',
  'TEMPORAL_CLI',
  // infra/cluster.sh
  'CLUSTER_FRONTEND_PORT',
  'CLUSTER_PG_PORT',
  'CLUSTER_DATA_DIR',
]);

/** Backticked names that look like environment variables: `FOO_BAR`, `TEMPORAL_GRPC_META_*`. */
function backtickedVariables(markdown: string): string[] {
  const names = new Set<string>();
  for (const match of markdown.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]*)+)\*?(?:=[^`]*)?`/g)) {
    if (match[1]) names.add(match[1]);
  }
  return [...names].sort();
}

/** The README's section under the "Configuration" heading, up to the next `## ` heading. */
function readmeConfigurationSection(readme: string): string {
  const start = readme.search(/^## Configuration\b/m);
  if (start < 0) return '';
  const rest = readme.slice(start + 1);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Variables `text` names that no schema reads (and that do not live outside the schemas). */
const unread = (text: string) =>
  backtickedVariables(text).filter(
    (name) => !schemaVariables.includes(name) && !ALLOWED_OUTSIDE_SCHEMAS.has(name),
  );

describe('docs/configuration.md', () => {
  const doc = read('docs/configuration.md');

  it('mentions every variable of the ingress and worker schemas', () => {
    const missing = schemaVariables.filter((name) => !doc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('names no variable that nothing reads', () => {
    expect(unread(doc)).toEqual([]);
  });
});

describe('README.md', () => {
  const section = readmeConfigurationSection(read('README.md'));

  it('has a configuration table row for every variable of both schemas', () => {
    expect(section).not.toBe('');
    const rows = section.split('\n').filter((line) => line.startsWith('|'));
    const missing = schemaVariables.filter(
      (name) => !rows.some((row) => row.includes(`\`${name}\``)),
    );
    expect(missing).toEqual([]);
  });

  it('names no variable that nothing reads in its configuration table', () => {
    expect(unread(section)).toEqual([]);
  });

  it('quick start is the two commands CI and newcomers run', () => {
    const readme = read('README.md');
    expect(readme).toContain('bash infra/bootstrap.sh && pnpm dev');
    expect(readme).toContain('bash infra/bootstrap.sh && pnpm test');
    expect(read('.ci/run')).toContain('bash infra/bootstrap.sh && pnpm test');
  });
});

describe('paths the docs cite', () => {
  const files = markdownFiles();

  it('exist in the repository', () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const match of read(file).matchAll(/`((?:apps|packages|tests|infra|docs)\/[^`\s]+)`/g)) {
        const path = (match[1] ?? '').replace(/[.,:]+$/, '');
        // Placeholders and globs name a kind of path, not one path.
        if (/[*<>{}]/.test(path)) continue;
        if (!exists(path)) missing.push(`${file}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
