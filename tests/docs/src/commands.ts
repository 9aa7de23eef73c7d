/** Parsing and checking the commands the docs show. */
import { exists, type Manifest, manifests, read } from './repo';

const packages = manifests();
const rootManifest = packages.find((m) => m.dir === '.') as Manifest;
const turboTasks = Object.keys(
  (JSON.parse(read('turbo.json')) as { tasks: Record<string, unknown> }).tasks,
);
/** pnpm's own commands the docs use; anything else after `pnpm` must be a root script. */
const PNPM_BUILTINS = new Set(['install', 'add', 'dlx', 'store', 'why', 'list', 'deploy']);

/** Shell words of a command line, with quotes removed; stops at `#`, `|`, `&&`, `;`. */
export function words(command: string): string[] {
  const out: string[] = [];
  for (const match of command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const word = match[1] ?? match[2] ?? match[3] ?? '';
    if (match[3] && /^(#|\||&&|;|>)/.test(word)) break;
    out.push(word);
  }
  return out;
}

/** Placeholders (`<app>`, `...`) name a kind of thing, not one thing. */
const placeholder = (word: string) => /[<>]|\.\.\.|…/.test(word);

/** What is wrong with one `pnpm …` command (its words after `pnpm`), or null. */
export function checkPnpm(args: string[]): string | null {
  const filters: string[] = [];
  let i = 0;
  while (args[i] === '--filter' || args[i] === '-F') {
    filters.push(args[i + 1] ?? '');
    i += 2;
  }
  const [command = '', ...rest] = args.slice(i);
  if (command === '' || command.startsWith('-') || PNPM_BUILTINS.has(command)) return null;
  if (command === 'exec') {
    const bin = rest[0] ?? '';
    return exists(`node_modules/.bin/${bin}`) ? null : `no binary "${bin}" in node_modules/.bin`;
  }
  if (command === 'turbo') return checkTurbo(rest);
  const script = command === 'run' ? (rest[0] ?? '') : command;
  if (filters.length === 0) {
    return script in rootManifest.scripts ? null : `no script "${script}" in package.json`;
  }
  for (const filter of filters.filter((f) => !placeholder(f))) {
    const target = packages.find((m) => m.name === filter);
    if (!target) return `no workspace package "${filter}"`;
    if (!(script in target.scripts)) return `no script "${script}" in ${target.dir}/package.json`;
  }
  return null;
}

function checkTurbo(args: string[]): string | null {
  const rest = args[0] === 'run' ? args.slice(1) : args;
  const tasks = rest.filter((w, i) => !w.startsWith('-') && !rest[i - 1]?.startsWith('--'));
  const filters = rest.flatMap((w, i) => (rest[i - 1] === '--filter' ? [w] : []));
  for (const task of tasks) {
    if (!turboTasks.includes(task)) return `no turbo task "${task}" in turbo.json`;
    for (const filter of filters) {
      const target = packages.find((m) => m.name === filter);
      if (!target) return `no workspace package "${filter}"`;
      if (!(task in target.scripts)) return `no script "${task}" in ${target.dir}/package.json`;
    }
  }
  return null;
}

/** Paths a command runs: `bash <path>`, `tsx <path>`, `vitest run <paths>`, `--config <path>`. */
export function pathsOf(words: string[]): string[] {
  const paths: string[] = [];
  words.forEach((word, i) => {
    const previous = words[i - 1] ?? '';
    if (previous === 'bash' || previous === 'tsx' || previous === '--config') paths.push(word);
  });
  const vitest = words.indexOf('vitest');
  if (vitest >= 0 && words[vitest + 1] === 'run') {
    const args = words.slice(vitest + 2);
    args.forEach((word, i) => {
      const takesValue = ['-t', '--project', '--config'].includes(args[i - 1] ?? '');
      if (!word.startsWith('-') && !takesValue && word.includes('/')) paths.push(word);
    });
  }
  return paths.filter((path) => !placeholder(path) && !path.startsWith('$'));
}
