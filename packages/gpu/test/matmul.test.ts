// gpu.js MatMul against the CPU backend over a sweep of shapes: 1xN, odd
// sizes, non-square, batched (with a broadcast batch dim), and the transposed
// forms backward uses. Random inputs; relative error 1e-4 of max(1, |ref|).
import { type MatMulAttrs, matmul, randn, Rng, setBackend } from '@attn/tensor';
import { GPU } from 'gpu.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GpuBackendHandle, MatMulKernels, registerGpuBackend } from '../src/index.js';

let handle: GpuBackendHandle;

beforeAll(() => {
  handle = registerGpuBackend({ minFlops: 0 });
});

afterAll(() => {
  handle.dispose();
  setBackend('cpu');
});

function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return worst;
}

/** matmul on 'gpu' and on 'cpu' with the same inputs. */
function both(aShape: number[], bShape: number[], opts: { transA?: boolean; transB?: boolean }, seed: number) {
  const rng = new Rng(seed);
  setBackend('cpu');
  const aCpu = randn(aShape, { rng });
  const bCpu = randn(bShape, { rng });
  const want = matmul(aCpu, bCpu, opts);
  setBackend('gpu');
  // The engine moves the operands onto 'gpu' for this kernel.
  const got = matmul(aCpu, bCpu, opts);
  setBackend('cpu');
  return { got, want };
}

describe('MatMul on gpu.js matches the CPU backend', () => {
  it('reports the mode gpu.js chose (webasm in Node without GL)', () => {
    const info = handle.backendInfo();
    expect(['webasm', 'cpu', 'headlessgl']).toContain(info.mode);
    expect(info.fallbackReason).toBeNull();
  });

  it('keeps handles as host arrays in Node (no textures in webasm mode; only MatMul on gpu.js)', () => {
    const info = handle.backendInfo();
    expect(info).toMatchObject({ mode: 'webasm', resident: false, deviceKernels: [], liveTextures: 0, uploads: 0 });
    expect(Object.keys(handle.backend.kernels)).toEqual(['MatMul']);
  });

  const cases: Array<[string, number[], number[], { transA?: boolean; transB?: boolean }]> = [
    ['1xN row vector', [1, 37], [37, 29], {}],
    ['Nx1 column output', [13, 21], [21, 1], {}],
    ['odd square', [17, 17], [17, 17], {}],
    ['non-square', [5, 63], [63, 11], {}],
    ['long inner dim (k > 1000)', [3, 1031], [1031, 4], {}],
    ['transA', [19, 7], [19, 9], { transA: true }],
    ['transB', [7, 19], [9, 19], { transB: true }],
    ['transA and transB', [19, 7], [9, 19], { transA: true, transB: true }],
    ['batched (2, 3, T, T)', [2, 3, 9, 5], [2, 3, 5, 9], {}],
    ['batched with broadcast b', [4, 6, 7], [7, 3], {}],
    ['batched broadcast batch dims, transB', [2, 1, 5, 8], [1, 3, 6, 8], { transB: true }],
  ];
  cases.forEach(([name, aShape, bShape, opts], i) => {
    it(name, () => {
      const calls = handle.backendInfo().gpuCalls;
      const { got, want } = both(aShape, bShape, opts, 100 + i);
      expect(got.shape).toEqual(want.shape);
      expect(maxRelErr(got.dataSync(), want.dataSync())).toBeLessThan(1e-4);
      expect(handle.backendInfo().gpuCalls).toBe(calls + 1);
    });
  });

  it('compiles one kernel per shape and reuses it', () => {
    const kernels = new MatMulKernels(new GPU({ mode: 'cpu' }));
    const attrs: MatMulAttrs = {
      m: 2, n: 2, k: 2, transA: false, transB: false, aRowStride: 2, aColStride: 1, bRowStride: 2, bColStride: 1,
      batch: 1, batchShape: [], aOffsets: Int32Array.of(0), bOffsets: Int32Array.of(0),
    };
    const a = Float32Array.of(1, 2, 3, 4);
    const b = Float32Array.of(5, 6, 7, 8);
    expect(Array.from(kernels.run(a, b, attrs))).toEqual([19, 22, 43, 50]); // by hand
    expect(Array.from(kernels.run(b, a, attrs))).toEqual([23, 34, 31, 46]);
    expect(kernels.compiled).toBe(1);
    kernels.dispose();
    expect(kernels.compiled).toBe(0);
  });

  it('keeps at most maxKernels compiled kernels (least recently used goes first)', () => {
    const kernels = new MatMulKernels(new GPU({ mode: 'cpu' }), 2);
    // (1 x k) @ (k x 1) of ones = k, by hand; each k is a new shape.
    const dot = (k: number) => {
      const attrs: MatMulAttrs = {
        m: 1, n: 1, k, transA: false, transB: false, aRowStride: k, aColStride: 1, bRowStride: 1, bColStride: 1,
        batch: 1, batchShape: [], aOffsets: Int32Array.of(0), bOffsets: Int32Array.of(0),
      };
      return kernels.run(new Float32Array(k).fill(1), new Float32Array(k).fill(1), attrs)[0];
    };
    for (let k = 1; k <= 10; k++) expect(dot(k)).toBe(k);
    expect(kernels.compiled).toBe(2);
    expect(dot(3)).toBe(3);
    expect(() => new MatMulKernels(new GPU({ mode: 'cpu' }), 0)).toThrow('MatMulKernels: maxKernels must be an integer >= 1');
    kernels.dispose();
  });
});

