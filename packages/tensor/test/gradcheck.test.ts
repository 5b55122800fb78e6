// Every op's gradient against central finite differences in float64.
import { describe, expect, it } from 'vitest';
import {
  add,
  broadcastTo,
  causalMask,
  concat,
  crossEntropy,
  div,
  dropout,
  embedding,
  exp,
  fusedAttention,
  fusedSelfAttention,
  gelu,
  gradcheck,
  indexSelect,
  layerNorm,
  linear,
  log,
  logSoftmax,
  matmul,
  max,
  maskedFill,
  mean,
  mul,
  neg,
  permute,
  pow,
  rand,
  randn,
  relu,
  reshape,
  Rng,
  slice,
  softmax,
  split,
  sqrt,
  stack,
  sub,
  sum,
  type Tensor,
  tanh,
  transpose,
  variance,
} from '../src/index.js';

let seed = 100;
const r = (shape: number[]) => randn(shape, { dtype: 'float64', seed: seed++, requiresGrad: true });
const pos = (shape: number[]) => rand(shape, { dtype: 'float64', seed: seed++, low: 0.5, high: 2, requiresGrad: true });
/** Values away from relu's kink at 0 so finite differences are valid. */
const awayFromZero = (shape: number[]) => {
  const t = r(shape);
  const v = t.dataSync();
  for (let i = 0; i < v.length; i++) if (Math.abs(v[i]) < 0.1) v[i] += v[i] < 0 ? -0.2 : 0.2;
  return t;
};

