// Forward results against hand-computed values.
import { describe, expect, it } from 'vitest';
import {
  adamwUpdate,
  adamwUpdateGroup,
  arange,
  argmax,
  causalMask,
  concat,
  crossEntropy,
  dropout,
  embedding,
  fromArray,
  full,
  indexSelect,
  layerNorm,
  linear,
  logSoftmax,
  matmul,
  max,
  maskedFill,
  mean,
  ones,
  rand,
  randn,
  cpuBackend,
  registerBackend,
  removeBackend,
  Rng,
  setBackend,
  softmax,
  split,
  stack,
  sum,
  tensor,
  variance,
  zeros,
} from '../src/index.js';

const close = (actual: number[], expected: number[], tol = 1e-5) => {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i] - expected[i]), `index ${i}`).toBeLessThan(tol);
};
const values = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync());

describe('creation', () => {
  it('infers shapes from nested arrays and rejects ragged ones', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor(7).shape).toEqual([]);
    expect(tensor(7).itemSync()).toBe(7);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged/);
  });
  it('reads values asynchronously with item(), array() and data()', async () => {
    expect(await tensor(7).item()).toBe(7);
    expect(await tensor([[1, 2]]).array()).toEqual([[1, 2]]);
    expect([...(await tensor([3, 4]).data())]).toEqual([3, 4]);
    await expect(tensor([1, 2]).item()).rejects.toThrow(/item: expected a tensor with one element, got shape \[2\]/);
    expect(() => tensor([1, 2]).itemSync()).toThrow(/itemSync: expected a tensor with one element/);
  });
  it('fromArray copies and checks the length', () => {
    const src = [1, 2, 3, 4];
    const t = fromArray(src, [2, 2], { dtype: 'float64' });
    src[0] = 100;
    expect(t.dataSync()).toBeInstanceOf(Float64Array);
    expect(values(t)).toEqual([1, 2, 3, 4]);
    expect(() => fromArray([1, 2, 3], [2, 2])).toThrow('fromArray: 3 values do not fill shape [2,2]');
  });
  it('zeros, ones, full, arange', () => {
    expect(values(zeros([2]))).toEqual([0, 0]);
    expect(values(ones([3]))).toEqual([1, 1, 1]);
    expect(values(full([2], 2.5))).toEqual([2.5, 2.5]);
    expect(values(arange(4))).toEqual([0, 1, 2, 3]);
  });
  it('random init is seeded and has the requested moments', () => {
    expect(values(randn([5], { seed: 3 }))).toEqual(values(randn([5], { seed: 3 })));
    const n = randn([20000], { seed: 1, mean: 2, std: 0.5 });
    const m = mean(n).itemSync();
    expect(Math.abs(m - 2)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(variance(n).itemSync()) - 0.5)).toBeLessThan(0.02);
    const u = rand([20000], { rng: new Rng(9), low: -1, high: 3 });
    const uv = values(u);
    expect(Math.min(...uv)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...uv)).toBeLessThan(3);
    expect(Math.abs(mean(u).itemSync() - 1)).toBeLessThan(0.05);
  });
});

describe('elementwise', () => {
  it('broadcasts like NumPy, with scalars on either side', () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(values(a.add(tensor([10, 20, 30])))).toEqual([11, 22, 33, 14, 25, 36]);
    expect(values(a.mul(tensor([[2], [3]])))).toEqual([2, 4, 6, 12, 15, 18]);
    expect(values(a.sub(1))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(values(a.div(2))).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
    // General path: (2, 1, 3) with (1, 2, 1)
    const b = tensor([[[1, 2, 3]], [[4, 5, 6]]]);
    const c = tensor([[[10], [20]]]);
    const out = b.add(c);
    expect(out.shape).toEqual([2, 2, 3]);
    expect(values(out)).toEqual([11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26]);
  });
  it('unary math', () => {
    const x = tensor([-1, 0, 2]);
    close(values(x.neg()), [1, -0, -2]);
    close(values(x.exp()), [Math.exp(-1), 1, Math.exp(2)]);
    close(values(tensor([1, 4]).log()), [0, Math.log(4)]);
    close(values(tensor([4, 9]).sqrt()), [2, 3]);
    close(values(x.tanh()), [Math.tanh(-1), 0, Math.tanh(2)]);
    close(values(x.relu()), [0, 0, 2]);
    close(values(x.pow(2)), [1, 0, 4]);
    close(values(tensor([8]).pow(1 / 3)), [2]);
  });
});

