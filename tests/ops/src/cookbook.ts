/**
 * Reads the operator commands out of docs/operations.md and runs them the way an operator
 * would (`pnpm temporal ...` is `bash infra/temporal-cli.sh ...`).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const COOKBOOK = resolve(REPO_ROOT, 'docs/operations.md');
export const PREFIX = 'pnpm temporal ';

export interface DocCommand {
  /** 1-based line in the document where the command starts. */
  line: number;
  /** The command as written (continuation lines joined). */
  text: string;
}

/**
 * Every command of every ```bash block. Lines ending in `\` are joined with the next.
 * Comments and blank lines are skipped; anything else is returned too, so that a caller can
 * refuse commands it does not know.
 */
export function extractBashCommands(markdown: string): DocCommand[] {
  const commands: DocCommand[] = [];
  let inBash = false;
  let pending: DocCommand | null = null;
  markdown.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    const fence = /^\s*```(\S*)/.exec(line);
    if (fence) {
      inBash = !inBash && fence[1] === 'bash';
      pending = null;
      return;
    }
    if (!inBash) return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1).trim() : line.trim();
    if (pending) {
      pending.text = `${pending.text} ${body}`;
    } else {
      if (body === '' || body.startsWith('#')) return;
      pending = { line: index + 1, text: body };
      commands.push(pending);
    }
    if (!continued) pending = null;
  });
  return commands;
}

export function readCookbook(): DocCommand[] {
  return extractBashCommands(readFileSync(COOKBOOK, 'utf8'));
}

export interface RunResult {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pnpm temporal <args>` as `bash infra/temporal-cli.sh <args>` against `address`. */
export function runCli(
  command: string,
  address: string,
  timeoutMs = 30_000,
  env: Record<string, string> = {},
): Promise<RunResult> {
  if (!command.startsWith(PREFIX)) throw new Error(`not a pnpm temporal command: ${command}`);
  const script = `bash infra/temporal-cli.sh ${command.slice(PREFIX.length)}`;
  return new Promise((done) => {
    execFile(
      'bash',
      ['-c', script],
      {
        cwd: REPO_ROOT,
        timeout: timeoutMs,
        env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', ...env },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ command, code, stdout, stderr });
      },
    );
  });
}
