// The 'wasm' backend inside @attn/tensor: randomized matmuls (forward and the
// transposed forms backward uses) against the reference CPU backend, within
// float32 rounding, plus registration, priority and dtype fallback.
import {
  type Tensor,
  fromArray,
  getBackend,
  listBackends,
  matmul,
  setBackend,
} from '@attn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels, planMatmul, referenceMatmul, registerWasmBackend, type WasmBackendHandle } from '../src/index.js';
import { float32Bound, randomArray } from './helpers.js';

let handle: WasmBackendHandle;

beforeAll(async () => {
  // minParallelFlops 0: every product, however small, is split across both threads
  const h = await registerWasmBackend({ threads: 2, minParallelFlops: 0 });
  if (!h) throw new Error('this Node has no WebAssembly SIMD');
  handle = h;
});

afterAll(() => {
  handle?.dispose();
  setBackend('cpu');
});

type Case = { a: number[]; b: number[]; transA?: boolean; transB?: boolean };

/** |x - y| allowed between two float32 results of the same product: both may be off by the bound. */
function allowedErrors(a: Float32Array, b: Float32Array, c: Case): Float64Array {
  const plan = planMatmul(c.a, c.b, c);
  const magnitude = new Float32Array(plan.calls.length * plan.calls[0].M * plan.calls[0].N);
  const absA = a.map(Math.abs);
  const absB = b.map(Math.abs);
  for (const call of plan.calls) referenceMatmul(absA, absB, magnitude, call);
  const bound = float32Bound(plan.calls[0].K);
  return Float64Array.from(magnitude, (m) => 2 * bound * m + 1e-30);
}

function run(backend: string, a: Float32Array, b: Float32Array, c: Case): { out: Tensor; backendName: string } {
  setBackend(backend);
  const ta = fromArray(a, c.a);
  const tb = fromArray(b, c.b);
  const out = matmul(ta, tb, { transA: c.transA, transB: c.transB });
  return { out, backendName: out.storage.backend.name };
}

const cases: Case[] = [
  { a: [1, 9], b: [9, 17] },
  { a: [17, 1], b: [1, 3] },
  { a: [5, 7], b: [7, 3] },
  { a: [31, 45], b: [45, 29] },
  { a: [45, 31], b: [45, 29], transA: true },
  { a: [31, 45], b: [29, 45], transB: true },
  { a: [45, 31], b: [29, 45], transA: true, transB: true },
  { a: [2, 3, 9, 11], b: [11, 5] },
  { a: [4, 1, 8, 6], b: [3, 6, 7] },
  { a: [3, 4, 16, 8], b: [3, 4, 16, 8], transB: true },
  { a: [130, 300], b: [300, 70] },
];