describe('reductions', () => {
  const x = tensor([
    [1, 5, 2],
    [7, 3, 3],
  ]);
  it('sum and mean over axes with keepdim', () => {
    expect(sum(x).itemSync()).toBe(21);
    expect(values(sum(x, 0))).toEqual([8, 8, 5]);
    expect(sum(x, 1, true).shape).toEqual([2, 1]);
    expect(values(sum(x, -1))).toEqual([8, 13]);
    expect(values(mean(x, [0, 1]))).toEqual([3.5]);
  });
  it('max, argmax and population variance', () => {
    expect(values(max(x, 1))).toEqual([5, 7]);
    expect(values(argmax(x, 0))).toEqual([1, 0, 1]);
    expect(argmax(x, 1, true).shape).toEqual([2, 1]);
    // row 0: mean 8/3, squared deviations 25/9 + 49/9 + 4/9; row 1: mean 13/3, 64/9 + 16/9 + 16/9
    close(values(variance(x, 1)), [26 / 9, 32 / 9]);
  });
});

describe('matmul', () => {
  it('2-D, and every transposed form', () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]); // (2, 3)
    const b = tensor([
      [1, 0],
      [0, 1],
      [1, 1],
    ]); // (3, 2)
    expect(values(matmul(a, b))).toEqual([4, 5, 10, 11]);
    expect(values(matmul(a.transpose(0, 1), b, { transA: true }))).toEqual([4, 5, 10, 11]);
    expect(values(matmul(a, b.transpose(0, 1), { transB: true }))).toEqual([4, 5, 10, 11]);
    expect(values(a.transpose(0, 1).matmul(b.transpose(0, 1), { transA: true, transB: true }))).toEqual([4, 5, 10, 11]);
  });
  it('batched with broadcast batch dims matches per-matrix products', () => {
    const a = randn([2, 1, 3, 4], { seed: 1 });
    const b = randn([3, 4, 5], { seed: 2 });
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 3, 3, 5]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        const ai = a.slice(0, i, i + 1).reshape([3, 4]);
        const bj = b.slice(0, j, j + 1).reshape([4, 5]);
        const expected = values(matmul(ai, bj));
        close(values(c.slice(0, i, i + 1).slice(1, j, j + 1)), expected);
      }
    }
  });
  it('large blocked products agree with the naive definition (edges included)', () => {
    for (const [m, k, n] of [
      [67, 130, 45],
      [129, 70, 131],
    ]) {
      for (const [transA, transB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ]) {
        const a = randn(transA ? [k, m] : [m, k], { seed: m + k });
        const b = randn(transB ? [n, k] : [k, n], { seed: n });
        const c = values(matmul(a, b, { transA, transB }));
        const av = a.dataSync();
        const bv = b.dataSync();
        let worst = 0;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let l = 0; l < k; l++) s += (transA ? av[l * m + i] : av[i * k + l]) * (transB ? bv[j * k + l] : bv[l * n + j]);
            worst = Math.max(worst, Math.abs(s - c[i * n + j]));
          }
        }
        expect(worst).toBeLessThan(1e-3);
      }
    }
  });
});

describe('linear', () => {
  it('is x @ W + b, worked by hand, with leading dims kept', () => {
    const x = tensor([[[1, 2]], [[3, 4]]]); // (2, 1, 2)
    const w = tensor([
      [1, 0, 2],
      [0, 1, 1],
    ]); // (2, 3)
    const y = linear(x, w, tensor([10, 20, 30]));
    expect(y.shape).toEqual([2, 1, 3]);
    expect(values(y)).toEqual([11, 22, 34, 13, 24, 40]);
    expect(values(linear(x, w))).toEqual([1, 2, 4, 3, 4, 10]);
  });
  it('gives the composition matmul + add in value and gradient, on a backend without MatMulBias too', () => {
    const { MatMulBias: _fused, ...kernels } = cpuBackend.kernels;
    registerBackend({ ...cpuBackend, name: 'no-matmul-bias', kernels }, { priority: 0 });
    try {
      const run = (backend: string) => {
        setBackend(backend);
        const [x, w, b] = [randn([3, 4, 5], { seed: 1 }), randn([5, 6], { seed: 2 }), randn([6], { seed: 3 })];
        for (const t of [x, w, b]) t.requiresGrad = true;
        const y = linear(x, w, b);
        y.mul(y).sum().backward();
        return { op: y.gradNode?.inputs[0].gradNode?.op, values: [y, x.grad!, w.grad!, b.grad!].map(values) }; // the op under the final reshape
      };
      const fused = run('cpu');
      const composed = run('no-matmul-bias');
      expect([fused.op, composed.op]).toEqual(['linear', 'add']);
      for (let i = 0; i < 4; i++) close(fused.values[i], composed.values[i], 1e-4);
    } finally {
      setBackend('cpu');
      removeBackend('no-matmul-bias');
    }
  });
  it('rejects shapes that do not fit, naming them', () => {
    expect(() => linear(randn([2, 3]), randn([4, 5]))).toThrow('linear: expected x (..., K) and weight (K, N), got x [2,3] and weight [4,5]');
    expect(() => linear(randn([2, 3]), randn([3]))).toThrow(/expected x \(\.\.\., K\) and weight \(K, N\)/);
    expect(() => linear(randn([2, 3]), randn([3, 5]), randn([4]))).toThrow('linear: expected bias (5), got [4]');
  });
});

