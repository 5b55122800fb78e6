// fusedAttention (the FusedAttention kernel on the CPU reference): a value
// worked by hand, agreement with the materialised composition it replaces
// (matmul, mask, softmax, matmul) in value and gradient, and its errors.
// Finite-difference checks of its gradient are in gradcheck.test.ts.
import { describe, expect, it } from 'vitest';
import {
  causalMask,
  cpuBackend,
  fromArray,
  fusedAttention,
  fusedSelfAttention,
  maskedFill,
  matmul,
  mul,
  randn,
  registerBackend,
  removeBackend,
  reshape,
  setBackend,
  slice,
  softmax,
  sum,
  tensor,
  type Tensor,
  transpose,
} from '../src/index.js';

const values = (t: Tensor) => Array.from(t.dataSync());
/** Every value of got within 10^-digits / 2 of want's. */
const expectClose = (got: Tensor, want: Tensor, digits: number) => {
  const [g, w] = [values(got), values(want)];
  expect(g.length).toBe(w.length);
  for (let i = 0; i < w.length; i++) expect(g[i]).toBeCloseTo(w[i], digits);
};

/** The composition fusedAttention stands for, weights materialised. */
function materialised(q: Tensor, k: Tensor, v: Tensor, causal: boolean): Tensor {
  const [tq, d] = q.shape.slice(-2);
  const tk = k.shape[k.ndim - 2];
  let scores = mul(matmul(q, k, { transB: true }), 1 / Math.sqrt(d)); // (..., Tq, Tk)
  if (causal) {
    // query i sees keys j <= i + tk - tq
    const mask = new Float64Array(tq * tk);
    for (let i = 0; i < tq; i++) for (let j = i + tk - tq + 1; j < tk; j++) mask[i * tk + j] = 1;
    scores = maskedFill(scores, fromArray(mask, [tq, tk], { dtype: q.dtype }), -1e9);
  }
  return matmul(softmax(scores), v);
}

describe('fusedAttention', () => {
  it('computes a small example worked by hand', () => {
    // scores q.k / sqrt(2) = [1, 1, 2] / sqrt(2); weights e^(s - lse) = [0.2483, 0.2483, 0.5035]
    const q = tensor([[0, 1]]);
    const k = tensor([
      [2, 1],
      [1, 1],
      [1, 2],
    ]);
    const v = tensor([
      [2, 1],
      [1, 3],
      [1, 2],
    ]);
    const out = values(fusedAttention(q, k, v));
    const w = [0.24825, 0.24825, 0.5035];
    expect(out[0]).toBeCloseTo(2 * w[0] + w[1] + w[2], 3);
    expect(out[1]).toBeCloseTo(2, 5); // w0 + 3 w1 + 2 w2 = 2 (w0 + w1 + w2) since w0 = w1
  });

  it('matches the materialised composition, values and gradients (float64)', () => {
    for (const [qs, ks, vs, causal] of [
      [[2, 3, 5, 4], [2, 3, 5, 4], [2, 3, 5, 6], true],
      [[2, 3, 4], [2, 7, 4], [2, 7, 2], true],
      [[3, 6, 5], [3, 4, 5], [3, 4, 5], false],
    ] as [number[], number[], number[], boolean][]) {
      const make = (shape: number[], seed: number) => randn(shape, { dtype: 'float64', seed, requiresGrad: true });
      const [q1, k1, v1] = [make(qs, 1), make(ks, 2), make(vs, 3)];
      const [q2, k2, v2] = [make(qs, 1), make(ks, 2), make(vs, 3)];
      const fused = fusedAttention(q1, k1, v1, { causal });
      const plain = materialised(q2, k2, v2, causal);
      expect(fused.shape).toEqual(plain.shape);
      expectClose(fused, plain, 12);
      const weights = randn(plain.shape, { dtype: 'float64', seed: 9 });
      sum(mul(fused, weights)).backward();
      sum(mul(plain, weights)).backward();
      for (const [a, b] of [
        [q1, q2],
        [k1, k2],
        [v1, v2],
      ]) {
        expectClose(a.grad!, b.grad!, 12);
      }
    }
  });

  it('is the causalMask softmax attention when Tq = Tk', () => {
    const q = randn([4, 3], { seed: 4 });
    const k = randn([4, 3], { seed: 5 });
    const v = randn([4, 2], { seed: 6 });
    const plain = matmul(softmax(maskedFill(mul(matmul(q, k, { transB: true }), 1 / Math.sqrt(3)), causalMask(4), -1e9)), v);
    expectClose(fusedAttention(q, k, v, { causal: true }), plain, 5);
  });

  it('with kvLength, is attention over the first kvLength rows of k and v, whose other rows get zero gradients (float64)', () => {
    const make = (shape: number[], seed: number) => randn(shape, { dtype: 'float64', seed, requiresGrad: true });
    const [q1, k1, v1] = [make([3, 2, 4], 1), make([3, 8, 4], 2), make([3, 8, 5], 3)];
    const [q2, k2, v2] = [make([3, 2, 4], 1), make([3, 8, 4], 2), make([3, 8, 5], 3)];
    for (const causal of [true, false]) {
      const fused = fusedAttention(q1, k1, v1, { causal, kvLength: 5 });
      // the same rows, cut out: (3, 5, 4) and (3, 5, 5)
      const plain = materialised(q2, k2.slice(1, 0, 5), v2.slice(1, 0, 5), causal);
      expectClose(fused, plain, 12);
      const weights = randn(plain.shape, { dtype: 'float64', seed: 9 });
      sum(mul(fused, weights)).backward();
      sum(mul(plain, weights)).backward();
      for (const [a, b] of [
        [q1, q2],
        [k1, k2],
        [v1, v2],
      ]) {
        expectClose(a.grad!, b.grad!, 12);
        a.zeroGrad();
        b.zeroGrad();
      }
    }
    // rows 5..7 of k and v took no part: slice's gradient is zero there, and so is the fused one
    sum(fusedAttention(q1, k1, v1, { causal: true, kvLength: 5 })).backward();
    const dk = k1.grad!.toArray() as number[][][];
    for (const head of dk) for (const row of head.slice(5)) expect(row).toEqual([0, 0, 0, 0]);
  });

  it('rejects inputs it does not cover with errors that name them', () => {
    const q = randn([2, 3, 4]);
    expect(() => fusedAttention(q, randn([1, 3, 4]), randn([1, 3, 4]))).toThrow(/same leading dims \(no broadcasting\)/);
    expect(() => fusedAttention(q, randn([2, 3, 5]), randn([2, 3, 4]))).toThrow(/expected q \(\.\.\., Tq, D\)/);
    expect(() => fusedAttention(q, randn([2, 2, 4]), randn([2, 2, 4]), { causal: true })).toThrow('fusedAttention: causal attention needs Tq <= kvLength, got Tq 3, kvLength 2');
    expect(() => fusedAttention(q, q, q, { kvLength: 4 })).toThrow('fusedAttention: kvLength must be an integer in [1, 3] (the rows of k and v), got 4');
    expect(() => fusedAttention(q, q, q, { kvLength: 0 })).toThrow(/kvLength must be an integer in \[1, 3\]/);
    expect(() => fusedAttention(q, q, q, { causal: true, kvLength: 2 })).toThrow('fusedAttention: causal attention needs Tq <= kvLength, got Tq 3, kvLength 2');
    expect(() => fusedAttention(randn([4]), randn([4]), randn([4]))).toThrow(/same rank >= 2/);
    expect(() => fusedAttention(q, randn([2, 3, 4], { dtype: 'float64' }), randn([2, 3, 4]))).toThrow(/dtypes differ/);
    expect(() => fusedAttention(q, q, q, { scale: Number.NaN })).toThrow(/scale must be a finite number/);
  });
});

