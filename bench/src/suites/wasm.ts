// Suite `wasm`: the WebAssembly SIMD kernels of @attn/wasm against the plain
// TypeScript backend and peers measured in the same run: TF.js's WebAssembly
// (XNNPACK) and pure-JS backends, and PyTorch (OpenBLAS) where Debian's
// python3-torch is installed.
//
// The yardstick is the machine itself: a register-only multiply-add loop in the
// same wasm build the matmul uses (relaxed SIMD's fused multiply-add where the
// engine has it) gives the SIMD peak on 1 and 2 threads, and every matmul is
// reported as a fraction of it. Other processes on the machine distort every
// figure, the 2-thread ones most, so the suite records the load average before
// and after, and the share of the cores other processes used while it ran;
// when that was too high, or PyTorch on 2 threads was not faster than on 1 (a
// sure sign a core was taken), it runs again, and after the last attempt a
// still-contaminated section is labelled inconclusive and gives times without
// ratios.
//
// Tables: SIMD peak; matmul GFLOP/s at square sizes; one training step of
// nanoGPT's CPU configuration; the same model with a 1,024-token block, with
// attention fused and materialised (time and memory).
import os from 'node:os';
import { createWasmKernels, planMatmul, type WasmKernels } from '@attn/wasm';
import { fmt, measure, type Suite, table } from '../harness.js';
import { type CpuSample, foreignShare, loadPerCore, sampleCpu, waitForQuiet } from '../machine-load.js';
import { attnGptStep, gptConfig } from './wasm-gpt.js';
import type { LongContextResult } from '../children/long-context.js';
import { longContext, type LongContextRows, measureLongContext } from './wasm-long-context.js';
import { tfGptStep, useTfBackend } from './wasm-tfjs.js';
import { findTorch, runTorch, torchGptStepScript, torchMatmulScript } from './wasm-torch.js';
import { tsMatmul } from './wasm-ts.js';

const sizes = [128, 256, 512, 1024];
/** Most runs of the whole suite before it gives up on a clean one (ATTN_BENCH_ATTEMPTS overrides). */
const ATTEMPTS = Math.max(1, Number(process.env.ATTN_BENCH_ATTEMPTS ?? 3) || 3);
/** A run is clean when the load average per core before it was at most this... */
const MAX_LOAD_PER_CORE = 0.5;
/** ...and other processes used at most this share of the cores while it ran. */
const MAX_FOREIGN_SHARE = 0.15;
/** Thread counts of the long-context rows (each a few child processes of several seconds). */
const LONG_CONTEXT_THREADS = [2];

function randomArray(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.random() * 2 - 1;
  return out;
}

const gflops = (n: number, ms: number) => (2 * n ** 3) / (ms * 1e6);

/** Times fn within a budget: at least 3 repeats, fewer for slow peers. */
const timed = (fn: () => unknown, budgetMs = 3000) => measure(fn, { warmup: 2, repeats: 9, maxTotalMs: budgetMs });

interface Peak {
  /** GFLOP/s of the register-only multiply-add loop, by thread count. */
  gflops: Record<number, number>;
  relaxedSimd: boolean;
  /** The plain-SIMD build's single-thread peak, for comparison. */
  plain1T: number;
}

interface MatmulRow {
  n: number;
  /** @attn/wasm GFLOP/s by threads, operands resident in wasm memory. */
  wasm: Record<number, number>;
  ts: number;
  tfWasm: number;
  tfJs: number | null;
  torch: Record<number, number> | null;
}

interface StepRow {
  name: string;
  ms: number | null;
  note?: string;
  threads: number;
}

interface Attempt {
  loadBefore: number;
  loadAfter: number;
  foreign: number | null;
  peak: Peak;
  matmul: MatmulRow[];
  steps: StepRow[];
  long: Record<number, LongContextRows>;
  /** PyTorch's training step on 2 threads against 1 (null without PyTorch). */
  torchStepSpeedup: number | null;
  problems: string[];
}

/** The best of a few runs of the peak loop (the first ones may still run baseline code). */
function measurePeak(kernels: WasmKernels, threads: number): number {
  let best = 0;
  for (let i = 0; i < 7; i++) best = Math.max(best, kernels.simdPeak(threads));
  return best;
}

