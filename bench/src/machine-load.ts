// How busy the machine is, to tell a clean measurement from one that other
// processes contaminated. Two views:
//   - the 1-minute load average (os.loadavg), before and after, as `uptime` shows it;
//   - on Linux, the share of all cores that OTHER processes used while the suite
//     ran: CPU time of the whole machine (/proc/stat) minus that of this process and
//     all its descendants, live (/proc/PID/stat of each) or finished (the cutime of
//     whoever reaped them), so the suite's own threads, its PyTorch subprocesses and
//     the headless Chromium it drives (renderer, GPU process running SwiftShader) do
//     not count against it, as they do in the load average.
import fs from 'node:fs';
import os from 'node:os';

export interface CpuSample {
  /** Busy ticks of all cores together. */
  busy: number;
  /** All ticks (busy and idle) of all cores together. */
  total: number;
  /** Ticks this process and all its descendants used (live ones and those already reaped). */
  own: number;
}

/** A snapshot of CPU time, or null where /proc is missing (not Linux). */
export function sampleCpu(): CpuSample | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]; // "cpu  user nice system idle iowait irq softirq steal ..."
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = ticks;
    const own = ownTicks();
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait, own };
  } catch {
    return null;
  }
}

/** utime + stime + cutime + cstime of one /proc/PID/stat, with its parent pid. */
function processTicks(pid: number | 'self'): { ppid: number; ticks: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces): state is field 3, ppid 4, utime..cstime 14..17
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) };
  } catch {
    return null; // the process ended between listing and reading
  }
}

/** CPU ticks of this process and every live descendant (each including the children it reaped). */
function ownTicks(): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const t = processTicks(pid);
    if (!t) continue;
    ticks.set(pid, t.ticks);
    const list = children.get(t.ppid);
    if (list) list.push(pid);
    else children.set(t.ppid, [pid]);
  }
  let sum = 0;
  const stack = [process.pid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    sum += ticks.get(pid) ?? processTicks('self')?.ticks ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return sum;
}

/** Fraction of the machine's cores (0..1) other processes kept busy between two samples. */
export function foreignShare(a: CpuSample | null, b: CpuSample | null): number | null {
  return foreignShareAcross([[a, b]]);
}

/**
 * foreignShare over several intervals together (their other processes' ticks over their
 * ticks). A suite that drives Chromium samples before it closes the browser: closing kills
 * renderer and GPU processes whose parents die with them, so their CPU time is reaped by
 * init, not by a descendant of ours, and would then count as another process's.
 */
export function foreignShareAcross(intervals: Array<[CpuSample | null, CpuSample | null]>): number | null {
  let foreign = 0;
  let total = 0;
  for (const [a, b] of intervals) {
    if (!a || !b || b.total <= a.total) return null;
    foreign += b.busy - a.busy - (b.own - a.own);
    total += b.total - a.total;
  }
  return total > 0 ? Math.max(0, foreign / total) : null;
}

/** The 1-minute load average divided by the number of cores. */
export function loadPerCore(): number {
  return os.loadavg()[0] / os.cpus().length;
}

/**
 * Waits (up to maxWaitMs, checking every few seconds) until the 1-minute load
 * average is at most `perCore` per core, and returns the load it started at.
 * A suite that starts right after another job sees that job in the average
 * for a minute or more.
 */
export async function waitForQuiet(perCore: number, maxWaitMs: number): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  while (loadPerCore() > perCore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5000));
  return loadPerCore();
}
