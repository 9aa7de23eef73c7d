/**
 * Reading the deployment files the way their consumers do: compose and Kubernetes YAML,
 * env files, Dockerfiles (instructions, stages) and their `.dockerignore` patterns.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const deployDir = resolve(repoRoot, 'infra/deploy');
export const k8sDir = resolve(deployDir, 'k8s');

export function readRepoFile(path: string): string {
  return readFileSync(resolve(repoRoot, path), 'utf8');
}

export function existsInRepo(path: string): boolean {
  return existsSync(resolve(repoRoot, path));
}

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is untyped; the tests check its shape.
export type Yaml = any;

export function loadYaml(path: string): Yaml {
  return parse(readFileSync(path, 'utf8'));
}

/** Every document of a multi-document YAML file; fails on a syntax error in any of them. */
export function loadYamlDocuments(path: string): Yaml[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]?.message}`);
  }
  return list.map((doc) => doc.toJS()).filter((value) => value !== null && value !== undefined);
}

/** `KEY=value` lines of a docker env file (comments and blank lines skipped). */
export function parseEnvFile(path: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${path}: not KEY=value: ${line}`);
    values.set(line.slice(0, eq).trim(), line.slice(eq + 1));
  }
  return values;
}

export interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Dockerfile instructions (continuations joined, comments dropped), each with its stage. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    if (full === '') continue;
    const match = /^(\S+)\s*(.*)$/.exec(full);
    if (!match) continue;
    const keyword = (match[1] ?? '').toUpperCase();
    if (keyword === 'FROM') stage += 1;
    instructions.push({ keyword, args: match[2] ?? '', stage });
  }
  return instructions;
}

/** Source paths of a COPY/ADD (shell or JSON form), without flags and the destination. */
export function copySources(args: string): { from?: string; sources: string[] } {
  let words: string[];
  const trimmed = args.trim();
  const flags = trimmed.match(/^(--\S+\s+)*/)?.[0] ?? '';
  const rest = trimmed.slice(flags.length);
  if (rest.startsWith('[')) words = JSON.parse(rest) as string[];
  else words = rest.split(/\s+/).filter(Boolean);
  const from = /--from=(\S+)/.exec(flags)?.[1];
  return { ...(from ? { from } : {}), sources: words.slice(0, -1) };
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i += 1) {
    const ch = glob[i] as string;
    if (ch === '*' && glob[i + 1] === '*') {
      out += '.*';
      i += 1;
      if (glob[i + 1] === '/') i += 1;
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}(/.*)?$`);
}

/**
 * Whether a context path is left out by a .dockerignore (last matching pattern wins,
 * `!` re-includes; a pattern matching a directory excludes everything under it).
 */
export function isDockerIgnored(patterns: string[], path: string): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
    if (globToRegExp(pattern).test(path)) ignored = !negated;
  }
  return ignored;
}

/** Workspace package directories by package name. */
export function workspacePackages(): Map<string, { dir: string; manifest: Yaml }> {
  const packages = new Map<string, { dir: string; manifest: Yaml }>();
  const workspace = loadYaml(resolve(repoRoot, 'pnpm-workspace.yaml')) as { packages: string[] };
  for (const glob of workspace.packages) {
    const parent = glob.replace(/\/\*$/, '');
    const base = resolve(repoRoot, parent);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const manifestPath = resolve(base, name, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      packages.set(manifest.name, { dir: `${parent}/${name}`, manifest });
    }
  }
  return packages;
}

/** The app and every workspace package it depends on (dependencies and devDependencies). */
export function workspaceClosure(name: string): string[] {
  const packages = workspacePackages();
  const seen = new Set<string>();
  const visit = (pkg: string) => {
    if (seen.has(pkg)) return;
    const entry = packages.get(pkg);
    if (!entry) return;
    seen.add(pkg);
    const deps = { ...entry.manifest.dependencies, ...entry.manifest.devDependencies } as Record<
      string,
      string
    >;
    for (const [dep, range] of Object.entries(deps)) {
      if (range.startsWith('workspace:')) visit(dep);
    }
  };
  visit(name);
  return [...seen].map((pkg) => packages.get(pkg)?.dir as string);
}