/** n x n products on resident operands (as in training), median GFLOP/s. */
async function wasmMatmul(kernels: WasmKernels, n: number): Promise<number> {
  const a = kernels.toResident(randomArray(n * n));
  const b = kernels.toResident(randomArray(n * n));
  if (!a || !b) throw new Error('wasm bench: no room for resident operands');
  const plan = planMatmul([n, n], [n, n]);
  const t = await measure(() => kernels.free(kernels.runCalls(a, b, plan.calls, n * n, plan.flops)), {
    // Small products take tens of microseconds: 5 warm-up calls were over before the pool's
    // polling settled (the first 2-thread run at n = 128 measured 1.44x, the next ones 1.7-1.8x,
    // in one process back to back), so they get about 10 ms of warm-up like the large ones.
    warmup: n <= 256 ? 200 : 5,
    repeats: n >= 1024 ? 15 : 41,
    maxTotalMs: 4000,
  });
  kernels.free(a);
  kernels.free(b);
  return gflops(n, t.medianMs);
}

async function measureMatmul(kernels: Record<number, WasmKernels>, notes: Set<string>): Promise<MatmulRow[]> {
  const torch = findTorch();
  const torchSecs: Record<number, Record<string, number>> = {};
  if (torch) for (const threads of [1, 2]) torchSecs[threads] = runTorch(torchMatmulScript, sizes, threads);
  else notes.add('PyTorch columns skipped: no python3 that can `import torch` (Debian: apt install python3-torch).');
  const rows: MatmulRow[] = [];
  for (const n of sizes) {
    const a = randomArray(n * n);
    const b = randomArray(n * n);
    const tfRun = async (backend: 'wasm' | 'cpu') => {
      const tf = await useTfBackend(backend);
      const ta = tf.tensor2d(a, [n, n]);
      const tb = tf.tensor2d(b, [n, n]);
      const t = await timed(() => {
        const c = tf.matMul(ta, tb);
        c.dataSync();
        c.dispose();
      });
      ta.dispose();
      tb.dispose();
      return gflops(n, t.medianMs);
    };
    rows.push({
      n,
      wasm: { 1: await wasmMatmul(kernels[1], n), 2: await wasmMatmul(kernels[2], n) },
      ts: gflops(n, (await timed(() => tsMatmul(a, b, n), 4000)).medianMs),
      tfWasm: await tfRun('wasm'),
      // TF.js pure JS at 1024 would take ~4 s per product; its trend is clear by 512.
      tfJs: n > 512 ? null : await tfRun('cpu'),
      torch: torch ? { 1: gflops(n, torchSecs[1][n] * 1000), 2: gflops(n, torchSecs[2][n] * 1000) } : null,
    });
  }
  return rows;
}

async function measureSteps(notes: Set<string>): Promise<StepRow[]> {
  const rows: StepRow[] = [];
  for (const backend of ['wasm', 'ts'] as const) {
    for (const threads of backend === 'wasm' ? [1, 2] : [1]) {
      const name = backend === 'wasm' ? `attn + @attn/wasm ${threads}T` : 'attn, TS backend';
      const step = await attnGptStep(backend, threads);
      if (typeof step === 'string') {
        rows.push({ name, ms: null, note: step, threads });
        continue;
      }
      // warm-up steps: V8 compiles wasm with its baseline compiler first and tiers hot
      // functions up in the background, which takes longer on a busy machine.
      rows.push({ name, threads, ms: (await measure(step.run, { warmup: backend === 'wasm' ? 6 : 1, repeats: backend === 'wasm' ? 21 : 5, maxTotalMs: 15_000 })).medianMs });
      step.dispose();
    }
  }
  const tf = await useTfBackend('wasm');
  const tfStep = tfGptStep(tf, gptConfig);
  rows.push({ name: 'TF.js wasm 1T', threads: 1, ms: (await measure(tfStep, { warmup: 1, repeats: 3, maxTotalMs: 10_000 })).medianMs });
  notes.add('TF.js pure JS is left out of the training step: about 17 s per step, too slow for the suite budget.');
  if (findTorch()) {
    for (const threads of [1, 2]) {
      const secs = runTorch<number>(torchGptStepScript, { ...gptConfig, warmup: 5, repeats: 15 }, threads);
      rows.push({ name: `PyTorch ${threads}T`, threads, ms: secs * 1000 });
    }
  }
  return rows;
}

