/**
 * What a process (or a process and its children) has used, read from Linux's /proc: the
 * bench splits CPU and memory by process (worker, Temporal server, PostgreSQL). Off Linux
 * every figure is 0.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of the CPU times in /proc/<pid>/stat. */
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used so far (utime + stime); 0 off Linux. */
export function cpuSeconds(pid: number | undefined): number {
  const fields = pid === undefined ? undefined : statFields(pid);
  if (!fields) return 0;
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The pids whose parent is `pid`. */
function children(pid: number): number[] {
  const found: number[] = [];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      if (statFields(Number(entry))?.[1] === String(pid)) found.push(Number(entry));
    }
  } catch {
    // not Linux
  }
  return found;
}

/**
 * CPU seconds of a process and its children, those still running and those it has reaped
 * (cutime + cstime): PostgreSQL's postmaster and its backends, one per connection.
 */
export function treeCpuSeconds(pid: number | undefined): number {
  const fields = pid === undefined ? undefined : statFields(pid);
  if (pid === undefined || !fields) return 0;
  const own = fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) / TICKS_PER_SECOND;
  return own + children(pid).reduce((sum, child) => sum + treeCpuSeconds(child), 0);
}

/** A field of /proc/<pid>/<file> in kB ("VmRSS:  1234 kB"), in bytes; 0 if unreadable. */
function kbField(pid: number, file: string, name: string): number {
  try {
    const kb = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(
      readFileSync(`/proc/${pid}/${file}`, 'utf8'),
    )?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** A process's resident memory (VmRSS), in bytes. */
export function memoryBytes(pid: number | undefined): number {
  return pid === undefined ? 0 : kbField(pid, 'status', 'VmRSS');
}

/**
 * The memory of a process and its children, each counted by its proportional share (Pss), so
 * memory they share (PostgreSQL's shared buffers) is counted once; RSS where Pss is not
 * readable (another user's process, without privileges).
 */
export function treeMemoryBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const own = kbField(pid, 'smaps_rollup', 'Pss') || memoryBytes(pid);
  return own + children(pid).reduce((sum, child) => sum + treeMemoryBytes(child), 0);
}

/** The 1, 5 and 15 minute load averages (/proc/loadavg), or `n/a`. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}
