// Suite `wasm`: the WebAssembly SIMD kernels of @attn/wasm against the plain
// TypeScript backend and peers measured in the same run: TF.js's WebAssembly
// (XNNPACK) and pure-JS backends, and PyTorch (OpenBLAS) where Debian's
// python3-torch is installed. Two tables: matmul GFLOP/s at square sizes, and
// one training step of nanoGPT's CPU configuration in tokens/s.
// @attn/wasm is not (yet) a dependency of the bench package; import its source directly.
import { createWasmKernels, type WasmKernels } from '@attn/wasm';
import os from 'node:os';
import { fmt, measure, type Suite, table } from '../harness.js';
import { attnGptStep, gptConfig } from './wasm-gpt.js';
import { tfGptStep, useTfBackend } from './wasm-tfjs.js';
import { findTorch, runTorch, torchGptStepScript, torchMatmulScript } from './wasm-torch.js';
import { tsMatmul } from './wasm-ts.js';

const sizes = [128, 256, 512, 1024];

function randomArray(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.random() * 2 - 1;
  return out;
}

const gflops = (n: number, ms: number) => (2 * n ** 3) / (ms * 1e6);

/** Times fn within a budget: at least 3 repeats, fewer for slow peers. */
const timed = (fn: () => unknown, budgetMs = 3000) => measure(fn, { warmup: 2, repeats: 9, maxTotalMs: budgetMs });

async function matmulTable(notes: string[]): Promise<string> {
  const columns: { name: string; run: (n: number) => Promise<number | null> }[] = [];
  const inputs = new Map(sizes.map((n) => [n, { a: randomArray(n * n), b: randomArray(n * n) }]));

  columns.push({
    name: 'TS backend',
    run: async (n) => {
      const { a, b } = inputs.get(n)!;
      return gflops(n, (await timed(() => tsMatmul(a, b, n), 4000)).medianMs);
    },
  });
  const kernels: WasmKernels[] = [];
  for (const threads of [1, 2]) {
    const k = await createWasmKernels({ threads });
    kernels.push(k);
    if (k.threads !== threads) notes.push(`wasm asked for ${threads} threads but got ${k.threads}.`);
    columns.push({
      name: `@attn/wasm ${k.threads}T`,
      run: async (n) => {
        const { a, b } = inputs.get(n)!;
        return gflops(n, (await timed(() => k.matmul(a, [n, n], b, [n, n]))).medianMs);
      },
    });
  }
  for (const backend of ['wasm', 'cpu'] as const) {
    columns.push({
      name: backend === 'wasm' ? 'TF.js wasm 1T' : 'TF.js JS',
      run: async (n) => {
        // TF.js pure JS at 1024 would take ~4 s per product; its trend is clear by 512.
        if (backend === 'cpu' && n > 512) return null;
        const tf = await useTfBackend(backend);
        const { a, b } = inputs.get(n)!;
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
      },
    });
  }
  const torch = findTorch();
  const torchSecs: Record<string, Record<string, number>> = {};
  if (torch) {
    for (const threads of [1, 2]) torchSecs[threads] = runTorch(torchMatmulScript, sizes, threads);
    notes.push(
      `PyTorch ${torch.version} via ${torch.python} (BLAS: ${torch.blas}); default torch.get_num_threads() = ${torch.defaultThreads}; ` +
        'threads pinned with torch.set_num_threads, OMP_NUM_THREADS and OPENBLAS_NUM_THREADS.',
    );
  } else {
    notes.push('PyTorch columns skipped: no python3 that can `import torch` (Debian: apt install python3-torch).');
  }

  const header = ['n', ...columns.map((c) => c.name), ...(torch ? ['PyTorch 1T', 'PyTorch 2T'] : [])];
  const rows: string[][] = [];
  for (const n of sizes) {
    const row = [String(n)];
    for (const c of columns) {
      const v = await c.run(n);
      row.push(v === null ? '—' : fmt(v, 1));
    }
    if (torch) for (const threads of [1, 2]) row.push(fmt(gflops(n, torchSecs[threads][n] * 1000), 1));
    rows.push(row);
  }
  for (const k of kernels) k.dispose();
  return table(header, rows);
}

