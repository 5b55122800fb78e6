// Feature fallbacks, simulated in Node: without WebAssembly SIMD the backend is
// not registered (the TypeScript 'cpu' backend stays in charge); without
// SharedArrayBuffer the kernels run on one thread with a private memory.
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  vi.resetModules();
});

/** A fresh copy of the package, so its cached feature detection runs again under the stubs. */
const freshPackage = async () => {
  vi.resetModules();
  return { ...(await import('../src/index.js')), tensor: await import('@attn/tensor') };
};

describe('fallbacks', () => {
  it('without WebAssembly SIMD: detectFeatures says so, no backend is registered, kernels refuse clearly', async () => {
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    const m = await freshPackage();
    expect(m.detectFeatures()).toEqual({ simd: false, threads: false, relaxedSimd: false });
    expect(await m.registerWasmBackend()).toBeNull();
    expect(m.tensor.listBackends()).toEqual(['cpu']);
    expect(m.tensor.getBackend().name).toBe('cpu');
    await expect(m.createWasmKernels()).rejects.toThrow('@attn/wasm: this JavaScript engine has no WebAssembly SIMD');
  });

  it('without SharedArrayBuffer: one thread on a private memory, same results', async () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    const m = await freshPackage();
    // Node 20 has relaxed SIMD behind a flag that detectFeatures sets; later Nodes have it on
    expect(m.detectFeatures()).toEqual({ simd: true, threads: false, relaxedSimd: true });
    const kernels = await m.createWasmKernels({ threads: 2, minParallelFlops: 0 });
    expect(kernels.threads).toBe(1);
    expect(kernels.memory.buffer).toBeInstanceOf(ArrayBuffer);
    const r = kernels.matmul(Float32Array.of(1, 2, 3, 4), [2, 2], Float32Array.of(5, 6, 7, 8), [2, 2]);
    expect(Array.from(r.data)).toEqual([19, 22, 43, 50]);
  });
});
