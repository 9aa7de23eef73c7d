/**
 * `pnpm build`: compiles the apps and the packages they use to JavaScript, for production
 * (`pnpm start`, the images in infra/deploy). Development and tests keep running the
 * TypeScript sources; docs/deployment.md, "Built JavaScript".
 *
 * - Each package: `tsc` from `src/` to `dist/` (ES2022 modules, source maps, declarations for
 *   the packages built after it), in dependency order. A package's `exports` name both: the
 *   `compiled` condition (`node --conditions=compiled`) picks `dist/`, anything else `src/`.
 * - The sources import relative modules without an extension (TypeScript's bundler
 *   resolution); Node's ESM loader needs the file name, so each emitted import gets `.js` (or
 *   `/index.js`) added.
 * - The worker's workflow bundles (`apps/worker/src/workflow-bundle.ts`), so a worker starts
 *   without webpack.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const tsc = join(root, 'node_modules/.bin/tsc');

interface Workspace {
  name: string;
  dir: string;
  deps: string[];
}

/** apps/* and packages/* but the test kit, which production never loads. */
function workspaces(): Workspace[] {
  const found: Workspace[] = [];
  for (const group of ['apps', 'packages']) {
    for (const entry of readdirSync(join(root, group))) {
      const dir = join(root, group, entry);
      const manifest = join(dir, 'package.json');
      if (!existsSync(manifest) || entry === 'testkit') continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
      };
      const deps = Object.keys(pkg.dependencies ?? {}).filter((d) =>
        d.startsWith('@code-factory/'),
      );
      found.push({ name: pkg.name, dir, deps });
    }
  }
  return found;
}

/** Dependencies first; only `targets` and what they use, when given. */
function inOrder(all: Workspace[], targets: string[]): Workspace[] {
  const byName = new Map(all.map((w) => [w.name, w]));
  const done = new Set<string>();
  const order: Workspace[] = [];
  const visit = (w: Workspace, path: string[]) => {
    if (done.has(w.name)) return;
    if (path.includes(w.name))
      throw new Error(`dependency cycle: ${[...path, w.name].join(' → ')}`);
    for (const dep of w.deps) {
      const d = byName.get(dep);
      if (d) visit(d, [...path, w.name]);
    }
    done.add(w.name);
    order.push(w);
  };
  for (const name of targets) {
    if (!byName.has(name)) throw new Error(`no workspace package ${name}`);
  }
  for (const w of all) if (targets.length === 0 || targets.includes(w.name)) visit(w, []);
  return order;
}

function compile(w: Workspace): void {
  const dist = join(w.dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  // Absolute paths: the config sits in dist/, out of the way of the package's own tsconfig.
  const config = join(dist, '.tsconfig.build.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(root, 'tsconfig.base.json'),
      compilerOptions: {
        noEmit: false,
        rootDir: join(w.dir, 'src'),
        outDir: dist,
        sourceMap: true,
        declaration: true,
        // Other workspace packages are read from their dist/ (built before this one).
        customConditions: ['compiled'],
      },
      include: [join(w.dir, 'src')],
      exclude: [join(w.dir, 'src/**/*.test.ts')],
    }),
  );
  execFileSync(tsc, ['-p', config], { stdio: 'inherit', cwd: w.dir });
  rmSync(config);
  for (const file of walk(dist)) if (file.endsWith('.js')) addExtensions(file);
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

/** `from './x'` → `from './x.js'` (or `./x/index.js`), in static and dynamic imports. */
function addExtensions(file: string): void {
  const source = readFileSync(file, 'utf8');
  const fixed = source.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\2/g,
    (match, lead: string, quote: string, spec: string) => {
      if (/\.(m?js|json)$/.test(spec)) return match;
      const base = resolve(dirname(file), spec);
      if (existsSync(`${base}.js`)) return `${lead}${quote}${spec}.js${quote}`;
      if (existsSync(join(base, 'index.js'))) return `${lead}${quote}${spec}/index.js${quote}`;
      throw new Error(`${relative(root, file)}: cannot resolve ${spec}`);
    },
  );
  if (fixed !== source) writeFileSync(file, fixed);
}

const t0 = performance.now();

async function main(): Promise<void> {
  // `pnpm build`: everything; `tsx infra/build.ts @code-factory/worker`: that app's closure.
  const targets = process.argv.slice(2);
  const order = inOrder(workspaces(), targets);
  for (const w of order) {
    const t = performance.now();
    compile(w);
    process.stdout.write(`[build] ${w.name} ${Math.round(performance.now() - t)} ms\n`);
  }
  if (!order.some((w) => w.name === '@code-factory/worker')) return;
  const t = performance.now();
  // In the worker app, which owns the Temporal SDK (apps/worker/src/workflow-bundle.ts).
  execFileSync(
    join(root, 'node_modules/.bin/tsx'),
    ['apps/worker/src/workflow-bundle.ts', 'apps/worker/dist/bundles'],
    { stdio: 'inherit', cwd: root },
  );
  process.stdout.write(`[build] workflow bundles ${Math.round(performance.now() - t)} ms\n`);
}

main()
  .then(() => {
    process.stdout.write(`[build] done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  })
  .catch((err) => {
    process.stderr.write(`[build] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