const cases: [string, (...xs: Tensor[]) => Tensor, () => Tensor[]][] = [
  ['add (same shape)', (a, b) => add(a, b), () => [r([2, 3]), r([2, 3])]],
  ['add (broadcast bias, general broadcast, scalar)', (a, b, c) => add(add(add(a, b), c), 2), () => [r([2, 3, 4]), r([4]), r([2, 1, 1])]],
  ['sub (broadcast both ways)', (a, b) => sub(a, b), () => [r([2, 1, 3]), r([4, 1])]],
  ['mul (broadcast)', (a, b) => mul(a, b), () => [r([3, 4]), r([3, 1])]],
  ['div (broadcast)', (a, b) => div(a, b), () => [r([2, 3]), pos([3])]],
  ['scalar on the left', (a) => sub(1, div(2, a)), () => [pos([3])]],
  ['neg', (a) => neg(a), () => [r([4])]],
  ['pow', (a) => pow(a, 3), () => [r([2, 3])]],
  ['pow (fractional)', (a) => pow(a, 1.5), () => [pos([5])]],
  ['exp', (a) => exp(a), () => [r([2, 3])]],
  ['log', (a) => log(a), () => [pos([2, 3])]],
  ['sqrt', (a) => sqrt(a), () => [pos([2, 3])]],
  ['tanh', (a) => tanh(a), () => [r([2, 3])]],
  ['relu', (a) => relu(a), () => [awayFromZero([3, 4])]],
  ['gelu (tanh)', (a) => gelu(a), () => [r([3, 4])]],
  ['gelu (exact)', (a) => gelu(a, 'none'), () => [r([3, 4])]],
  ['sum (all)', (a) => sum(a), () => [r([2, 3])]],
  ['sum (axes, keepdim)', (a) => sum(a, [0, 2], true), () => [r([2, 3, 4])]],
  ['sum (adjacent axes merged)', (a) => sum(a, [0, 1]), () => [r([2, 3, 4])]],
  ['div (per-row scalar)', (a, b) => div(a, b), () => [r([2, 3, 4]), pos([2, 3, 1])]],
  ['mean (axis)', (a) => mean(a, 1), () => [r([2, 3, 4])]],
  ['var (axis)', (a) => variance(a, -1), () => [r([3, 5])]],
  ['var (all)', (a) => variance(a), () => [r([2, 3])]],
  ['max (axis)', (a) => max(a, 1), () => [r([3, 4])]],
  ['max (keepdim, inner axis)', (a) => max(a, 0, true), () => [r([3, 4, 2])]],
  ['matmul 2-D', (a, b) => matmul(a, b), () => [r([3, 4]), r([4, 5])]],
  ['matmul transA', (a, b) => matmul(a, b, { transA: true }), () => [r([4, 3]), r([4, 5])]],
  ['matmul transB', (a, b) => matmul(a, b, { transB: true }), () => [r([3, 4]), r([5, 4])]],
  ['matmul transA+transB', (a, b) => matmul(a, b, { transA: true, transB: true }), () => [r([4, 3]), r([5, 4])]],
  ['matmul batched, broadcast batch dims', (a, b) => matmul(a, b), () => [r([2, 1, 3, 4]), r([3, 4, 2])]],
  ['matmul batched with 2-D weight', (a, b) => matmul(a, b, { transB: true }), () => [r([2, 3, 4]), r([5, 4])]],
  ['reshape', (a) => reshape(a, [3, -1]), () => [r([2, 3, 2])]],
  ['transpose', (a) => transpose(a, 0, 2), () => [r([2, 3, 4])]],
  ['permute', (a) => permute(a, [1, 2, 0]), () => [r([2, 3, 4])]],
  ['broadcastTo', (a) => broadcastTo(a, [2, 3, 4]), () => [r([3, 1])]],
  ['slice', (a) => slice(a, 1, 1, 3), () => [r([2, 4, 3])]],
  ['concat', (a, b) => concat([a, b], 1), () => [r([2, 1, 3]), r([2, 2, 3])]],
  ['stack', (a, b) => stack([a, b], 2), () => [r([2, 3]), r([2, 3])]],
  ['split', (a) => mul(split(a, [1, 3], 1)[1], 2), () => [r([2, 4])]],
  ['indexSelect (repeats accumulate)', (a) => indexSelect(a, 1, [2, 0, 2]), () => [r([2, 3, 2])]],
  ['embedding', (w) => embedding(w, [1, 3, 1, 0], [2, 2]), () => [r([4, 3])]],
  ['softmax (last axis)', (a) => softmax(a), () => [r([3, 5])]],
  ['softmax (middle axis)', (a) => softmax(a, 1), () => [r([2, 4, 3])]],
  ['logSoftmax (last axis)', (a) => logSoftmax(a), () => [r([3, 5])]],
  ['logSoftmax (first axis)', (a) => logSoftmax(a, 0), () => [r([4, 3])]],
  ['crossEntropy (mean, ignore index)', (a) => crossEntropy(a, [1, -100, 4, 0]), () => [r([2, 2, 5])]],
  ['crossEntropy (sum)', (a) => crossEntropy(a, [1, 2, 0], { reduction: 'sum' }), () => [r([3, 4])]],
  ['crossEntropy (none)', (a) => crossEntropy(a, [1, 2, 0], { reduction: 'none' }), () => [r([3, 4])]],
  ['layerNorm (weight, bias)', (x, w, b) => layerNorm(x, w, b), () => [r([2, 3, 5]), r([5]), r([5])]],
  ['layerNorm (no affine)', (x) => layerNorm(x), () => [r([4, 6])]],
  ['layerNorm (weight only)', (x, w) => layerNorm(x, w), () => [r([3, 4]), r([4])]],
  ['maskedFill (causal mask broadcast)', (a) => maskedFill(a, causalMask(3), -5), () => [r([2, 3, 3])]],
  ['dropout (fixed mask)', (a) => dropout(a, 0.3, { rng: new Rng(4), training: true }), () => [r([4, 4])]],
  ['fusedAttention (causal, heads)', (q, k, v) => fusedAttention(q, k, v, { causal: true }), () => [r([2, 2, 4, 3]), r([2, 2, 4, 3]), r([2, 2, 4, 2])]],
  ['fusedAttention (KV-cache offset: Tq < Tk)', (q, k, v) => fusedAttention(q, k, v, { causal: true }), () => [r([2, 3]), r([5, 3]), r([5, 4])]],
  ['fusedAttention (first 3 of 5 rows of k and v: kvLength)', (q, k, v) => fusedAttention(q, k, v, { causal: true, kvLength: 3 }), () => [r([2, 2, 3]), r([2, 5, 3]), r([2, 5, 2])]],
  ['linear (x @ W + b, leading dims)', (x, w, b) => linear(x, w, b), () => [r([2, 3, 4]), r([4, 5]), r([5])]],
  ['fusedSelfAttention (packed qkv, 2 heads, causal)', (qkv) => fusedSelfAttention(qkv, 2, { causal: true }), () => [r([2, 4, 12])]],
  ['fusedSelfAttention (packed qkv, 3 heads, not causal, custom scale)', (qkv) => fusedSelfAttention(qkv, 3, { scale: 0.4 }), () => [r([3, 9])]],
  ['fusedAttention (not causal, custom scale)', (q, k, v) => fusedAttention(q, k, v, { scale: 0.3 }), () => [r([3, 3, 2]), r([3, 4, 2]), r([3, 4, 3])]],
  [
    'attention block (composition)',
    (x, w) => {
      const qkv = matmul(x, w); // (T, 3C)
      const [q, k, v] = split(qkv, 2, 1);
      const att = maskedFill(matmul(q, k, { transB: true }), causalMask(3), Number.NEGATIVE_INFINITY);
      return matmul(softmax(mul(att, 0.5)), v);
    },
    () => [r([3, 2]), r([2, 6])],
  ],
];

describe('gradcheck (float64 central differences, rel. error < 1e-6)', () => {
  for (const [name, fn, make] of cases) {
    it(name, () => {
      const result = gradcheck(fn, make());
      expect(result.maxRelError, result.details.join('\n')).toBeLessThan(1e-6);
      expect(result.ok).toBe(true);
    });
  }

  it('detects a wrong gradient', () => {
    // A deliberately broken op: forward x^2, backward claims 3x.
    const x = r([3]);
    const bad = (a: Tensor) => {
      const y = mul(a, a);
      y.gradNode = { op: 'bad', inputs: [a], backward: (dy) => [mul(dy, mul(a, 3))] };
      return y;
    };
    const result = gradcheck(bad, [x]);
    expect(result.ok).toBe(false);
    expect(result.maxRelError).toBeGreaterThan(0.1);
  });

  it('refuses float32 inputs', () => {
    expect(() => gradcheck((a) => a, [randn([2])])).toThrow('gradcheck: input 0 must be float64');
  });
});
