// Long context on @attn/wasm: the nanoGPT CPU model's shape with a 1,024-token
// block (4 layers, 4 heads, width 128, batch 4), trained with attention fused
// (the T x T weights never stored) and materialised (the reference path, as
// when the weights are returned). Each configuration runs in a child process
// (children/long-context.ts) so its peak RSS is its own.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LongContextJob, LongContextResult } from '../children/long-context.js';

const child = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../children/long-context.ts');

/** The long-context configuration of the issue: nanoGPT CPU widths, block 1024, batch 4. */
export const longContext = { layers: 4, heads: 4, width: 128, block: 1024, batch: 4 };

/** Runs one job in a fresh Node process (with this process's loader flags, so TypeScript sources resolve). */
export function runLongContext(job: Omit<LongContextJob, keyof typeof longContext>): LongContextResult {
  const full: LongContextJob = { ...longContext, ...job };
  const run = spawnSync(process.execPath, [...process.execArgv, child, JSON.stringify(full)], { encoding: 'utf8', timeout: 900_000 });
  if (run.status !== 0) throw new Error(`long-context child failed (${JSON.stringify(full)}): ${run.stderr.slice(-2000)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? 'null') as LongContextResult;
}

export interface LongContextRows {
  fused: { step: LongContextResult; attention: LongContextResult };
  materialised: { step: LongContextResult; attention: LongContextResult };
}

/** Step time and memory, fused and materialised, on `threads` threads. */
export function measureLongContext(threads: number): LongContextRows {
  const measure = (mode: 'fused' | 'materialised') => ({
    step: runLongContext({ what: 'step', mode, threads, steps: 5, warmup: 2 }),
    attention: runLongContext({ what: 'attention', mode, threads, steps: 1, warmup: 0 }),
  });
  return { fused: measure('fused'), materialised: measure('materialised') };
}
