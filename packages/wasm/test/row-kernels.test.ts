// The memory-bound WebAssembly kernels (binary ops, sums, masked fill, row
// permutations, softmax, layer norm and their gradients): edge cases straight
// against the kernels with float64 references written here, then the same ops
// through @attn/tensor on 'wasm' against the CPU backend, forward and backward,
// including shapes the kernels do not cover (which must fall back, not fail).
import * as T from '@attn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels, registerWasmBackend, type WasmBackendHandle, type WasmKernels } from '../src/index.js';
import { aroundAxis, binaryLayout, rowPermutation } from '../src/layouts.js';
import { randomArray } from './helpers.js';

/** max |got - want| / max(1, |want|). */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i]));
    worst = Math.max(worst, Number.isNaN(e) ? Number.POSITIVE_INFINITY : e);
  }
  return worst;
}

// On 2 threads every kernel is split (minParallelElements 0), so shares with
// odd boundaries (rows, element ranges, column bands) are exercised too.
describe.each([1, 2])('row kernels, called directly, on %i thread(s)', (threads) => {
  let k: WasmKernels;
  beforeAll(async () => {
    k = await createWasmKernels({ threads, minParallelElements: 0 });
  });
  afterAll(() => k.dispose());

  it('uses the requested thread count', () => {
    expect(k.threads).toBe(threads);
  });

  it('binary: every operand layout and op, rows not a multiple of 4 wide', () => {
    const rows = 5;
    const cols = 7;
    const full = randomArray(rows * cols, 1);
    const col = randomArray(cols, 2).map((v) => v + 2); // away from 0 for div
    const row = randomArray(rows, 3).map((v) => v - 2);
    const scalar = Float32Array.of(1.5);
    const pick = { full, col, row, scalar } as const;
    const at = (layout: keyof typeof pick, r: number, c: number) =>
      layout === 'full' ? full[r * cols + c] : layout === 'col' ? col[c] : layout === 'row' ? row[r] : scalar[0];
    const ops = { add: (x: number, y: number) => x + y, sub: (x: number, y: number) => x - y, mul: (x: number, y: number) => x * y, div: (x: number, y: number) => x / y };
    for (const [aL, bL] of [['full', 'full'], ['full', 'col'], ['col', 'full'], ['full', 'row'], ['row', 'full'], ['scalar', 'full'], ['full', 'scalar']] as const) {
      for (const op of Object.keys(ops) as (keyof typeof ops)[]) {
        const got = k.binary(op, pick[aL], aL, pick[bL], bL, rows, cols);
        const want = Array.from({ length: rows * cols }, (_, i) => ops[op](at(aL, Math.floor(i / cols), i % cols), at(bL, Math.floor(i / cols), i % cols)));
        expect(relErr(got, want), `${aL} ${op} ${bL}`).toBeLessThan(1e-6);
      }
    }
  });

  it('sums over the last axis and over a middle axis', () => {
    const x = randomArray(3 * 11 * 6, 4);
    const want = (outer: number, len: number, inner: number) => {
      const out = new Float64Array(outer * inner);
      for (let o = 0; o < outer; o++) for (let r = 0; r < len; r++) for (let i = 0; i < inner; i++) out[o * inner + i] += x[(o * len + r) * inner + i];
      return out;
    };
    expect(relErr(k.sumAxis(x, 33, 6, 1), want(33, 6, 1))).toBeLessThan(1e-6);
    expect(relErr(k.sumAxis(x, 3, 11, 6), want(3, 11, 6))).toBeLessThan(1e-6);
    expect(relErr(k.sumAxis(x, 1, 198, 1), want(1, 198, 1))).toBeLessThan(1e-5);
    expect(relErr(k.sumAxis(x, 1, 4, 49), want(1, 4, 49))).toBeLessThan(1e-6); // a bias gradient: shared by columns
    expect(Array.from(k.sumAxis(new Float32Array(0), 2, 0, 3))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('binary: a few long rows are shared by columns', () => {
    const [rows, cols] = [3, 70];
    const a = randomArray(rows * cols, 12);
    const bias = randomArray(cols, 13);
    const perRow = randomArray(rows, 14);
    const sum = k.binary('add', a, 'full', bias, 'col', rows, cols);
    const prod = k.binary('mul', perRow, 'row', a, 'full', rows, cols);
    for (let i = 0; i < rows * cols; i++) {
      expect(sum[i]).toBe(Math.fround(a[i] + bias[i % cols]));
      expect(prod[i]).toBe(Math.fround(perRow[Math.floor(i / cols)] * a[i]));
    }
  });

  it('copyRows: slices rows out and pads them with zeros around', () => {
    const x = randomArray(5 * 11, 15);
    // the columns [3, 9) of a (5, 11) matrix
    const slice = k.copyRows(x, 3, 11, 5, 6, 0, 0);
    expect(Array.from(slice)).toEqual(Array.from({ length: 30 }, (_, i) => x[Math.floor(i / 6) * 11 + 3 + (i % 6)]));
    // and back into (5, 13) rows with 2 zeros ahead and 5 behind
    const padded = k.copyRows(slice, 0, 6, 5, 6, 2, 5);
    expect(Array.from(padded)).toEqual(Array.from({ length: 65 }, (_, i) => (i % 13 >= 2 && i % 13 < 8 ? slice[Math.floor(i / 13) * 6 + (i % 13) - 2] : 0)));
  });

  it('masked fill repeats the mask and leaves unmasked values bit-exact', () => {
    const x = randomArray(4 * 9, 5);
    const mask = Float32Array.from({ length: 9 }, (_, i) => (i % 4 === 1 ? 1 : 0));
    const got = k.maskedFill(x, mask, -1e9);
    for (let i = 0; i < x.length; i++) expect(got[i]).toBe(mask[i % 9] ? -1e9 : x[i]);
  });

  it('row permutations move whole rows', () => {
    // (B, T, nh, hs) -> (B, nh, T, hs)
    const [B, Tn, nh, hs] = [2, 3, 4, 5];
    const x = randomArray(B * Tn * nh * hs, 6);
    const plan = rowPermutation([B, Tn, nh, hs], [0, 2, 1, 3])!;
    const got = k.permuteRows(x, plan.dims, plan.strides, plan.row);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < nh; h++)
        for (let t = 0; t < Tn; t++)
          for (let d = 0; d < hs; d++) expect(got[((b * nh + h) * Tn + t) * hs + d]).toBe(x[((b * Tn + t) * nh + h) * hs + d]);
    expect(rowPermutation([2, 3], [1, 0])).toBeNull(); // the last axis moves: not a row permutation
    expect(rowPermutation([1, 2, 3, 4, 5], [0, 1, 3, 2, 4])).toBeNull(); // more than three leading dims
  });

  it('softmax: rows sum to 1, blocked scores get exactly 0, NaN propagates, -inf rows give NaN as in PyTorch and the CPU backend', () => {
    const cols = 13;
    const x = randomArray(3 * cols, 7).map((v) => v * 20);
    x[3] = -1e9;
    x[cols + 2] = Number.NaN;
    for (let i = 0; i < cols; i++) x[2 * cols + i] = i < 5 ? -1e9 : x[2 * cols + i];
    const y = k.softmax(x, 3, cols);
    const want = new Float64Array(3 * cols);
    for (let r = 0; r < 3; r++) {
      const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
      const mx = Math.max(...row.filter((v) => !Number.isNaN(v)));
      const e = row.map((v) => Math.exp(v - mx));
      const s = e.reduce((a, b) => a + b, 0);
      e.forEach((v, i) => {
        want[r * cols + i] = v / s;
      });
    }
    expect(relErr(y.subarray(0, cols), want.subarray(0, cols))).toBeLessThan(1e-6);
    expect(y[3]).toBe(0);
    expect(Array.from(y.subarray(cols, 2 * cols)).every(Number.isNaN)).toBe(true);
    for (let i = 0; i < 5; i++) expect(y[2 * cols + i]).toBe(0);
    expect(relErr(y.subarray(2 * cols), want.subarray(2 * cols))).toBeLessThan(1e-6);
    const allMinusInf = k.softmax(new Float32Array(6).fill(Number.NEGATIVE_INFINITY), 1, 6);
    expect(Array.from(allMinusInf).every(Number.isNaN)).toBe(true); // 0 / 0, nothing to attend to
  });

  it('layer norm and its gradient, with and without weight and bias, odd widths', () => {
    const [rows, cols] = [4, 10];
    const x = randomArray(rows * cols, 8).map((v, i) => v * 3 + (i % 3));
    const w = randomArray(cols, 9);
    const b = randomArray(cols, 10);
    const dy = randomArray(rows * cols, 11);
    for (const [weight, bias] of [[w, b], [w, null], [null, b], [null, null]] as const) {
      const [y, means, rstds] = k.layerNorm(x, weight, bias, rows, cols, 1e-5);
      const [dx, dw, db] = k.layerNormGrad(x, weight, means, rstds, dy, rows, cols);
      const wantY = new Float64Array(rows * cols);
      const wantDx = new Float64Array(rows * cols);
      const wantDw = new Float64Array(cols);
      const wantDb = new Float64Array(cols);
      for (let r = 0; r < rows; r++) {
        const xr = Array.from(x.subarray(r * cols, (r + 1) * cols));
        const mean = xr.reduce((a, v) => a + v, 0) / cols;
        const rstd = 1 / Math.sqrt(xr.reduce((a, v) => a + (v - mean) ** 2, 0) / cols + 1e-5);
        expect(Math.abs(means[r] - mean)).toBeLessThan(1e-5);
        expect(Math.abs(rstds[r] - rstd) / rstd).toBeLessThan(1e-5);
        const xhat = xr.map((v) => (v - mean) * rstd);
        const g = xhat.map((_, j) => dy[r * cols + j] * (weight ? weight[j] : 1));
        const mg = g.reduce((a, v) => a + v, 0) / cols;
        const mgx = g.reduce((a, v, j) => a + v * xhat[j], 0) / cols;
        for (let j = 0; j < cols; j++) {
          wantY[r * cols + j] = xhat[j] * (weight ? weight[j] : 1) + (bias ? bias[j] : 0);
          wantDx[r * cols + j] = rstd * (g[j] - mg - xhat[j] * mgx);
          wantDw[j] += dy[r * cols + j] * xhat[j];
          wantDb[j] += dy[r * cols + j];
        }
      }
      expect(relErr(y, wantY)).toBeLessThan(1e-5);
      expect(relErr(dx, wantDx)).toBeLessThan(1e-5);
      expect(relErr(dw, wantDw)).toBeLessThan(1e-5);
      expect(relErr(db, wantDb)).toBeLessThan(1e-5);
    }
  });

  it('cross-entropy and its gradient, with an ignored row and a width not a multiple of 4', () => {
    const [rows, cols] = [6, 13];
    const x = randomArray(rows * cols, 16).map((v) => v * 8);
    const targets = Int32Array.of(3, -100, 12, 0, 7, 5);
    const dLoss = randomArray(rows, 17);
    const loss = k.crossEntropy(x, targets, -100, rows, cols);
    const dx = k.crossEntropyGrad(x, dLoss, targets, -100, rows, cols);
    const wantLoss = new Float64Array(rows);
    const wantDx = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      if (targets[r] === -100) continue;
      const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
      const mx = Math.max(...row);
      const z = row.reduce((a, v) => a + Math.exp(v - mx), 0);
      wantLoss[r] = mx + Math.log(z) - row[targets[r]];
      row.forEach((v, j) => {
        wantDx[r * cols + j] = (Math.exp(v - mx) / z - (j === targets[r] ? 1 : 0)) * dLoss[r];
      });
    }
    expect(relErr(loss, wantLoss)).toBeLessThan(2e-6);
    expect(relErr(dx, wantDx)).toBeLessThan(2e-6);
    expect(loss[1]).toBe(0);
    expect(Array.from(dx.subarray(cols, 2 * cols)).every((v) => v === 0)).toBe(true);
  });

  it('layout planning', () => {
    expect(binaryLayout([2, 3, 4], [4], [2, 3, 4])).toEqual({ a: 'full', b: 'col', rows: 6, cols: 4 });
    expect(binaryLayout([1, 4], [2, 3, 4], [2, 3, 4])).toEqual({ a: 'col', b: 'full', rows: 6, cols: 4 });
    expect(binaryLayout([2, 3, 4], [2, 3, 1], [2, 3, 4])).toEqual({ a: 'full', b: 'row', rows: 6, cols: 4 });
    expect(binaryLayout([], [2, 3], [2, 3])).toEqual({ a: 'scalar', b: 'full', rows: 1, cols: 6 });
    expect(binaryLayout([2, 1, 4], [3, 1], [2, 3, 4])).toBeNull(); // both broadcast: CPU
    expect(binaryLayout([2, 3, 4], [3, 1], [2, 3, 4])).toBeNull(); // middle-axis broadcast: CPU
    expect(aroundAxis([2, 3, 4], 1)).toEqual({ outer: 2, length: 3, inner: 4 });
  });
});

describe("the same ops through @attn/tensor on 'wasm', against the CPU backend", () => {
  let handle: WasmBackendHandle | null;
  beforeAll(async () => {
    // every kernel split across both threads, however small
    handle = await registerWasmBackend({ threads: 2, minParallelElements: 0, minParallelFlops: 0 });
    if (!handle) throw new Error('this Node has no WebAssembly SIMD');
  });
  afterAll(() => {
    handle?.dispose();
    T.setBackend('cpu');
  });

  /** Runs fn on a backend with fresh leaves built from the same values; returns outputs and leaf gradients. */
  function run(backend: string, shapes: number[][], fn: (xs: T.Tensor[]) => T.Tensor): Float32Array[] {
    T.setBackend(backend);
    const xs = shapes.map((s, i) => {
      const n = s.reduce((p, d) => p * d, 1);
      const t = T.fromArray(randomArray(n, 100 + i), s);
      t.requiresGrad = true;
      return t;
    });
    const y = fn(xs);
    const dy = T.fromArray(randomArray(y.size, 99), [...y.shape]);
    y.backward(dy);
    return [Float32Array.from(y.dataSync()), ...xs.map((x) => Float32Array.from(x.grad!.dataSync()))];
  }

  const cases: [string, number[][], (xs: T.Tensor[]) => T.Tensor][] = [
    ['bias add (B, T, C) + (C)', [[2, 5, 7], [7]], ([x, b]) => x.add(b)],
    ['per-row divide (B, T, C) / (B, T, 1)', [[2, 5, 7], [2, 5, 1]], ([x, s]) => x.div(s.add(3))],
    ['middle-axis broadcast falls back', [[2, 5, 7], [5, 1]], ([x, s]) => x.mul(s)],
    ['sum over axis 0, 1 and 2', [[4, 6, 5]], ([x]) => x.sum(0).sum(0).add(x.sum(1).sum(1).sum(0)).add(x.sum(2).sum(0).sum(0))],
    ['head split and merge', [[2, 3, 8]], ([x]) => x.reshape([2, 3, 2, 4]).transpose(1, 2).mul(x.reshape([2, 3, 2, 4]).permute([0, 2, 1, 3]).exp())],
    ['a transpose of the last two axes falls back', [[3, 4, 5]], ([x]) => x.transpose(1, 2).mul(2)],
    ['causal masked softmax', [[2, 2, 6, 6]], ([x]) => x.mul(3).maskedFill(T.causalMask(6), -1e9).softmax(-1)],
    ['softmax over a middle axis falls back', [[3, 5, 4]], ([x]) => x.softmax(1)],
    ['layer norm', [[3, 4, 9], [9], [9]], ([x, w, b]) => T.layerNorm(x, w, b, 1e-5)],
    ['slices (qkv split) and their gradient, PadAxis', [[2, 5, 9]], ([x]) => x.slice(2, 0, 3).mul(x.slice(2, 3, 6)).add(x.slice(2, 6, 9)).sum(1).add(x.slice(1, 1, 4).slice(2, 2, 5).sum(1))],
  ];
  for (const [name, shapes, fn] of cases) {
    it(name, () => {
      const want = run('cpu', shapes, fn);
      const got = run('wasm', shapes, fn);
      for (const [i, g] of got.entries()) expect(relErr(g, want[i]), `output ${i}`).toBeLessThan(2e-5);
    });
  }
});
