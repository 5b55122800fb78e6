// How busy the machine is, to tell a clean measurement from one that other
// processes contaminated. Two views:
//   - the 1-minute load average (os.loadavg), before and after, as `uptime` shows it;
//   - on Linux, the share of all cores that OTHER processes used while the suite
//     ran: CPU time of the whole machine (/proc/stat) minus this process's own and
//     its finished children's (/proc/self/stat), so the suite's own threads and its
//     PyTorch subprocesses do not count against it, as they do in the load average.
import fs from 'node:fs';
import os from 'node:os';

export interface CpuSample {
  /** Busy ticks of all cores together. */
  busy: number;
  /** All ticks (busy and idle) of all cores together. */
  total: number;
  /** Ticks this process and its reaped children used. */
  own: number;
}

/** A snapshot of CPU time, or null where /proc is missing (not Linux). */
export function sampleCpu(): CpuSample | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]; // "cpu  user nice system idle iowait irq softirq steal ..."
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = ticks;
    const self = fs.readFileSync('/proc/self/stat', 'utf8');
    // fields after the command name (which may hold spaces): state is field 3, utime..cstime are 14..17
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait, own };
  } catch {
    return null;
  }
}

/** Fraction of the machine's cores (0..1) other processes kept busy between two samples. */
export function foreignShare(a: CpuSample | null, b: CpuSample | null): number | null {
  if (!a || !b || b.total <= a.total) return null;
  return Math.max(0, (b.busy - a.busy - (b.own - a.own)) / (b.total - a.total));
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
