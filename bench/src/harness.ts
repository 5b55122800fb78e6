// The benchmark harness: medians of repeats, the machine they ran on, and
// markdown tables. Each suite in ./suites returns one markdown section; run.ts
// writes them into BENCHMARKS.md between markers so one suite can be re-run alone.
import os from 'node:os';

export interface Timing {
  /** Median wall time of one call, in milliseconds. */
  medianMs: number;
  /** Fastest and slowest of the repeats, in milliseconds. */
  minMs: number;
  maxMs: number;
  repeats: number;
}

export interface MeasureOptions {
  /** Untimed calls first, to let the JIT settle (default 2). */
  warmup?: number;
  /** Timed calls (default 7). */
  repeats?: number;
  /** Stop adding repeats after this much time, but always do at least 3 (default 20 s). */
  maxTotalMs?: number;
}

/** Times `fn` (sync or async) and returns the median of the repeats. */
export async function measure(fn: () => unknown | Promise<unknown>, options: MeasureOptions = {}): Promise<Timing> {
  const warmup = options.warmup ?? 2;
  const repeats = options.repeats ?? 7;
  const maxTotalMs = options.maxTotalMs ?? 20_000;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    if (i >= 2 && performance.now() - start > maxTotalMs) break;
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const medianMs = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { medianMs, minMs: times[0], maxMs: times[times.length - 1], repeats: times.length };
}

/** One line describing the machine, for the header of BENCHMARKS.md. */
export function machineInfo(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const memGiB = (os.totalmem() / 2 ** 30).toFixed(0);
  return `${model}, ${cpus.length} cores, ${memGiB} GiB, ${os.platform()} ${os.arch()}, Node ${process.version}`;
}

/** A markdown table from a header row and rows of cells. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Formats a number with a fixed count of significant decimals. */
export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  return x.toFixed(digits);
}

/** A benchmark suite: a name (used for the BENCHMARKS.md marker) and a run that returns markdown. */
export interface Suite {
  name: string;
  title: string;
  run: () => Promise<string>;
}