describe("backend 'wasm'", () => {
  it('is registered above cpu and becomes the default', () => {
    expect(listBackends()[0]).toBe('wasm');
    expect(listBackends()).toContain('cpu');
    setBackend('wasm');
    expect(getBackend().name).toBe('wasm');
    expect(handle.threads).toBe(2);
  });

  it.each(cases.map((c, i) => [i, c] as const))('matmul case %i matches the CPU backend: %j', (i, c) => {
    const a = randomArray(c.a.reduce((p, d) => p * d, 1), 50 + i);
    const b = randomArray(c.b.reduce((p, d) => p * d, 1), 90 + i);
    const cpu = run('cpu', a, b, c);
    const wasm = run('wasm', a, b, c);
    expect(cpu.backendName).toBe('cpu');
    expect(wasm.backendName).toBe('wasm');
    expect(wasm.out.shape).toEqual(cpu.out.shape);
    const x = wasm.out.dataSync();
    const y = cpu.out.dataSync();
    const allowed = allowedErrors(a, b, c);
    let worst = 0;
    for (let j = 0; j < x.length; j++) worst = Math.max(worst, Math.abs(x[j] - y[j]) / allowed[j]);
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('randomized sweep of shapes, transposes and broadcast batches', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return 1 + (seed % n);
    };
    for (let trial = 0; trial < 30; trial++) {
      const [m, n, k] = [next(40), next(40), next(120)];
      const transA = next(2) === 1;
      const transB = next(2) === 1;
      const batchA = next(3) === 1 ? [] : [next(3)];
      const batchB = batchA.length && next(2) === 1 ? [1] : batchA;
      const c: Case = {
        a: [...batchA, ...(transA ? [k, m] : [m, k])],
        b: [...batchB, ...(transB ? [n, k] : [k, n])],
        transA,
        transB,
      };
      const a = randomArray(c.a.reduce((p, d) => p * d, 1), trial);
      const b = randomArray(c.b.reduce((p, d) => p * d, 1), trial + 1000);
      const x = run('wasm', a, b, c).out.dataSync();
      const y = run('cpu', a, b, c).out.dataSync();
      const allowed = allowedErrors(a, b, c);
      for (let j = 0; j < x.length; j++) {
        if (Math.abs(x[j] - y[j]) > allowed[j]) throw new Error(`${JSON.stringify(c)}: element ${j}: ${x[j]} vs ${y[j]}`);
      }
    }
  });

  it('gives the same gradients as the CPU backend (backward uses the transposed forms)', () => {
    const xs = randomArray(6 * 10 * 12, 3);
    const ws = randomArray(12 * 8, 4);
    const grads = (backend: string) => {
      setBackend(backend);
      const x = fromArray(xs, [6, 10, 12], { requiresGrad: true });
      const w = fromArray(ws, [12, 8], { requiresGrad: true });
      const y = matmul(x, w); // (6, 10, 8)
      y.mul(y).sum().backward();
      return { x: Array.from(x.grad!.dataSync()), w: Array.from(w.grad!.dataSync()) };
    };
    const cpu = grads('cpu');
    const wasm = grads('wasm');
    // gradients are sums of ~100 products of O(1) values: allow a few float32 ulps of their scale
    for (const key of ['x', 'w'] as const) {
      const scale = Math.max(...cpu[key].map(Math.abs));
      for (let j = 0; j < cpu[key].length; j++) expect(Math.abs(wasm[key][j] - cpu[key][j])).toBeLessThan(scale * 1e-5);
    }
  });

  it('leaves float64 tensors to the CPU backend', () => {
    setBackend('wasm');
    const a = fromArray([1, 2, 3, 4], [2, 2], { dtype: 'float64' });
    const b = fromArray([5, 6, 7, 8], [2, 2], { dtype: 'float64' });
    const c = matmul(a, b);
    expect(c.dtype).toBe('float64');
    expect(c.storage.backend.name).toBe('cpu');
    expect(Array.from(c.dataSync())).toEqual([19, 22, 43, 50]);
  });

  it('reports shape errors from the op, naming the shapes', () => {
    setBackend('wasm');
    expect(() => matmul(fromArray(new Float32Array(6), [2, 3]), fromArray(new Float32Array(20), [4, 5]))).toThrow(
      /matmul: inner dimensions differ: \[2,3\]/,
    );
  });

  it('refuses to register twice and unregisters on dispose', async () => {
    await expect(registerWasmBackend({ threads: 1 })).rejects.toThrow(/already registered/);
    const second = await (async () => {
      handle.dispose();
      expect(listBackends()).not.toContain('wasm');
      return registerWasmBackend({ threads: 1 });
    })();
    expect(second?.threads).toBe(1);
    expect(listBackends()[0]).toBe('wasm');
    handle = second!;
  });
});

describe('memoryBandwidth', () => {
  it('streams a buffer on every thread and reports a rate; refuses a buffer too small to time', async () => {
    const kernels = await createWasmKernels({ threads: 2 });
    try {
      const jobs = kernels.parallelStats.jobs;
      // 3 MiB of ones, summed by each thread's share: the method checks the sums add up
      const rate = kernels.memoryBandwidth(2, 3 * 2 ** 20, 2);
      expect(rate).toBeGreaterThan(0);
      expect(Number.isFinite(rate)).toBe(true);
      expect(kernels.parallelStats.jobs).toBe(jobs + 2);
      expect(kernels.memoryBandwidth(1, 1 << 16, 1)).toBeGreaterThan(0);
      expect(() => kernels.memoryBandwidth(1, 100)).toThrow('memoryBandwidth: bytes must be at least 256, got 100');
    } finally {
      kernels.dispose();
    }
  });
});
