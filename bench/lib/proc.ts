// Per-process facts from /proc (Linux only): children, CPU time, resident memory. The servers
// under test are black boxes, so everything about them is read from outside.
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of utime/stime in /proc/<pid>/stat; 100 on every Linux we run on. */
const CLK_TCK = 100;

/** Direct children of `pid` (every thread's list, since a child belongs to the thread that forked it). */
export function childrenOf(pid: number): number[] {
  const found = new Set<number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const task of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/)) {
        if (child) found.add(Number(child));
      }
    } catch {
      // the thread ended meanwhile
    }
  }
  return [...found];
}

/** `pid` and every descendant. */
export function treeOf(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childrenOf(all[i]!));
  return all;
}

/** The command line, arguments joined by spaces ('' once the process is gone). */
export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** utime + stime, and cutime + cstime (its children that ended and were waited for), in seconds. */
function cpuOf(pid: number): { own: number; reaped: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14 to 17.
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number) as [number, number, number, number];
    return { own: (utime + stime) / CLK_TCK, reaped: (cutime + cstime) / CLK_TCK };
  } catch {
    return { own: 0, reaped: 0 };
  }
}

/** CPU seconds (user + system) the process has used so far; 0 once it is gone. */
export const cpuSecondsOf = (pid: number): number => cpuOf(pid).own;

/**
 * CPU seconds of a whole process tree so far: every live process's own time plus what the root
 * has reaped from children that ended (PostgreSQL backends come and go under the postmaster).
 */
export function treeCpuSecondsOf(root: number): number {
  let total = cpuOf(root).reaped;
  for (const pid of treeOf(root)) total += cpuOf(pid).own;
  return total;
}

/** CPU seconds all cores of the machine have been busy (not idle, not waiting on I/O) since boot. */
export function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return (total - fields[3]! - fields[4]!) / CLK_TCK;
}

/** Resident set size in MB (VmRSS); 0 once the process is gone. */
export function rssMbOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The machine, for every result file. */
export function machine(): { cpu: string; cores: number; node: string; memoryGb: number } {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  return {
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    cores: (cpuinfo.match(/^processor\s*:/gm) ?? []).length,
    node: process.version,
    memoryGb: Math.round(Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0) / 1024 / 1024),
  };
}