describe('dispatch', () => {
  it('sends products below minFlops to the CPU backend', () => {
    const small = registerGpuBackend({ name: 'gpu-small', minFlops: 2 * 8 * 8 * 8 + 1 });
    try {
      setBackend('gpu-small');
      const a = randn([8, 8], { rng: new Rng(1) });
      const c = matmul(a, a);
      expect(c.shape).toEqual([8, 8]);
      expect(small.backendInfo()).toMatchObject({ cpuCalls: 1, gpuCalls: 0 });
      matmul(randn([9, 8], { rng: new Rng(2) }), a);
      expect(small.backendInfo()).toMatchObject({ cpuCalls: 1, gpuCalls: 1 });
    } finally {
      setBackend('cpu');
      small.dispose();
    }
  });

  it('refuses a bad minFlops and a duplicate name', () => {
    expect(() => registerGpuBackend({ name: 'x', minFlops: -1 })).toThrow('registerGpuBackend: minFlops must be a number >= 0');
    expect(() => registerGpuBackend({ name: 'x', mode: 'webgl3' as never })).toThrow(
      'registerGpuBackend: mode must be one of gpu, webgpu, webgl2, webgl, headlessgl, webasm, cpu; got "webgl3"',
    );
    expect(() => registerGpuBackend()).toThrow("a backend named 'gpu' is already registered");
  });

  it('falls back to gpu.js cpu mode, with a reason, when the requested mode is unavailable', () => {
    const h = registerGpuBackend({ name: 'gpu-gl', mode: 'webgl2' });
    try {
      const info = h.backendInfo();
      expect(info.mode).toBe('cpu');
      expect(info.fallbackReason).toMatch(/webgl2/);
    } finally {
      h.dispose();
    }
  });
});

describe('default threshold', () => {
  it('keeps every product on the CPU in modes the bench measured slower than the CPU backend', () => {
    const h = registerGpuBackend({ name: 'gpu-default' });
    try {
      expect(h.backendInfo().minFlops).toBe(Number.POSITIVE_INFINITY); // webasm in Node
      setBackend('gpu-default');
      matmul(randn([64, 64], { rng: new Rng(3) }), randn([64, 64], { rng: new Rng(4) }));
      expect(h.backendInfo()).toMatchObject({ gpuCalls: 0, cpuCalls: 1 });
    } finally {
      setBackend('cpu');
      h.dispose();
    }
  });
});
