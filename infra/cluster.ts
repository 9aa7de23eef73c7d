/**
 * `infra/cluster.sh` from TypeScript: the tests' global setup (TEST_TEMPORAL=cluster), the fault
 * tests (which stop and start the cluster's parts) and the bench (which reads their CPU time)
 * drive the local cluster through it, with the environment of the calling process
 * (CLUSTER_FRONTEND_PORT, CLUSTER_PG_PORT, CLUSTER_DATA_DIR).
 */
import { execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const SCRIPT = resolve(import.meta.dirname, 'cluster.sh');

/** The part `down` can stop alone. */
export type ClusterPart = 'temporal' | 'postgres';

/** The cluster's frontend, `host:port`. */
export function clusterAddress(env: NodeJS.ProcessEnv = process.env): string {
  return `127.0.0.1:${env.CLUSTER_FRONTEND_PORT || '7233'}`;
}

/** `bash infra/cluster.sh up`: starts whatever is not running (building the server once). */
export function clusterUp(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return run(['up'], env);
}

/** `bash infra/cluster.sh down [part]`: stops one part, or both. */
export function clusterDown(part?: ClusterPart): Promise<void> {
  return run(part ? ['down', part] : ['down'], process.env);
}

/** The pids of what runs (`bash infra/cluster.sh status`); PostgreSQL's is the postmaster's. */
export function clusterPids(): { temporal?: number; postgres?: number } {
  const status = execFileSync('bash', [SCRIPT, 'status'], { encoding: 'utf8' });
  const pid = (name: string) => {
    const found = new RegExp(`^${name}: running \\(pid (\\d+)\\)`, 'm').exec(status)?.[1];
    return found ? Number(found) : undefined;
  };
  return { temporal: pid('temporal'), postgres: pid('postgresql') };
}

/**
 * Runs the script without blocking this process: the fault tests serve the ingress and the
 * fakes from the process that restarts the cluster. Its log (stderr) is shown.
 */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('bash', [SCRIPT, ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env,
    });
    child.once('error', fail);
    child.once('exit', (code) =>
      code === 0
        ? done()
        : fail(new Error(`bash infra/cluster.sh ${args.join(' ')}: exit ${code}`)),
    );
  });
}
