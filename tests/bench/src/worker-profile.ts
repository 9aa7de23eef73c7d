/**
 * Where the worker's CPU goes, from the profiles `pnpm bench --profile-worker=DIR` writes
 * (one per thread: the main thread runs Core's bridge and the activities, the workflow
 * thread runs every workflow in the SDK's sandbox). Prints, per thread, its busy time and
 * the parts that explain a slow fan-out: the SDK's promise hook (a stack trace for every
 * promise a workflow creates), its calls into the sandbox (`runInContext`, self time: each
 * call runs under an execution timeout, a watchdog of its own), the workflow bundle itself,
 * and GC; then the functions with the most self time.
 *
 *   pnpm exec tsx tests/bench/src/worker-profile.ts DIR [--last=SECONDS] [--per=N]
 *
 * `--last`: only the profile's last SECONDS (the fan-out ends the scale run); `--per`: also
 * in ms per unit of work (N comments).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { frameName, type Profile, samplesOf } from './cpu-profile';

const arg = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const DIR = process.argv.slice(2).find((a) => !a.startsWith('--'));
const LAST_S = arg('last') === undefined ? undefined : Number(arg('last'));
const PER = arg('per') === undefined ? undefined : Number(arg('per'));

type Part = 'promise hook' | 'sandbox calls' | 'workflow bundle' | 'GC' | 'the rest';

function partOf(node: Profile['nodes'][number], stack: Profile['nodes']): Part {
  const { functionName, url } = node.callFrame;
  if ([node, ...stack].some((n) => n.callFrame.functionName === 'initAll')) return 'promise hook';
  if (functionName === 'runInContext' && url === '') return 'sandbox calls';
  if (/workflow-bundle-[^/]+\/workflows\.js$/.test(url)) return 'workflow bundle';
  if (functionName === '(garbage collector)') return 'GC';
  return 'the rest';
}

function report(file: string): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const parts = new Map<Part, number>();
  const self = new Map<string, number>();
  let busy = 0;
  for (const { node, micros, stack } of samplesOf(profile, LAST_S && LAST_S * 1000)) {
    if (node.callFrame.functionName === '(idle)') continue;
    busy += micros;
    const part = partOf(node, stack);
    parts.set(part, (parts.get(part) ?? 0) + micros);
    const key = frameName(node).slice(0, 100);
    self.set(key, (self.get(key) ?? 0) + micros);
  }
  if (busy < 1_000_000) return `## ${file}: ${(busy / 1e6).toFixed(1)} s busy (skipped)`;
  const cell = (micros: number) =>
    `${(micros / 1e6).toFixed(1)} s | ${((100 * micros) / busy).toFixed(1)} %` +
    (PER ? ` | ${(micros / 1000 / PER).toFixed(1)}` : '');
  const head = `| | CPU | share |${PER ? ' ms per unit |' : ''}\n| --- | --- | --- |${PER ? ' --- |' : ''}`;
  const rows = (entries: [string, number][]) =>
    entries.map(([k, v]) => `| ${k} | ${cell(v)} |`).join('\n');
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
  return [
    `## ${file}: ${(busy / 1e6).toFixed(1)} s busy${LAST_S ? ` in the last ${LAST_S} s` : ''}`,
    `${head}\n${rows([...parts.entries()].sort((a, b) => b[1] - a[1]))}`,
    `${head.replace('| |', '| function (self time) |')}\n${rows(top)}`,
  ].join('\n\n');
}

/** What one call into a sandbox costs here, with the SDK's default timeout and without. */
function sandboxCall(): string {
  const context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
  const script = new vm.Script('1 + 1');
  const micros = (options: vm.RunningScriptOptions) => {
    const calls = 5_000;
    const start = performance.now();
    for (let i = 0; i < calls; i++) script.runInContext(context, options);
    return (((performance.now() - start) / calls) * 1000).toFixed(1);
  };
  return (
    `One \`runInContext\` of a trivial script on this machine: ${micros({ timeout: 5_000 })} µs ` +
    `with the SDK's default isolateExecutionTimeout (5 s), ${micros({})} µs without one.`
  );
}

if (!DIR) {
  process.stderr.write('usage: worker-profile.ts DIR [--last=SECONDS] [--per=N]\n');
  process.exit(2);
}
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort();
process.stdout.write(
  `${[...files.map((f) => report(join(DIR, f))), sandboxCall()].join('\n\n')}\n`,
);
