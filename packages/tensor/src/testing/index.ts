// The shared backend conformance suite. Every backend package runs it from its
// own vitest file:
//
//   import { describe, expect, it } from 'vitest';
//   import { runBackendSuite } from '@attn/tensor/testing';
//   registerBackend(myBackend, { priority: 5 });
//   runBackendSuite({ describe, it, expect }, 'gpu');
//
// Each case runs ops with the named backend selected and compares the results
// with plain-JavaScript reference loops written here (independent of every
// backend), and gradients with those of the CPU backend in float64 (which its own
// tests check against finite differences). A backend that implements only some
// kernels passes too: the rest run on the CPU through the engine's fallback.
// Values are read with `await tensor.data()`, so backends that can only read
// asynchronously (WebGPU) run the same cases.
import type { DType } from '../backend.js';
import {
  adamwUpdate,
  adamwUpdateGroup,
  add,
  argmax,
  causalMask,
  concat,
  crossEntropy,
  div,
  embedding,
  exp,
  fromArray,
  fusedAttention,
  fusedSelfAttention,
  indexSelect,
  gelu,
  getBackend,
  layerNorm,
  linear,
  listBackends,
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
  relu,
  Rng,
  SyncReadError,
  setBackend,
  slice,
  softmax,
  sqrt,
  sub,
  sum,
  type Tensor,
  tanh,
  variance,
} from '../index.js';

/** The parts of vitest (or jest, or mocha + chai) the suite needs. */
export interface SuiteApi {
  describe: (name: string, fn: () => void) => void;
  it: (name: string, fn: () => void | Promise<void>) => void;
  /** Optional; failures are thrown as Errors with a description either way. */
  expect?: unknown;
}

export interface BackendSuiteOptions {
  /** Dtypes to run every case in (default ['float32']). */
  dtypes?: DType[];
  /** Largest accepted error relative to max(1, |reference|) (default 2e-4 for float32, 1e-9 for float64). */
  tolerance?: Partial<Record<DType, number>>;
}

/** Runs the conformance suite against the registered backend `backendName`. */
export function runBackendSuite(api: SuiteApi, backendName: string, options: BackendSuiteOptions = {}): void {
  const dtypes = options.dtypes ?? ['float32'];
  for (const dtype of dtypes) {
    const tol = options.tolerance?.[dtype] ?? (dtype === 'float64' ? 1e-9 : 2e-4);
    api.describe(`backend '${backendName}' conforms (${dtype})`, () => {
      for (const [name, body] of Object.entries(cases)) {
        api.it(name, async () => {
          if (!listBackends().includes(backendName)) {
            throw new Error(`runBackendSuite: backend '${backendName}' is not registered (have: ${listBackends().join(', ')})`);
          }
          const previous = getBackend().name;
          setBackend(backendName);
          try {
            await body(new Context(dtype, tol, backendName));
          } finally {
            setBackend(previous);
          }
        });
      }
    });
  }
}

/**
 * Runs the conformance suite where no test runner is loaded (a browser page driven by
 * Playwright): a small describe/it collector gathers the cases, runs them in order and
 * returns the names that passed and each failure with its message.
 */
export async function runBackendSuiteCollected(backendName: string, options: BackendSuiteOptions = {}): Promise<{ passed: string[]; failed: string[] }> {
  const cases: Array<[string, () => void | Promise<void>]> = [];
  let prefix = '';
  runBackendSuite(
    {
      describe: (name, fn) => {
        prefix = name;
        fn();
      },
      it: (name, fn) => {
        cases.push([`${prefix} > ${name}`, fn]);
      },
    },
    backendName,
    options,
  );
  const passed: string[] = [];
  const failed: string[] = [];
  for (const [name, fn] of cases) {
    try {
      await fn();
      passed.push(name);
    } catch (err) {
      failed.push(`${name}: ${(err as Error).message}`);
    }
  }
  return { passed, failed };
}

/** Helpers a case uses: seeded inputs in the dtype under test, and comparisons. */
class Context {
  private rng = new Rng(1234);
  constructor(
    readonly dtype: DType,
    readonly tol: number,
    readonly backend: string,
  ) {}

