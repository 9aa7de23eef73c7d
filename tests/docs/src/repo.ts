/** The repository as the docs tests see it: files, package manifests. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../../..');
export const read = (path: string) => readFileSync(resolve(root, path), 'utf8');
export const exists = (path: string) => existsSync(resolve(root, path));

/** Files under `top` (relative to the root) that `keep` accepts; skips dependencies and dot folders. */
export function walk(top: string, keep: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(resolve(root, top), { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = `${top}/${entry.name}`;
    if (entry.isDirectory()) out.push(...walk(path, keep));
    else if (keep(path)) out.push(path);
  }
  return out;
}

/** A package.json's name and scripts. */
export interface Manifest {
  dir: string;
  name: string;
  scripts: Record<string, string>;
}

/** The root package.json and every workspace package's. */
export function manifests(): Manifest[] {
  const dirs = [
    '.',
    ...['apps', 'packages', 'tests'].flatMap((top) =>
      readdirSync(resolve(root, top))
        .map((dir) => `${top}/${dir}`)
        .filter((dir) => exists(`${dir}/package.json`)),
    ),
  ];
  return dirs.map((dir) => {
    const json = JSON.parse(read(`${dir}/package.json`)) as {
      name: string;
      scripts?: Record<string, string>;
    };
    return { dir, name: json.name, scripts: json.scripts ?? {} };
  });
}