async function attempt(notes: Set<string>): Promise<Attempt> {
  const loadBefore = await waitForQuiet(MAX_LOAD_PER_CORE, 120_000);
  const cpu0: CpuSample | null = sampleCpu();
  const kernels = { 1: await createWasmKernels({ threads: 1 }), 2: await createWasmKernels({ threads: 2 }) };
  for (const t of [1, 2] as const) if (kernels[t].threads !== t) notes.add(`wasm asked for ${t} threads but got ${kernels[t].threads}.`);
  const plainKernels = await createWasmKernels({ threads: 1, relaxedSimd: false });
  const peak: Peak = {
    gflops: { 1: measurePeak(kernels[1], 1), 2: measurePeak(kernels[2], 2) },
    relaxedSimd: kernels[1].relaxedSimd,
    plain1T: measurePeak(plainKernels, 1),
  };
  plainKernels.dispose();
  const matmul = await measureMatmul(kernels, notes);
  for (const k of Object.values(kernels)) k.dispose();
  const steps = await measureSteps(notes);
  const long: Record<number, LongContextRows> = {};
  for (const threads of LONG_CONTEXT_THREADS) long[threads] = measureLongContext(threads);
  const cpu1 = sampleCpu();
  const loadAfter = loadPerCore();
  const foreign = foreignShare(cpu0, cpu1);
  const torch = (t: number) => steps.find((r) => r.name === `PyTorch ${t}T`)?.ms ?? null;
  const torchStepSpeedup = torch(1) && torch(2) ? torch(1)! / torch(2)! : null;
  const problems: string[] = [];
  if (loadBefore > MAX_LOAD_PER_CORE) problems.push(`load average ${fmt(loadBefore, 2)} per core before the run (limit ${MAX_LOAD_PER_CORE})`);
  if (foreign !== null && foreign > MAX_FOREIGN_SHARE) problems.push(`other processes used ${fmt(100 * foreign, 0)}% of the cores during the run (limit ${100 * MAX_FOREIGN_SHARE}%)`);
  if (torchStepSpeedup !== null && torchStepSpeedup <= 1 && !findTorch()?.referenceBlas) problems.push(`PyTorch's step was not faster on 2 threads than on 1 (${fmt(torch(2)!, 0)} vs ${fmt(torch(1)!, 0)} ms)`);
  // The same rule for the products big enough for OpenBLAS to split (on a quiet machine here it runs 1.9x at 256 and up).
  const slowTorch2T = matmul.filter((r) => r.n >= 256 && r.torch && r.torch[2] <= r.torch[1]).map((r) => r.n);
  if (slowTorch2T.length > 0 && !findTorch()?.referenceBlas) problems.push(`PyTorch's matmul was not faster on 2 threads than on 1 at n = ${slowTorch2T.join(', ')}`);
  return { loadBefore, loadAfter, foreign, peak, matmul, steps, long, torchStepSpeedup, problems };
}

const pct = (x: number) => `${fmt(100 * x, 0)}%`;