  /** Random normal tensor (values also returned as plain numbers for references). */
  randn(shape: number[], scale = 1): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, () => this.rng.normal() * scale);
    return fromArray(values, shape, { dtype: this.dtype });
  }

  /** Uniform in [low, high). */
  uniform(shape: number[], low: number, high: number): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    return fromArray(
      Array.from({ length: n }, () => low + (high - low) * this.rng.next()),
      shape,
      { dtype: this.dtype },
    );
  }

  /** Throws unless t has `shape` and its values match `expected` within the tolerance. */
  async close(what: string, t: Tensor, shape: readonly number[], expected: ArrayLike<number>, tolScale = 1): Promise<void> {
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${this.backend}: ${what}: shape [${t.shape.join(',')}], expected [${shape.join(',')}]`);
    }
    const actual = await t.data();
    if (actual.length !== expected.length) throw new Error(`${this.backend}: ${what}: ${actual.length} values, expected ${expected.length}`);
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i];
      const a = actual[i];
      const same = a === e || (Number.isNaN(a) && Number.isNaN(e));
      if (!same && !(Math.abs(a - e) <= this.tol * tolScale * Math.max(1, Math.abs(e)))) {
        throw new Error(`${this.backend} (${this.dtype}): ${what}: value ${a} at index ${i}, expected ${e} (tolerance ${this.tol * tolScale})`);
      }
    }
  }

  /** The values as plain numbers (for references). */
  async vals(t: Tensor): Promise<number[]> {
    return Array.from(await t.data());
  }
}

type Case = (c: Context) => Promise<void>;

// ---- plain-JS references --------------------------------------------------

function refMatmul(a: number[], b: number[], m: number, k: number, n: number, transA: boolean, transB: boolean): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += (transA ? a[l * m + i] : a[i * k + l]) * (transB ? b[j * k + l] : b[l * n + j]);
      out[i * n + j] = s;
    }
  return out;
}

/** Softmax rows of length `len` (last axis). */
function refSoftmaxRows(x: number[], len: number, logOut: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length; r += len) {
    const row = x.slice(r, r + len);
    const mx = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - mx), 0);
    for (const v of row) out.push(logOut ? v - mx - Math.log(z) : Math.exp(v - mx) / z);
  }
  return out;
}

function refErf(x: number): number {
  // Maclaurin series; fine for the |x| < 4 used here.
  let term = x;
  let total = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    total += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * total;
}

/**
 * softmax(scale q k^T) v per head over the keys each query sees (causal: j <= i + Tk - Tq),
 * with the whole weight row materialised: the independent reference for FusedAttention.
 */
function refAttention(q: number[], k: number[], v: number[], heads: number, tq: number, tk: number, d: number, dv: number, causal: boolean): number[] {
  const out: number[] = [];
  const scale = 1 / Math.sqrt(d);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < tq; i++) {
      const seen = causal ? i + tk - tq + 1 : tk;
      const s = Array.from({ length: seen }, (_, j) => {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[(h * tq + i) * d + c] * k[(h * tk + j) * d + c];
        return dot * scale;
      });
      const w = refSoftmaxRows(s, seen, false);
      for (let c = 0; c < dv; c++) out.push(w.reduce((acc, wj, j) => acc + wj * v[(h * tk + j) * dv + c], 0));
    }
  }
  return out;
}

/** Gradients of `build` w.r.t. `inputs` on the CPU in float64 (the reference for backend gradients). */
async function cpuFloat64Grads(build: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): Promise<number[][]> {
  const values = await Promise.all(inputs.map((t) => t.data()));
  const current = getBackend().name;
  setBackend('cpu');
  try {
    const xs = inputs.map((t, i) => fromArray(values[i], t.shape, { dtype: 'float64', requiresGrad: true }));
    build(...xs).backward();
    return xs.map((x) => Array.from(x.grad!.dataSync()));
  } finally {
    setBackend(current);
  }
}

/** Runs backward on the backend under test and compares every input's gradient with the CPU float64 one. */
async function checkGrads(c: Context, what: string, build: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): Promise<void> {
  const reference = await cpuFloat64Grads(build, inputs);
  for (const x of inputs) x.requiresGrad = true;
  build(...inputs).backward();
  for (const [i, x] of inputs.entries()) await c.close(`${what}: gradient of input ${i}`, x.grad!, x.shape, reference[i], 10);
}

// ---- the cases -------------------------------------------------------------

const cases: Record<string, Case> = {
  'write, dataSync, data, dispose': async (c) => {
    const t = fromArray([1, -2.5, 3], [3], { dtype: c.dtype });
    const v = await t.data();
    if (Array.from(v).join() !== '1,-2.5,3') throw new Error(`${c.backend}: data() returned ${Array.from(v)}`);
    if (t.storage.backend.syncReads === false) {
      // A backend that reads only asynchronously refuses dataSync() with a typed error pointing at data().
      let thrown: unknown = null;
      try {
        t.dataSync();
      } catch (err) {
        thrown = err;
      }
      if (!(thrown instanceof SyncReadError) || !/data\(\)/.test(thrown.message)) {
        throw new Error(`${c.backend}: dataSync() should throw a SyncReadError that mentions data(), got ${String(thrown)}`);
      }
    } else {
      const s = t.dataSync();
      if (Array.from(s).join() !== '1,-2.5,3') throw new Error(`${c.backend}: dataSync() returned ${Array.from(s)}`);
    }
    if ((await fromArray([4.5], [], { dtype: c.dtype }).item()) !== 4.5) throw new Error(`${c.backend}: item() did not return 4.5`);
    t.dispose();
  },

  'binary ops with every broadcast pattern': async (c) => {
    const a = c.randn([2, 3, 4]);
    const av = await c.vals(a);
    const same = c.randn([2, 3, 4]);
    const sv = await c.vals(same);
    const bias = c.randn([4]);
    const bv = await c.vals(bias);
    const col = c.randn([2, 1, 1]);
    const cv = await c.vals(col);
    const pos = c.uniform([3, 1], 0.5, 2);
    const pv = await c.vals(pos);
    await c.close('add same shape', add(a, same), [2, 3, 4], av.map((v, i) => v + sv[i]));
    await c.close('sub scalar', sub(a, 1.5), [2, 3, 4], av.map((v) => v - 1.5));
    await c.close('scalar div', div(2, pos), [3, 1], pv.map((v) => 2 / v));
    await c.close('mul bias', mul(a, bias), [2, 3, 4], av.map((v, i) => v * bv[i % 4]));
    await c.close('add general broadcast', add(a, col), [2, 3, 4], av.map((v, i) => v + cv[Math.floor(i / 12)]));
    await c.close(
      'div broadcast (3,1) over (2,3,4)',
      div(a, pos),
      [2, 3, 4],
      av.map((v, i) => v / pv[Math.floor(i / 4) % 3]),
    );
    const perRow = c.uniform([2, 3, 1], 0.5, 2);
    const prv = await c.vals(perRow);
    await c.close('div per-row scalar (2,3,1)', div(a, perRow), [2, 3, 4], av.map((v, i) => v / prv[Math.floor(i / 4)]));
    await c.close('sub per-row scalar (2,1,1)', sub(a, col), [2, 3, 4], av.map((v, i) => v - cv[Math.floor(i / 12)]));
    // (3, 1) with (1, 4): both sides broadcast
    const row = c.randn([1, 4]);
    const rv = await c.vals(row);
    await c.close('add outer broadcast', add(pos, row), [3, 4], Array.from({ length: 12 }, (_, i) => pv[Math.floor(i / 4)] + rv[i % 4]));
  },

  'unary ops': async (c) => {
    const x = c.randn([3, 5], 2);
    const xv = await c.vals(x);
    const p = c.uniform([7], 0.1, 3);
    const pv = await c.vals(p);
    await c.close('neg', neg(x), [3, 5], xv.map((v) => -v));
    await c.close('exp', exp(x), [3, 5], xv.map(Math.exp));
    await c.close('log', log(p), [7], pv.map(Math.log));
    await c.close('sqrt', sqrt(p), [7], pv.map(Math.sqrt));
    await c.close('tanh', tanh(x), [3, 5], xv.map(Math.tanh));
    await c.close('relu', relu(x), [3, 5], xv.map((v) => Math.max(v, 0)));
    await c.close('pow 3', pow(x, 3), [3, 5], xv.map((v) => v ** 3));
    await c.close('pow 0.5', pow(p, 0.5), [7], pv.map(Math.sqrt));
    const k = Math.sqrt(2 / Math.PI);
    await c.close('gelu tanh', gelu(x), [3, 5], xv.map((v) => 0.5 * v * (1 + Math.tanh(k * (v + 0.044715 * v ** 3)))));
    await c.close('gelu exact', gelu(x, 'none'), [3, 5], xv.map((v) => 0.5 * v * (1 + refErf(v / Math.SQRT2))));
  },

  reductions: async (c) => {
    const x = c.randn([2, 3, 4]);
    const xv = await c.vals(x);
    const at = (i: number, j: number, l: number) => xv[i * 12 + j * 4 + l];
    const sum1: number[] = [];
    const max2: number[] = [];
    const arg0: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let l = 0; l < 4; l++) sum1.push(at(i, 0, l) + at(i, 1, l) + at(i, 2, l));
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) max2.push(Math.max(at(i, j, 0), at(i, j, 1), at(i, j, 2), at(i, j, 3)));
    for (let j = 0; j < 3; j++) for (let l = 0; l < 4; l++) arg0.push(at(1, j, l) > at(0, j, l) ? 1 : 0);
    await c.close('sum all', sum(x), [], [xv.reduce((s, v) => s + v, 0)]);
    await c.close('sum axis 1', sum(x, 1), [2, 4], sum1);
    await c.close('sum axes [0,2] keepdim', sum(x, [0, 2], true), [1, 3, 1], [0, 1, 2].map((j) => [0, 1].reduce((s, i) => s + [0, 1, 2, 3].reduce((t, l) => t + at(i, j, l), 0), 0)));
    await c.close('mean axis -1', mean(x, -1), [2, 3], max2.map((_, r) => xv.slice(r * 4, r * 4 + 4).reduce((s, v) => s + v, 0) / 4));
    await c.close('max axis 2', max(x, 2), [2, 3], max2);
    await c.close('argmax axis 0', argmax(x, 0), [3, 4], arg0);
    const rows = max2.map((_, r) => xv.slice(r * 4, r * 4 + 4));
    await c.close('var axis -1', variance(x, -1), [2, 3], rows.map((row) => {
      const m = row.reduce((s, v) => s + v, 0) / 4;
      return row.reduce((s, v) => s + (v - m) ** 2, 0) / 4;
    }));
  },

  'matmul: every transpose, odd sizes, larger than a cache block': async (c) => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [3, 5, 2],
      [17, 33, 9],
      [70, 130, 67],
    ]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = c.randn(transA ? [k, m] : [m, k]);
          const b = c.randn(transB ? [n, k] : [k, n]);
          const expected = refMatmul(await c.vals(a), await c.vals(b), m, k, n, transA, transB);
          await c.close(`matmul ${m}x${k}x${n} transA=${transA} transB=${transB}`, matmul(a, b, { transA, transB }), [m, n], expected, Math.sqrt(k));
        }
      }
    }
  },

  'matmul with a few rows (decoding one token): every transpose, depths past one thread share, a wide B': async (c) => {
    for (const [m, k, n] of [
      [1, 77, 40],
      [2, 131, 9],
      [3, 64, 33],
      [4, 300, 70],
      [1, 20, 1100],
    ]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = c.randn(transA ? [k, m] : [m, k]);
          const b = c.randn(transB ? [n, k] : [k, n]);
          const expected = refMatmul(await c.vals(a), await c.vals(b), m, k, n, transA, transB);
          await c.close(`matmul ${m}x${k}x${n} transA=${transA} transB=${transB}`, matmul(a, b, { transA, transB }), [m, n], expected, Math.sqrt(k));
        }
      }
    }
  },

  'matmul: batched with broadcast batch dims': async (c) => {
    // (2, 1, 4, 3)ᵀ @ (3, 5, 4)ᵀ -> (2, 3, 3, 5)
    const a = c.randn([2, 1, 4, 3]);
    const b = c.randn([3, 5, 4]);
    const av = await c.vals(a);
    const bv = await c.vals(b);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) expected.push(...refMatmul(av.slice(i * 12, i * 12 + 12), bv.slice(j * 20, j * 20 + 20), 3, 4, 5, true, true));
    await c.close('batched transposed broadcast', matmul(a, b, { transA: true, transB: true }), [2, 3, 3, 5], expected);
    // (B, T, C) @ (C, N): a 2-D weight shared by the batch
    const x = c.randn([2, 3, 4]);
    const w = c.randn([4, 6]);
    const xv = await c.vals(x);
    const wv = await c.vals(w);
    await c.close('batched @ 2-D', matmul(x, w), [2, 3, 6], [...refMatmul(xv.slice(0, 12), wv, 3, 4, 6, false, false), ...refMatmul(xv.slice(12), wv, 3, 4, 6, false, false)]);
  },

  'linear: x @ W + b for every tile edge, depths past a cache block, a few rows, leading dims': async (c) => {
    const cases: [number[], number][] = [
      // x shape (..., K), N
      [[70, 20], 13], // rows in bands, partial tiles on both edges
      [[3, 40], 50], // few rows, many columns: bands of columns
      [[2, 300], 24], // two rows (one token's products while decoding), deeper than a packed block
      [[1, 33], 70],
      [[2, 3, 4], 6], // (B, T, C) @ (C, N)
      [[5, 260], 9],
    ];
    for (const [xShape, n] of cases) {
      const k = xShape[xShape.length - 1];
      const rows = xShape.reduce((a, b) => a * b, 1) / k;
      const [x, w, b] = [c.randn(xShape), c.randn([k, n]), c.randn([n])];
      const [xv, wv, bv] = [await c.vals(x), await c.vals(w), await c.vals(b)];
      const expected = refMatmul(xv, wv, rows, k, n, false, false).map((v, i) => v + bv[i % n]);
      await c.close(`linear ${JSON.stringify({ xShape, n })}`, linear(x, w, b), [...xShape.slice(0, -1), n], expected, Math.sqrt(k));
    }
    // weight gradients in bands of rows or of columns, with a partial last panel of columns
    for (const [xShape, n] of [
      [[2, 5, 6], 10],
      [[3, 7, 5], 40],
      [[70, 9], 13],
    ] as [number[], number][]) {
      const k = xShape[xShape.length - 1];
      await checkGrads(c, `linear ${JSON.stringify({ xShape, n })}`, (x, w, b) => sum(pow(linear(x, w, b), 2)), [c.randn(xShape), c.randn([k, n]), c.randn([n])]);
    }
  },

  'indexSelect along any axis with repeated indices, and its scatter-added gradient': async (c) => {
    for (const [shape, axis, indices] of [
      [[65, 20], 0, [3, 64, 3, 0, 17, 3, 64, 9, 9, 9]],
      [[3, 7, 5], 1, [6, 0, 6, 2]],
      [[4, 6], 1, [5, 5, 1]],
    ] as [number[], number, number[]][]) {
      const x = c.randn(shape);
      const xv = await c.vals(x);
      const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
      const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const expected: number[] = [];
      for (let o = 0; o < outer; o++) for (const i of indices) expected.push(...xv.slice((o * shape[axis] + i) * inner, (o * shape[axis] + i + 1) * inner));
      const outShape = shape.map((d, i) => (i === axis ? indices.length : d));
      await c.close(`indexSelect ${JSON.stringify({ shape, axis })}`, indexSelect(x, axis, indices), outShape, expected);
      await checkGrads(c, `indexSelect ${JSON.stringify({ shape, axis })}`, (t) => sum(pow(indexSelect(t, axis, indices), 2)), [x]);
    }
  },

  'layout: permute, slice, concat, embedding': async (c) => {
    const x = c.randn([2, 3, 4]);
    const xv = await c.vals(x);
    const at = (i: number, j: number, l: number) => xv[i * 12 + j * 4 + l];
    const perm: number[] = [];
    for (let l = 0; l < 4; l++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) perm.push(at(i, j, l));
    await c.close('permute [2,0,1]', permute(x, [2, 0, 1]), [4, 2, 3], perm);
    const swapped: number[] = [];
    for (let i = 0; i < 2; i++) for (let l = 0; l < 4; l++) for (let j = 0; j < 3; j++) swapped.push(at(i, j, l));
    await c.close('transpose last two', x.transpose(1, 2), [2, 4, 3], swapped);
    const heads: number[] = [];
    for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) for (let l = 0; l < 4; l++) heads.push(at(i, j, l));
    await c.close('permute [1,0,2] (last dim kept)', permute(x, [1, 0, 2]), [3, 2, 4], heads);
    const sl: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 1; j < 3; j++) for (let l = 0; l < 4; l++) sl.push(at(i, j, l));
    await c.close('slice axis 1', slice(x, 1, 1, 3), [2, 2, 4], sl);
    const y = c.randn([2, 1, 4]);
    const yv = await c.vals(y);
    const cat: number[] = [];
    for (let i = 0; i < 2; i++) cat.push(...xv.slice(i * 12, i * 12 + 12), ...yv.slice(i * 4, i * 4 + 4));
    await c.close('concat axis 1', concat([x, y], 1), [2, 4, 4], cat);
    const w = c.randn([5, 3]);
    const wv = await c.vals(w);
    const ids = [4, 0, 4, 2];
    await c.close('embedding', embedding(w, ids, [2, 2]), [2, 2, 3], ids.flatMap((id) => wv.slice(id * 3, id * 3 + 3)));
  },

  'softmax, log-softmax, masked fill, cross-entropy, layer norm': async (c) => {
    const x = c.randn([2, 3, 5], 3);
    const xv = await c.vals(x);
    await c.close('softmax last axis', softmax(x), [2, 3, 5], refSoftmaxRows(xv, 5, false));
    await c.close('logSoftmax last axis', logSoftmax(x), [2, 3, 5], refSoftmaxRows(xv, 5, true));
    const att = c.randn([2, 4, 4]);
    const attv = await c.vals(att);
    const masked = maskedFill(att, causalMask(4), Number.NEGATIVE_INFINITY);
    await c.close('maskedFill causal', masked, [2, 4, 4], attv.map((v, i) => ((i % 4) > Math.floor(i / 4) % 4 ? Number.NEGATIVE_INFINITY : v)));
    await c.close(
      'softmax of masked rows',
      softmax(masked),
      [2, 4, 4],
      refSoftmaxRows(
        attv.map((v, i) => ((i % 4) > Math.floor(i / 4) % 4 ? Number.NEGATIVE_INFINITY : v)),
        4,
        false,
      ),
    );
    const targets = [1, 4, -100, 0, 2, 3];
    const logp = refSoftmaxRows(xv, 5, true);
    let total = 0;
    let count = 0;
    targets.forEach((t, r) => {
      if (t === -100) return;
      total -= logp[r * 5 + t];
      count++;
    });
    await c.close('crossEntropy mean with ignore index', crossEntropy(x, targets), [], [total / count]);
    const w = c.randn([5]);
    const b = c.randn([5]);
    const wv = await c.vals(w);
    const bv = await c.vals(b);
    const ln: number[] = [];
    for (let r = 0; r < 6; r++) {
      const row = xv.slice(r * 5, r * 5 + 5);
      const m = row.reduce((s, v) => s + v, 0) / 5;
      const v = row.reduce((s, u) => s + (u - m) ** 2, 0) / 5;
      row.forEach((u, j) => {
        ln.push(((u - m) / Math.sqrt(v + 1e-5)) * wv[j] + bv[j]);
      });
    }
    await c.close('layerNorm', layerNorm(x, w, b), [2, 3, 5], ln);
  },

  'a chain of kernels (as a GPT block runs them)': async (c) => {
    const x = c.randn([2, 4, 8]);
    const w = c.randn([8, 8], 0.3);
    const bias = c.randn([8]);
    const out = softmax(maskedFill(matmul(gelu(layerNorm(add(matmul(x, w), bias))), x, { transB: true }), causalMask(4), -1e9));
    // Same chain on the CPU in float64.
    const [xv, wv, bv] = await Promise.all([x, w, bias].map((t) => t.data()));
    const current = getBackend().name;
    setBackend('cpu');
    let expected: number[];
    try {
      const host = new Map([
        [x, xv],
        [w, wv],
        [bias, bv],
      ]);
      const f = (t: Tensor) => fromArray(host.get(t)!, t.shape, { dtype: 'float64' });
      const ref = softmax(maskedFill(matmul(gelu(layerNorm(add(matmul(f(x), f(w)), f(bias)))), f(x), { transB: true }), causalMask(4), -1e9));
      expected = Array.from(ref.dataSync());
    } finally {
      setBackend(current);
    }
    await c.close('matmul+bias+layerNorm+gelu+matmulᵀ+mask+softmax', out, [2, 4, 4], expected, 10);
  },

  'gradients of elementwise ops and reductions': async (c) => {
    await checkGrads(
      c,
      'elementwise',
      (a, b, p) => sum(mul(add(tanh(mul(a, b)), div(exp(neg(a)), p)), relu(sub(b, 0.1)))),
      [c.randn([3, 4]), c.randn([4]), c.uniform([3, 1], 0.5, 2)],
    );
    await checkGrads(c, 'log/sqrt/pow/gelu', (p) => sum(add(add(log(p), sqrt(p)), add(pow(p, 3), gelu(p, 'none')))), [c.uniform([2, 3], 0.5, 2)]);
    await checkGrads(c, 'reductions', (x) => add(sum(max(x, 1)), add(sum(variance(x, 0)), mean(x))), [c.randn([3, 5])]);
  },

  'gradients of matmul, layer norm, softmax and cross-entropy (a tiny attention + MLP)': async (c) => {
    await checkGrads(
      c,
      'attention',
      (x, wq, w1, g, b) => {
        const h = layerNorm(x, g, b); // (B, T, C)
        const q = matmul(h, wq); // (B, T, C)
        const att = softmax(maskedFill(matmul(q, h, { transB: true }), causalMask(3), Number.NEGATIVE_INFINITY)); // (B, T, T)
        const y = matmul(att, h); // (B, T, C)
        const logits = matmul(gelu(y), w1); // (B, T, V)
        const lsm = logSoftmax(logits);
        return add(crossEntropy(logits, [0, 1, 2, 3, -100, 1]), mul(sum(lsm), 0.01));
      },
      [c.randn([2, 3, 4]), c.randn([4, 4], 0.5), c.randn([4, 5], 0.5), c.randn([4]), c.randn([4])],
    );
  },

  'gradients of layout ops': async (c) => {
    await checkGrads(
      c,
      'layout',
      (x, w) => {
        const e = embedding(w, [1, 3, 1], [3]); // (3, 2)
        const p = permute(concat([x, e], 1), [1, 0]); // (6, 3)
        return sum(mul(slice(p, 0, 1, 4), 3)); // (3, 3) summed
      },
      [c.randn([3, 4]), c.randn([4, 2])],
    );
  },

  'fused attention: causal, a KV-cache offset (Tq < Tk), not causal, odd widths, more than 64 keys': async (c) => {
    const cases: [number[], number, number, number, number, boolean][] = [
      [[2, 3], 5, 5, 4, 3, true],
      [[2], 3, 7, 5, 6, true],
      [[3], 4, 6, 3, 2, false],
      [[1, 2], 70, 70, 8, 8, true],
      [[1], 1, 9, 16, 16, true],
    ];
    for (const [lead, tq, tk, d, dv, causal] of cases) {
      const heads = lead.reduce((a, b) => a * b, 1);
      const q = c.randn([...lead, tq, d]);
      const k = c.randn([...lead, tk, d]);
      const v = c.randn([...lead, tk, dv]);
      const expected = refAttention(await c.vals(q), await c.vals(k), await c.vals(v), heads, tq, tk, d, dv, causal);
      await c.close(`fusedAttention ${JSON.stringify({ lead, tq, tk, d, dv, causal })}`, fusedAttention(q, k, v, { causal }), [...lead, tq, dv], expected);
    }
  },

  'fused attention over the first kvLength rows of k and v (a preallocated KV cache)': async (c) => {
    const cases: [number[], number, number, number, number, number, boolean][] = [
      // lead, tq, kvLength, rows of k and v, d, dv, causal
      [[2, 3], 1, 6, 16, 8, 8, true],
      [[2], 3, 7, 9, 5, 6, true],
      [[3], 2, 4, 10, 3, 2, false],
      [[1, 2], 1, 70, 128, 16, 16, true],
    ];
    for (const [lead, tq, kvLength, rows, d, dv, causal] of cases) {
      const heads = lead.reduce((a, b) => a * b, 1);
      const q = c.randn([...lead, tq, d]);
      const k = c.randn([...lead, rows, d]);
      const v = c.randn([...lead, rows, dv]);
      const [kv, vv] = [await c.vals(k), await c.vals(v)];
      // the reference sees only the first kvLength rows of every head
      const prefix = (x: number[], w: number) => Array.from({ length: heads }, (_, h) => x.slice(h * rows * w, (h * rows + kvLength) * w)).flat();
      const expected = refAttention(await c.vals(q), prefix(kv, d), prefix(vv, dv), heads, tq, kvLength, d, dv, causal);
      const what = `fusedAttention ${JSON.stringify({ lead, tq, kvLength, rows, d, dv, causal })}`;
      await c.close(what, fusedAttention(q, k, v, { causal, kvLength }), [...lead, tq, dv], expected);
    }
  },

  'fused self-attention from a packed qkv: heads read and written in place, odd head widths, more than 64 positions': async (c) => {
    const cases: [number[], number, number, number, boolean][] = [
      // lead, T, heads, D, causal
      [[2], 5, 2, 4, true],
      [[3], 6, 3, 5, false],
      [[2, 2], 3, 1, 8, true],
      [[1], 70, 2, 8, true],
      [[2], 2, 2, 3, true],
    ];
    for (const [lead, t, heads, d, causal] of cases) {
      const batch = lead.reduce((a, b) => a * b, 1);
      const qkv = c.randn([...lead, t, 3 * heads * d]);
      const x = await c.vals(qkv);
      const width = heads * d;
      // part 0/1/2 (q/k/v) of head h of batch entry b, as (batch * heads, T, D) blocks
      const gather = (part: number) => {
        const out: number[] = [];
        for (let b = 0; b < batch; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < t; i++) {
          const at = (b * t + i) * 3 * width + part * width + h * d;
          out.push(...x.slice(at, at + d));
        }
        return out;
      };
      const blocks = refAttention(gather(0), gather(1), gather(2), batch * heads, t, t, d, d, causal);
      // head h's output at columns [h * d, (h + 1) * d) of each position
      const expected: number[] = [];
      for (let b = 0; b < batch; b++) for (let i = 0; i < t; i++) for (let h = 0; h < heads; h++) {
        const at = ((b * heads + h) * t + i) * d;
        expected.push(...blocks.slice(at, at + d));
      }
      const what = `fusedSelfAttention ${JSON.stringify({ lead, t, heads, d, causal })}`;
      await c.close(what, fusedSelfAttention(qkv, heads, { causal }), [...lead, t, width], expected);
    }
    await checkGrads(c, 'fused causal self-attention, 2 heads', (qkv) => sum(pow(fusedSelfAttention(qkv, 2, { causal: true }), 2)), [c.randn([2, 6, 30])]);
    await checkGrads(c, 'fused self-attention over 70 positions', (qkv) => sum(pow(fusedSelfAttention(qkv, 2), 2)), [c.randn([1, 70, 48], 0.5)]);
  },

  'assignSlice writes positions in place': async (c) => {
    const t = c.randn([2, 5, 3]);
    const before = await c.vals(t);
    const v = c.randn([2, 2, 3]);
    const vv = await c.vals(v);
    const same = t.assignSlice(1, 2, v);
    if (same !== t) throw new Error(`${c.backend}: assignSlice did not return the tensor itself`);
    const expected = before.slice();
    for (let o = 0; o < 2; o++) for (let i = 0; i < 6; i++) expected[o * 15 + 6 + i] = vv[o * 6 + i];
    await c.close('assignSlice along the middle axis', t, [2, 5, 3], expected);
    const w = c.randn([2, 5, 1]);
    const wv = await c.vals(w);
    t.assignSlice(-1, 2, w); // the last column
    for (let r = 0; r < 10; r++) expected[r * 3 + 2] = wv[r];
    await c.close('assignSlice along the last axis', t, [2, 5, 3], expected);
    await c.close('assignSlice leaves its values alone', v, [2, 2, 3], vv);
  },

  'gradients of fused attention': async (c) => {
    await checkGrads(c, 'fused causal attention', (q, k, v) => sum(pow(fusedAttention(q, k, v, { causal: true }), 2)), [
      c.randn([2, 2, 6, 5]),
      c.randn([2, 2, 6, 5]),
      c.randn([2, 2, 6, 3]),
    ]);
    await checkGrads(c, 'fused attention with a KV-cache offset', (q, k, v) => sum(pow(fusedAttention(q, k, v, { causal: true }), 2)), [
      c.randn([3, 2, 4]),
      c.randn([3, 5, 4]),
      c.randn([3, 5, 4]),
    ]);
    await checkGrads(c, 'fused attention over the first 4 of 7 rows', (q, k, v) => sum(pow(fusedAttention(q, k, v, { causal: true, kvLength: 4 }), 2)), [
      c.randn([2, 2, 3]),
      c.randn([2, 7, 3]),
      c.randn([2, 7, 4]),
    ]);
    await checkGrads(c, 'fused attention over 70 keys', (q, k, v) => sum(pow(fusedAttention(q, k, v, { causal: false }), 2)), [
      c.randn([1, 67, 8], 0.5),
      c.randn([1, 70, 8], 0.5),
      c.randn([1, 70, 9], 0.5),
    ]);
  },

  'fused AdamW update (odd size, decay on)': async (c) => {
    const shape = [3, 7];
    const [param, grad, m] = [c.randn(shape), c.randn(shape), c.randn(shape, 0.1)];
    const r = c.randn(shape, 0.1);
    const v = mul(r, r); // a second moment is never negative
    const h = { beta1: 0.9, beta2: 0.99, eps: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 3), invSqrtBias2: 1 / Math.sqrt(1 - 0.99 ** 3), keep: 1 - 1e-3 * 0.1 };
    const [pv, gv, mv, vv] = await Promise.all([param, grad, m, v].map((t) => c.vals(t)));
    const wantM = mv.map((x, i) => h.beta1 * x + (1 - h.beta1) * gv[i]);
    const wantV = vv.map((x, i) => h.beta2 * x + (1 - h.beta2) * gv[i] ** 2);
    const wantP = pv.map((x, i) => x * h.keep - (h.stepSize * wantM[i]) / (Math.sqrt(wantV[i]) * h.invSqrtBias2 + h.eps));
    const [nextP, nextM, nextV] = adamwUpdate(param, grad, m, v, h);
    await c.close('adamw m', nextM, shape, wantM);
    await c.close('adamw v', nextV, shape, wantV);
    await c.close('adamw param', nextP, shape, wantP);
    await c.close('adamw leaves its inputs alone', param, shape, pv);
  },

  'fused AdamW over a group of parameters (sizes above and below a thread share, decay on and off)': async (c) => {
    const h = { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 2), invSqrtBias2: 1 / Math.sqrt(1 - 0.999 ** 2) };
    const shapes = [[130, 140], [7], [3, 5], [300, 60], [1]];
    const members = shapes.map((shape, i) => {
      const r = c.randn(shape, 0.1);
      return { param: c.randn(shape), grad: c.randn(shape), m: c.randn(shape, 0.1), v: mul(r, r), keep: i % 2 ? 1 : 1 - 1e-3 * 0.1 };
    });
    const results = adamwUpdateGroup(members, h);
    for (const [i, x] of members.entries()) {
      const [pv, gv, mv, vv] = await Promise.all([x.param, x.grad, x.m, x.v].map((t) => c.vals(t)));
      const wantM = mv.map((y, j) => h.beta1 * y + (1 - h.beta1) * gv[j]);
      const wantV = vv.map((y, j) => h.beta2 * y + (1 - h.beta2) * gv[j] ** 2);
      const wantP = pv.map((y, j) => y * x.keep - (h.stepSize * wantM[j]) / (Math.sqrt(wantV[j]) * h.invSqrtBias2 + h.eps));
      const [nextP, nextM, nextV] = results[i];
      await c.close(`adamw group member ${i} m`, nextM, shapes[i], wantM);
      await c.close(`adamw group member ${i} v`, nextV, shapes[i], wantV);
      await c.close(`adamw group member ${i} param`, nextP, shapes[i], wantP);
      await c.close(`adamw group member ${i} left alone`, x.param, shapes[i], pv);
    }
  },
};