describe('shape ops', () => {
  const x = arange(6).reshape([2, 3]);
  it('reshape with -1, transpose, permute', () => {
    expect(x.reshape([3, -1]).shape).toEqual([3, 2]);
    expect(x.transpose(0, 1).toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    const y = arange(24).reshape([2, 3, 4]).permute([2, 0, 1]);
    expect(y.shape).toEqual([4, 2, 3]);
    // y[i][j][k] = x[j][k][i] = j*12 + k*4 + i
    expect(values(y).slice(0, 6)).toEqual([0, 4, 8, 12, 16, 20]);
    // heads split: (2, 3, 4) -> (3, 2, 4), rows of 4 move whole
    expect(values(arange(24).reshape([2, 3, 4]).permute([1, 0, 2])).slice(0, 12)).toEqual([0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7]);
  });
  it('permute that moves only axes of length 1 is a reshape: same values, same storage, no kernel', () => {
    // one token split into heads: (1, 1, 3, 2) -> (1, 3, 1, 2)
    const t = arange(6).reshape([1, 1, 3, 2]);
    const heads = t.transpose(1, 2);
    expect(heads.shape).toEqual([1, 3, 1, 2]);
    expect(heads.storage).toBe(t.storage);
    expect(heads.toArray()).toEqual([[[[0, 1]], [[2, 3]], [[4, 5]]]]);
    // and its gradient comes back through the reshape
    const leaf = arange(6).reshape([3, 1, 2]);
    leaf.requiresGrad = true;
    leaf.permute([1, 0, 2]).mul(arange(6).reshape([1, 3, 2])).sum().backward();
    expect(values(leaf.grad!)).toEqual([0, 1, 2, 3, 4, 5]);
    // a permutation that does move values still copies them
    const u = arange(6).reshape([2, 1, 3]);
    expect(u.permute([2, 1, 0]).storage).not.toBe(u.storage);
  });
  it('slice, concat, stack, split', () => {
    expect(x.slice(1, 1, 3).toArray()).toEqual([
      [1, 2],
      [4, 5],
    ]);
    expect(x.slice(0, -1, 2).toArray()).toEqual([[3, 4, 5]]);
    expect(concat([x, x.slice(1, 0, 1)], 1).toArray()).toEqual([
      [0, 1, 2, 0],
      [3, 4, 5, 3],
    ]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    const parts = split(arange(7), 3, 0);
    expect(parts.map((p) => values(p))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(split(x, [1, 2], 1).map((p) => p.shape)).toEqual([
      [2, 1],
      [2, 2],
    ]);
  });
  it('indexSelect and embedding', () => {
    expect(indexSelect(x, 1, [2, 0]).toArray()).toEqual([
      [2, 0],
      [5, 3],
    ]);
    const w = arange(8).reshape([4, 2]);
    const e = embedding(w, Int32Array.from([3, 0, 3, 1]), [2, 2]);
    expect(e.shape).toEqual([2, 2, 2]);
    expect(values(e)).toEqual([6, 7, 0, 1, 6, 7, 2, 3]);
  });
});

describe('fused ops', () => {
  it('softmax and log-softmax by hand', () => {
    const x = tensor([[1, 2, 3]]);
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const z = e[0] + e[1] + e[2];
    close(values(softmax(x)), [e[0] / z, e[1] / z, e[2] / z]);
    close(values(logSoftmax(x)), [1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z)]);
    // stable for large logits
    close(values(softmax(tensor([1000, 1000]))), [0.5, 0.5]);
  });
  it('cross-entropy with ignore index and reductions', () => {
    const logits = tensor([
      [0, 0],
      [Math.log(3), 0],
      [5, 1],
    ]);
    const l0 = Math.log(2);
    const l1 = -Math.log(3 / 4);
    close([crossEntropy(logits, [0, 0, -100]).itemSync()], [(l0 + l1) / 2]);
    close([crossEntropy(logits, [0, 0, -100], { reduction: 'sum' }).itemSync()], [l0 + l1]);
    close(values(crossEntropy(logits, [0, 0, 7], { reduction: 'none', ignoreIndex: 7 })), [l0, l1, 0]);
  });
  it('layer norm without affine params by hand', () => {
    const y = layerNorm(tensor([[1, 2, 3]]), null, null, 0);
    const s = Math.sqrt(2 / 3);
    close(values(y), [-1 / s, 0, 1 / s]);
  });
  it('masked fill with a causal mask, then softmax', () => {
    const m = causalMask(3);
    expect(m.toArray()).toEqual([
      [0, 1, 1],
      [0, 0, 1],
      [0, 0, 0],
    ]);
    const att = maskedFill(zeros([2, 3, 3]), m, Number.NEGATIVE_INFINITY).softmax(-1);
    close(values(att).slice(0, 9), [1, 0, 0, 0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3]);
  });
  it('dropout is seeded, scales survivors and is the identity in eval', () => {
    const x = ones([1000]);
    const a = values(dropout(x, 0.25, { rng: new Rng(5), training: true }));
    const b = values(dropout(x, 0.25, { rng: new Rng(5), training: true }));
    expect(a).toEqual(b);
    const kept = a.filter((v) => v !== 0);
    for (const v of kept) expect(v).toBeCloseTo(1 / 0.75, 6);
    expect(Math.abs(kept.length / 1000 - 0.75)).toBeLessThan(0.05);
    expect(dropout(x, 0.25, { rng: new Rng(5), training: false })).toBe(x);
  });
});

describe('adamwUpdateGroup', () => {
  const h = { beta1: 0.9, beta2: 0.99, eps: 1e-8, stepSize: 0.01, invSqrtBias2: 1.2 };
  const member = (shape: number[], seed: number, keep: number) => ({
    param: randn(shape, { seed }),
    grad: randn(shape, { seed: seed + 1 }),
    m: randn(shape, { seed: seed + 2 }),
    v: randn(shape, { seed: seed + 3 }).mul(randn(shape, { seed: seed + 3 })),
    keep,
  });

  it('equals adamwUpdate member by member, on a backend without AdamWGroup too', () => {
    const members = [member([4, 3], 1, 0.999), member([5], 10, 1)];
    const want = members.map((x) => adamwUpdate(x.param, x.grad, x.m, x.v, { ...h, keep: x.keep }).map(values));
    expect(adamwUpdateGroup(members, h).map((r) => r.map(values))).toEqual(want);
    const { AdamWGroup: _group, ...kernels } = cpuBackend.kernels;
    registerBackend({ ...cpuBackend, name: 'no-adamw-group', kernels }, { priority: 0 });
    setBackend('no-adamw-group');
    try {
      expect(adamwUpdateGroup(members, h).map((r) => r.map(values))).toEqual(want);
    } finally {
      setBackend('cpu');
      removeBackend('no-adamw-group');
    }
    expect(adamwUpdateGroup([], h)).toEqual([]);
  });

  it('names the member and tensor whose shape or settings do not fit', () => {
    const good = member([2, 2], 1, 1);
    expect(() => adamwUpdateGroup([good, { ...good, m: randn([3]) }], h)).toThrow('adamwUpdateGroup: members[1].m has shape [3], expected [2,2] (the parameter\'s)');
    expect(() => adamwUpdateGroup([{ ...good, keep: Number.NaN }], h)).toThrow('adamwUpdateGroup: members[0].keep must be a finite number, got NaN');
    expect(() => adamwUpdateGroup([good], { ...h, eps: Number.POSITIVE_INFINITY })).toThrow('adamwUpdateGroup: eps must be a finite number, got Infinity');
  });
});