function render(a: Attempt, attempts: Attempt[], notes: Set<string>): string {
  const clean = a.problems.length === 0;
  const cores = os.cpus().length;
  const out: string[] = [];
  if (!clean) {
    out.push(
      `**Inconclusive**: after ${attempts.length} attempts the machine was still busy (${a.problems.join('; ')}). ` +
        'Times are shown as measured; ratios (fraction of peak, speed-ups, % of PyTorch) are left out because another ' +
        'process distorted them. Re-run on a quiet machine.',
      '',
    );
  }
  out.push(
    `Load average (1 min) per core: ${fmt(a.loadBefore, 2)} before, ${fmt(a.loadAfter, 2)} after (the suite's own threads count in the latter) on ${cores} cores; ` +
      (a.foreign === null ? 'no /proc, so the share of other processes is unknown.' : `other processes used ${fmt(100 * a.foreign, 1)}% of the cores while it ran.`) +
      (attempts.length > 1 ? ` Attempt ${attempts.length} of ${ATTEMPTS}; earlier attempts: ${attempts.slice(0, -1).map((x) => x.problems.join('; ')).join(' | ')}.` : ''),
    '',
  );

  // SIMD peak
  const build = a.peak.relaxedSimd ? 'relaxed-SIMD build (f32x4.relaxed_madd, one fused multiply-add per lane)' : 'plain SIMD build (multiply, then add)';
  out.push('### WebAssembly SIMD peak: a register-only multiply-add loop (csrc/peak.c), GFLOP/s', '');
  out.push(
    `Measured in the ${build} that the matmul below uses: **${fmt(a.peak.gflops[1], 1)} on 1 thread, ${fmt(a.peak.gflops[2], 1)} on 2**` +
      (clean ? ` (${fmt(a.peak.gflops[2] / a.peak.gflops[1], 2)}x)` : '') +
      `. The plain-SIMD build peaks at ${fmt(a.peak.plain1T, 1)} on 1 thread. 128-bit lanes only: native code on this CPU has 256- and 512-bit FMA.`,
    '',
  );

  // matmul
  const torch = a.matmul[0].torch !== null;
  out.push('### matmul, float32, n x n @ n x n, GFLOP/s (higher is better)', '');
  out.push(
    '@attn/wasm runs on operands already in wasm memory (as tensors are while training); TS and TF.js figures include reading the result back.' +
      (clean ? ' "% peak" is the fraction of the SIMD peak above on the same number of threads.' : ''),
    '',
  );
  const mmHeader = clean
    ? ['n', '@attn/wasm 1T', '% peak', '@attn/wasm 2T', '% peak', '2T / 1T', 'TS backend', 'TF.js wasm 1T', 'TF.js JS', ...(torch ? ['PyTorch 1T', 'PyTorch 2T'] : [])]
    : ['n', '@attn/wasm 1T', '@attn/wasm 2T', 'TS backend', 'TF.js wasm 1T', 'TF.js JS', ...(torch ? ['PyTorch 1T', 'PyTorch 2T'] : [])];
  out.push(
    table(
      mmHeader,
      a.matmul.map((r) => {
        const w = [fmt(r.wasm[1], 1), ...(clean ? [pct(r.wasm[1] / a.peak.gflops[1])] : []), fmt(r.wasm[2], 1), ...(clean ? [pct(r.wasm[2] / a.peak.gflops[2]), `${fmt(r.wasm[2] / r.wasm[1], 2)}x`] : [])];
        return [r.n, ...w, fmt(r.ts, 1), fmt(r.tfWasm, 1), r.tfJs === null ? '—' : fmt(r.tfJs, 1), ...(r.torch ? [fmt(r.torch[1], 1), fmt(r.torch[2], 1)] : [])];
      }),
    ),
    '',
  );

  // GPT step
  const c = gptConfig;
  const tokens = c.batch * c.block;
  out.push(
    `### GPT training step: nanoGPT CPU config (${c.layers} layers, ${c.heads} heads, width ${c.width}, block ${c.block}, batch ${c.batch}, vocab ${c.vocab}; ${tokens} tokens per step)`,
    '',
    'One step = forward, cross-entropy, backward and an Adam(W) update; attn runs attention fused. "1T"/"2T" = threads.',
    '',
  );
  const tfMs = a.steps.find((r) => r.name.startsWith('TF.js'))?.ms ?? null;
  // PyTorch on Debian's reference BLAS is no peer: its ratio would flatter attn
  const fairTorch = !findTorch()?.referenceBlas;
  const torchMs = (threads: number) => a.steps.find((r) => r.name === `PyTorch ${threads}T`)?.ms ?? null;
  out.push(
    table(
      clean ? ['implementation', 'ms / step', 'tokens / s', 'x TF.js wasm', '% of PyTorch (same threads)'] : ['implementation', 'ms / step', 'tokens / s'],
      a.steps.map((r) => {
        if (r.ms === null) return clean ? [r.name, '—', '—', '—', r.note ?? ''] : [r.name, '—', r.note ?? ''];
        const base = [r.name, fmt(r.ms, 1), fmt((tokens / r.ms) * 1000, 0)];
        if (!clean) return base;
        const peer = fairTorch ? torchMs(r.threads) : null;
        return [...base, tfMs ? fmt(tfMs / r.ms, 1) : '—', peer ? pct(peer / r.ms) : '—'];
      }),
    ),
    '',
  );
  if (clean) {
    const w1 = a.steps.find((r) => r.name === 'attn + @attn/wasm 1T')?.ms;
    const w2 = a.steps.find((r) => r.name === 'attn + @attn/wasm 2T')?.ms;
    const ts = a.steps.find((r) => r.name === 'attn, TS backend')?.ms;
    if (w1 && w2) out.push(`@attn/wasm: 2 threads ${fmt(w1 / w2, 2)}x 1 thread; PyTorch: ${a.torchStepSpeedup ? `${fmt(a.torchStepSpeedup, 2)}x` : '—'}.`);
    if (w2 && ts) out.push(`@attn/wasm on 2 threads is ${fmt(ts / w2, 1)}x the TypeScript 'cpu' backend.`);
    out.push('');
  }

  // long context
  const l = longContext;
  out.push(
    `### Long context: ${l.layers} layers, ${l.heads} heads, width ${l.width}, block ${l.block}, batch ${l.batch} (${l.batch * l.block} tokens per step)`,
    '',
    'Fused: attention through FusedAttention (the (B, nh, T, T) weights are never stored). Materialised: the reference path, ' +
      'as when the weights are returned. Each row is a fresh process. "Attention memory" is the most wasm memory the tensors of ' +
      'one causal attention forward + backward held above its inputs; "peak RSS" is the whole training process.',
    '',
  );
  const mib = (x: number | undefined) => (x === undefined ? '—' : fmt(x, 0));
  // at the cap, more values lived outside wasm memory: the figure is a lower bound
  const tensors = (r: LongContextResult) => (r.peakTensorMiB >= 0.99 * r.residentCapMiB ? `≥ ${fmt(r.peakTensorMiB, 0)} (the cap)` : fmt(r.peakTensorMiB, 0));
  const longRows: (string | number)[][] = [];
  for (const threads of LONG_CONTEXT_THREADS) {
    const r = a.long[threads];
    for (const mode of ['fused', 'materialised'] as const) {
      const m = r[mode];
      longRows.push([`${mode} ${threads}T`, fmt(m.step.medianMs ?? Number.NaN, 0), mib(m.step.maxRssMiB), tensors(m.step), tensors(m.attention)]);
    }
    if (clean) {
      const f = r.fused;
      const mat = r.materialised;
      longRows.push([
        `fused / materialised ${threads}T`,
        `${fmt(f.step.medianMs! / mat.step.medianMs!, 2)}x`,
        `${fmt(f.step.maxRssMiB / mat.step.maxRssMiB, 2)}x`,
        mat.step.peakTensorMiB >= 0.99 * mat.step.residentCapMiB ? `≤ ${fmt(f.step.peakTensorMiB / mat.step.peakTensorMiB, 2)}x` : `${fmt(f.step.peakTensorMiB / mat.step.peakTensorMiB, 2)}x`,
        `${fmt(f.attention.peakTensorMiB / mat.attention.peakTensorMiB, 3)}x`,
      ]);
    }
  }
  out.push(table(['attention', 'ms / step', 'peak RSS, MiB', 'peak tensors in wasm memory, MiB', 'attention memory (1 layer), MiB'], longRows), '');
  out.push(...[...notes].map((n) => `- ${n}`));
  return out.join('\n');
}

