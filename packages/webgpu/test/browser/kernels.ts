// Cases the shared suite does not reach, each against a plain-JavaScript
// reference written here: long rows (the 256-wide row kernels), more
// workgroups than one dispatch dimension holds (the 2-D grid), large matmul
// tiles with transposed and broadcast batched operands, reductions across
// non-last axes, and the edge values of pow and max.
import * as t from '@attn/tensor';
import { lcg, relErr } from './values.js';

function softmaxRows(x: Float32Array, len: number, log: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length; r += len) {
    let mx = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < len; j++) mx = Math.max(mx, x[r + j]);
    let z = 0;
    for (let j = 0; j < len; j++) z += Math.exp(x[r + j] - mx);
    for (let j = 0; j < len; j++) out.push(log ? x[r + j] - mx - Math.log(z) : Math.exp(x[r + j] - mx) / z);
  }
  return out;
}

function matmulRef(a: Float32Array, b: Float32Array, m: number, k: number, n: number, transA: boolean, transB: boolean): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += (transA ? a[l * m + i] : a[i * k + l]) * (transB ? b[j * k + l] : b[l * n + j]);
      out[i * n + j] = s;
    }
  return out;
}

/** Runs every case on `backendName`; returns the relative error of each (and exact answers for the edge values). */
export async function kernelEdgeCases(backendName: string): Promise<{ errors: Record<string, number>; edges: Record<string, number[]> }> {
  t.setBackend(backendName);
  const errors: Record<string, number> = {};
  try {
    // Rows of 500: one 64-wide workgroup per row.
    const mediumRows = lcg(11, 3 * 500, 6);
    errors['softmax, rows of 500'] = relErr(await t.softmax(t.fromArray(mediumRows, [3, 500])).data(), softmaxRows(mediumRows, 500, false));
    // Long rows: softmax, log-softmax and cross-entropy with 3,000 columns (256-wide workgroups).
    const V = 3000;
    const x = lcg(1, 4 * V, 8);
    const tx = t.fromArray(x, [4, V]);
    errors['softmax, rows of 3000'] = relErr(await t.softmax(tx).data(), softmaxRows(x, V, false));
    errors['log-softmax, rows of 3000'] = relErr(await t.logSoftmax(tx).data(), softmaxRows(x, V, true));
    const targets = [5, 2999, -100, 0];
    const logp = softmaxRows(x, V, true);
    const ce = (-logp[5] - logp[2999 + V] - logp[3 * V]) / 3;
    const logits = t.fromArray(x, [4, V], { requiresGrad: true });
    const loss = t.crossEntropy(logits, targets);
    loss.backward();
    errors['cross-entropy, vocab 3000'] = relErr([await loss.item()], [ce]);
    const p = softmaxRows(x, V, false);
    const grad = p.map((v, i) => {
      const row = Math.floor(i / V);
      if (targets[row] === -100) return 0;
      return (v - (i % V === targets[row] ? 1 : 0)) / 3;
    });
    errors['cross-entropy gradient, vocab 3000'] = relErr(await logits.grad!.data(), grad);

    // A long sum (one 256-wide workgroup) and a sum across the first axis (one invocation per column).
    const long = lcg(2, 100_000);
    errors['sum of 100,000'] = relErr([await t.sum(t.fromArray(long, [100_000])).item()], [long.reduce((s, v) => s + v, 0)]);
    const cols = lcg(3, 300 * 7);
    const colSums = Array.from({ length: 7 }, (_, j) => {
      let s = 0;
      for (let r = 0; r < 300; r++) s += cols[r * 7 + j];
      return s;
    });
    errors['sum over axis 0 of (300, 7)'] = relErr(await t.sum(t.fromArray(cols, [300, 7]), 0).data(), colSums);

    // Softmax along a middle axis: strided rows.
    const mid = lcg(4, 2 * 5 * 3, 4);
    const midRef: number[] = new Array(30);
    for (let o = 0; o < 2; o++)
      for (let j = 0; j < 3; j++) {
        const row = Float32Array.from({ length: 5 }, (_, r) => mid[(o * 5 + r) * 3 + j]);
        softmaxRows(row, 5, false).forEach((v, r) => {
          midRef[(o * 5 + r) * 3 + j] = v;
        });
      }
    errors['softmax along axis 1 of (2, 5, 3)'] = relErr(await t.softmax(t.fromArray(mid, [2, 5, 3]), 1).data(), midRef);

    // Many short rows (one invocation each), and more workgroups than one grid dimension holds (17 million elements).
    const manyRows = lcg(5, 70_000 * 3, 4);
    errors['softmax over 70,000 short rows'] = relErr(await t.softmax(t.fromArray(manyRows, [70_000, 3])).data(), softmaxRows(manyRows, 3, false));
    const big = 65_536 * 256 + 1000;
    const ramp = Float32Array.from({ length: big }, (_, i) => (i % 1024) - 512);
    const doubled = await t.mul(t.fromArray(ramp, [big]), 2).data();
    errors['mul over 17 million elements'] = relErr(doubled, Array.from(ramp, (v) => v * 2));

    // Large matmul tiles (64 x 64) with every transpose and broadcast batch dims.
    for (const [transA, transB] of [
      [false, false],
      [true, true],
      [false, true],
      [true, false],
    ] as const) {
      const [m, k, n] = [80, 70, 96];
      const a = lcg(6, 2 * m * k);
      const b = lcg(7, 3 * k * n);
      const ta = t.fromArray(a, transA ? [2, 1, k, m] : [2, 1, m, k]);
      const tb = t.fromArray(b, transB ? [1, 3, n, k] : [1, 3, k, n]);
      const want: number[] = [];
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++) want.push(...matmulRef(a.subarray(i * m * k, (i + 1) * m * k), b.subarray(j * k * n, (j + 1) * k * n), m, k, n, transA, transB));
      errors[`matmul (2,1,${m},${k}) @ (1,3,${k},${n}) transA=${transA} transB=${transB}`] = relErr(await t.matmul(ta, tb, { transA, transB }).data(), want);
    }

    // A product between the size classes (40 x 36: the direct strategy's 4 x 4 blocks), b read transposed.
    {
      const [m, k, n] = [40, 50, 36];
      const a = lcg(13, m * k);
      const b = lcg(14, n * k);
      errors[`matmul ${m}x${k}x${n} transB=true`] = relErr(
        await t.matmul(t.fromArray(a, [m, k]), t.fromArray(b, [n, k]), { transB: true }).data(),
        matmulRef(a, b, m, k, n, false, true),
      );
    }

    // A key-padding mask (B, 1, 1, Tk) over scores (B, nh, Tq, Tk): broadcast through strides, not repeated.
    const scores = lcg(12, 2 * 3 * 4 * 5);
    const padding = [0, 0, 1, 0, 1, 1, 0, 0, 0, 1];
    const filled = Array.from(scores, (v, i) => (padding[Math.floor(i / 60) * 5 + (i % 5)] ? -7 : v));
    errors['masked fill with a (2,1,1,5) mask over (2,3,4,5)'] = relErr(
      await t.maskedFill(t.fromArray(scores, [2, 3, 4, 5]), t.fromArray(padding, [2, 1, 1, 5]), -7).data(),
      filled,
    );

    // Edge values, compared exactly by the caller.
    const edges: Record<string, number[]> = {
      'pow(x, -2) of [-2, 0.5]': Array.from(await t.pow(t.fromArray([-2, 0.5], [2]), -2).data()),
      'pow(x, 1.5) of [-1, 0, 4]': Array.from(await t.pow(t.fromArray([-1, 0, 4], [3]), 1.5).data()),
      'max of an all -inf row': Array.from(await t.max(t.fromArray([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY], [1, 2]), 1).data()),
      'argmax with ties (first wins)': Array.from(await t.argmax(t.fromArray([1, 3, 3, 2], [4]), 0).data()),
    };
    return { errors, edges };
  } finally {
    t.setBackend('cpu');
  }
}