/** fusedSelfAttention by hand: q, k, v sliced from qkv (B, T, 3C), split into heads, attended, merged. */
function sliced(qkv: Tensor, heads: number, causal: boolean): Tensor {
  const [b, t, w] = qkv.shape;
  const c = w / 3;
  const head = (i: number) => transpose(reshape(slice(qkv, 2, i * c, (i + 1) * c), [b, t, heads, c / heads]), 1, 2); // (B, heads, T, D)
  return reshape(transpose(materialised(head(0), head(1), head(2), causal), 1, 2), [b, t, c]); // (B, T, C)
}

describe('fusedSelfAttention', () => {
  it('is attention over the q, k, v slices of a packed qkv, heads merged: values and gradients (float64)', () => {
    for (const [shape, heads, causal] of [
      [[2, 5, 12], 2, true],
      [[1, 7, 9], 3, false],
      [[3, 1, 6], 1, true],
    ] as [number[], number, boolean][]) {
      const q1 = randn(shape, { dtype: 'float64', seed: 3, requiresGrad: true });
      const q2 = randn(shape, { dtype: 'float64', seed: 3, requiresGrad: true });
      const fused = fusedSelfAttention(q1, heads, { causal });
      const plain = sliced(q2, heads, causal);
      expect(fused.shape).toEqual(plain.shape);
      expectClose(fused, plain, 12);
      const weights = randn(plain.shape, { dtype: 'float64', seed: 9 });
      sum(mul(fused, weights)).backward();
      sum(mul(plain, weights)).backward();
      expectClose(q1.grad!, q2.grad!, 12);
    }
  });

  it('composes slices, head transposes and fusedAttention where the backend lacks the kernel', () => {
    // a backend with every CPU kernel but the packed one
    const { FusedSelfAttention: _, FusedSelfAttentionGrad: __, ...kernels } = cpuBackend.kernels;
    registerBackend({ ...cpuBackend, name: 'no-packed', kernels }, { priority: 0 });
    try {
      const qkv = randn([2, 4, 12], { dtype: 'float64', seed: 5 });
      const want = fusedSelfAttention(qkv, 2, { causal: true });
      setBackend('no-packed');
      const a = randn([2, 4, 12], { dtype: 'float64', seed: 5, requiresGrad: true });
      const got = fusedSelfAttention(a, 2, { causal: true });
      expectClose(got, want, 12);
      sum(got).backward();
      expect(a.grad!.shape).toEqual([2, 4, 12]);
    } finally {
      setBackend('cpu');
      removeBackend('no-packed');
    }
  });

  it('rejects inputs it does not cover with errors that name them', () => {
    expect(() => fusedSelfAttention(randn([2, 4, 10]), 2)).toThrow('fusedSelfAttention: expected qkv (..., T >= 1, 3 * heads * D) with heads = 2, got [2,4,10]');
    expect(() => fusedSelfAttention(randn([12]), 2)).toThrow(/expected qkv/);
    expect(() => fusedSelfAttention(randn([2, 0, 12]), 2)).toThrow(/expected qkv/);
    expect(() => fusedSelfAttention(randn([2, 4, 12]), 0)).toThrow('fusedSelfAttention: heads must be a positive integer, got 0');
    expect(() => fusedSelfAttention(randn([2, 4, 12]), 2, { scale: Number.POSITIVE_INFINITY })).toThrow(/scale must be a finite number/);
  });
});
