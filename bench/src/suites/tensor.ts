// @attn/tensor: CPU matmul GFLOP/s (ours, with Bᵀ as backward uses it, a naive
// triple loop, and TF.js's pure-JavaScript 'cpu' backend in the same run), and
// the throughput of the fused row ops (softmax, layer norm, cross-entropy).
import { crossEntropy, layerNorm, matmul, noGrad, randn, softmax, type Tensor } from '@attn/tensor';
import * as tf from '@tensorflow/tfjs';
import { fmt, measure, type Suite, table } from '../harness.js';

/** The definition, one dot product per output element (the baseline a blocked kernel must beat). */
function naiveMatmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += a[i * k + l] * b[l * n + j];
      c[i * n + j] = s;
    }
  }
  return c;
}

const gflops = (m: number, k: number, n: number, ms: number) => (2 * m * k * n) / (ms * 1e6);

async function matmulRows(): Promise<(string | number)[][]> {
  await tf.setBackend('cpu');
  const shapes: [number, number, number][] = [
    [64, 64, 64],
    [128, 128, 128],
    [256, 256, 256],
    [512, 512, 512],
    [1024, 1024, 1024],
    [768, 128, 512],
  ];
  const rows: (string | number)[][] = [];
  for (const [m, k, n] of shapes) {
    const flop = 2 * m * k * n;
    // Enough repeats for ~1 s of our kernel, fewer for the big sizes.
    const repeats = Math.max(3, Math.min(15, Math.round(3e9 / flop)));
    const opts = { warmup: 1, repeats, maxTotalMs: 15_000 };
    const a = randn([m, k], { seed: 1 });
    const b = randn([k, n], { seed: 2 });
    const bT = randn([n, k], { seed: 3 });
    const ours = await measure(() => noGrad(() => matmul(a, b)), opts);
    const oursT = await measure(() => noGrad(() => matmul(a, bT, { transB: true })), opts);
    const av = a.dataSync() as Float32Array;
    const bv = b.dataSync() as Float32Array;
    const naive = flop <= 2 * 512 ** 3 ? await measure(() => naiveMatmul(av, bv, m, k, n), { warmup: 1, repeats: 3, maxTotalMs: 10_000 }) : null;
    const ta = tf.tensor2d(av, [m, k]);
    const tb = tf.tensor2d(bv, [k, n]);
    const tfjs = await measure(
      () => {
        const c = tf.matMul(ta, tb);
        c.dataSync();
        c.dispose();
      },
      { warmup: 1, repeats: Math.min(repeats, 5), maxTotalMs: 15_000 },
    );
    ta.dispose();
    tb.dispose();
    rows.push([
      `${m}x${k}x${n}`,
      fmt(gflops(m, k, n, ours.medianMs)),
      fmt(gflops(m, k, n, oursT.medianMs)),
      naive ? fmt(gflops(m, k, n, naive.medianMs)) : '-',
      fmt(gflops(m, k, n, tfjs.medianMs)),
      `${fmt(tfjs.medianMs / ours.medianMs, 1)}x`,
    ]);
  }
  return rows;
}

async function rowOpRows(): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  const time = async (name: string, shape: [number, number], fn: () => unknown) => {
    const t = await measure(fn, { warmup: 2, repeats: 9, maxTotalMs: 10_000 });
    const elements = shape[0] * shape[1];
    rows.push([name, `(${shape.join(', ')})`, fmt(t.medianMs), fmt(elements / (t.medianMs * 1e3), 0)]);
  };
  const att: [number, number] = [4096, 256];
  const x = randn(att, { seed: 4 });
  await time('softmax (ours)', att, () => noGrad(() => softmax(x)));
  const tx = tf.tensor2d(x.dataSync() as Float32Array, att);
  await time('softmax (TF.js cpu)', att, () => {
    const y = tf.softmax(tx);
    y.dataSync();
    y.dispose();
  });
  tx.dispose();
  const act: [number, number] = [4096, 768];
  const h = randn(act, { seed: 5 });
  const g = randn([768], { seed: 6 });
  const b = randn([768], { seed: 7 });
  await time('layerNorm forward', act, () => noGrad(() => layerNorm(h, g, b)));
  const hg = randn(act, { seed: 5, requiresGrad: true });
  await time('layerNorm forward + backward', act, () => {
    hg.zeroGrad();
    layerNorm(hg, g, b).sum().backward();
  });
  const logitsShape: [number, number] = [2048, 4096];
  const logits = randn(logitsShape, { seed: 8, requiresGrad: true });
  const targets = Int32Array.from({ length: 2048 }, (_, i) => (i * 7919) % 4096);
  await time('crossEntropy forward + backward', logitsShape, () => {
    logits.zeroGrad();
    (crossEntropy(logits, targets) as Tensor).backward();
  });
  return rows;
}

export const tensorSuite: Suite = {
  name: 'tensor',
  title: '@attn/tensor: CPU matmul and fused row ops',
  async run() {
    const mm = await matmulRows();
    const ops = await rowOpRows();
    return [
      'Single-threaded float32 on the CPU backend. `m x k x n` is (m, k) @ (k, n). "Bᵀ" reads B transposed through strides',
      '(the form backward uses); "naive" is the plain triple loop; TF.js is its pure-JavaScript `cpu` backend, same inputs.',
      '',
      table(['m x k x n', 'ours GFLOP/s', 'ours, Bᵀ GFLOP/s', 'naive GFLOP/s', 'TF.js cpu GFLOP/s', 'ours vs TF.js'], mm),
      '',
      'Fused row ops, one kernel pass per row (float32):',
      '',
      table(['op', 'shape', 'median ms', 'M elements/s'], ops),
    ].join('\n');
  },
};
