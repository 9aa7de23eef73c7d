/**
 * Product processes as children (`worker-process.ts`, the bench's servers), run under tsx's
 * loader in a plain node process (no tsx wrapper process in between, so a signal reaches them).
 * They talk over IPC: `{ type: 'ready' }` once serving, request/answer messages by `type`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The worker as its own process; see worker-process.ts for its variables and messages. */
export const WORKER_PROCESS_ENTRY = resolve(import.meta.dirname, 'worker-process.ts');

const require = createRequire(import.meta.url);

export interface ChildHandle {
  child: ChildProcess;
  /** Resolves once the child sends `{ type: 'ready' }`. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  /** The next message of this type. */
  message<T>(type: string): Promise<T>;
  /** Sends `{ type }` and waits for the answer of the same type. */
  request<T>(type: string): Promise<T>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnChild(
  entry: string,
  env: Record<string, string>,
  /** `execArgv`: Node flags before the entry (e.g. `--cpu-prof`, not allowed in NODE_OPTIONS). */
  options: { stdout?: 'inherit' | 'ignore'; execArgv?: string[] } = {},
): ChildHandle {
  const loader = pathToFileURL(require.resolve('tsx')).href;
  const child = spawn(process.execPath, [...(options.execArgv ?? []), '--import', loader, entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', options.stdout ?? 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const message = <T>(type: string) =>
    new Promise<T>((done, fail) => {
      const onMessage = (m: { type?: string }) => {
        if (m?.type !== type) return;
        child.off('message', onMessage);
        done(m as T);
      };
      child.on('message', onMessage);
      void exited.then((code) => fail(new Error(`${entry} exited (${code}) before ${type}`)));
    });
  const ready = message<void>('ready').then(() => undefined);
  ready.catch(() => {});
  return {
    child,
    ready,
    exited,
    message,
    request: <T>(type: string) => {
      const answer = message<T>(type);
      // A child that died answers nothing: the exit fails `answer`, and the send's own error
      // (the channel closed) must not become an unhandled 'error' event of the parent.
      if (child.connected) child.send({ type }, () => {});
      return answer;
    },
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface WorkerProcess extends ChildHandle {
  rss(): Promise<number>;
}

/** The worker as a child process, configured by `env` (`WorkerConfigSchema` + test extras). */
export function spawnWorker(
  env: Record<string, string>,
  options: { stdout?: 'inherit' | 'ignore'; entry?: string; execArgv?: string[] } = {},
): WorkerProcess {
  const handle = spawnChild(options.entry ?? WORKER_PROCESS_ENTRY, env, options);
  return {
    ...handle,
    rss: async () => (await handle.request<{ rss?: number }>('rss')).rss ?? 0,
  };
}