async function gptTable(notes: string[]): Promise<string> {
  const tokens = gptConfig.batch * gptConfig.block;
  const rows: { name: string; ms: number | null; note?: string }[] = [];

  for (const backend of ['wasm', 'ts'] as const) {
    for (const threads of backend === 'wasm' ? [1, 2] : [1]) {
      const name = backend === 'wasm' ? `attn + @attn/wasm ${threads}T` : 'attn, TS backend';
      const step = await attnGptStep(backend, threads);
      if (typeof step === 'string') {
        rows.push({ name, ms: null, note: step });
        continue;
      }
      // 4 warm-up steps: V8 compiles wasm with its baseline compiler first and tiers hot
      // functions up in the background, which takes longer on a busy machine.
      rows.push({ name, ms: (await measure(step.run, { warmup: backend === 'wasm' ? 4 : 1, repeats: 7, maxTotalMs: 15_000 })).medianMs });
      step.dispose();
    }
  }
  const tf = await useTfBackend('wasm');
  const tfStep = tfGptStep(tf, gptConfig);
  rows.push({ name: 'TF.js wasm 1T', ms: (await measure(tfStep, { warmup: 1, repeats: 3, maxTotalMs: 10_000 })).medianMs });
  notes.push('TF.js pure JS is left out of the training step: about 17 s per step, too slow for the suite budget.');

  const torch = findTorch();
  if (torch) {
    for (const threads of [1, 2]) {
      const secs = runTorch<number>(torchGptStepScript, { ...gptConfig, warmup: 3, repeats: 9 }, threads);
      rows.push({ name: `PyTorch ${threads}T`, ms: secs * 1000 });
    }
  }
  const tfMs = rows.find((r) => r.name.startsWith('TF.js'))?.ms ?? null;
  // compare like with like: PyTorch on the same number of threads
  const torchMs = (name: string) => rows.find((r) => r.name === `PyTorch ${name.endsWith('2T') ? 2 : 1}T`)?.ms ?? null;
  return table(
    ['implementation', 'ms / step', 'tokens / s', 'x TF.js wasm', '% of PyTorch (same threads)'],
    rows.map((r) => {
      if (r.ms === null) return [r.name, '—', '—', '—', r.note ?? ''];
      const torch = torchMs(r.name);
      return [
        r.name,
        fmt(r.ms, 0),
        fmt((tokens / r.ms) * 1000, 0),
        tfMs ? fmt(tfMs / r.ms, 1) : '—',
        torch ? `${fmt((100 * torch) / r.ms, 0)}%` : '—',
      ];
    }),
  );
}

export const wasmSuite: Suite = {
  name: 'wasm',
  title: 'WebAssembly SIMD kernels (@attn/wasm) vs TypeScript, TF.js and PyTorch',
  async run() {
    const load = os.loadavg()[0];
    const notes: string[] = [
      `Load average when the suite started: ${fmt(load, 1)} on ${os.cpus().length} cores` +
        (load > 1.5 ? ' — the machine was busy, so absolute figures are low and noisy; same-run ratios are the useful part.' : '.'),
    ];
    const matmul = await matmulTable(notes);
    const gpt = await gptTable(notes);
    const c = gptConfig;
    return [
      '### matmul, float32, n x n @ n x n, GFLOP/s (higher is better)',
      '',
      'attn and TF.js figures include copying the result out (dataSync); @attn/wasm also copies both operands into wasm memory.',
      '',
      matmul,
      '',
      `### GPT training step: nanoGPT CPU config (${c.layers} layers, ${c.heads} heads, width ${c.width}, block ${c.block}, batch ${c.batch}, vocab ${c.vocab}; ${c.batch * c.block} tokens per step)`,
      '',
      'One step = forward, cross-entropy, backward and an Adam(W) update. "1T"/"2T" = threads.',
      '',
      gpt,
      '',
      ...notes.map((n) => `- ${n}`),
    ].join('\n');
  },
};