export const wasmSuite: Suite = {
  name: 'wasm',
  title: 'WebAssembly SIMD kernels (@attn/wasm) vs TypeScript, TF.js and PyTorch',
  async run() {
    const notes = new Set<string>();
    const torch = findTorch();
    if (torch?.referenceBlas) {
      notes.add(
        `**PyTorch is running on Debian's reference BLAS (${torch.blas}), plain loops several times slower than OpenBLAS**, so it is ` +
          "no fair peer: the % of PyTorch column is left out and its 2-thread check is skipped. Install OpenBLAS (Debian: apt install libopenblas0-pthread) and re-run.",
      );
    }
    if (torch) {
      notes.add(
        `PyTorch ${torch.version} via ${torch.python} (BLAS: ${torch.blas}); default torch.get_num_threads() = ${torch.defaultThreads}; ` +
          'threads pinned with torch.set_num_threads, OMP_NUM_THREADS and OPENBLAS_NUM_THREADS.',
      );
    }
    const attempts: Attempt[] = [];
    for (let i = 0; i < ATTEMPTS; i++) {
      const a = await attempt(notes);
      attempts.push(a);
      console.log(`wasm suite: attempt ${i + 1}: ${a.problems.length === 0 ? 'clean' : a.problems.join('; ')}`);
      if (a.problems.length === 0) break;
    }
    return render(attempts.at(-1)!, attempts, notes);
  },
};
