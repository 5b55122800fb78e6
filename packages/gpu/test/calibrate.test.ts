// calibrateMinFlops: the threshold it sets follows from the times it measured
// (the first size where gpu.js was faster, else Infinity), the backend uses
// it, bad options are refused, and the selected backend is restored.
import { fromArray, getBackend, matmul, setBackend } from '@attn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateMinFlops, type GpuBackendHandle, registerGpuBackend } from '../src/index.js';

let handle: GpuBackendHandle;

beforeAll(() => {
  handle = registerGpuBackend({ mode: 'cpu' }); // gpu.js's plain-JS mode: deterministic on any machine
  setBackend('cpu');
});

afterAll(() => {
  handle.dispose();
  setBackend('cpu');
});

describe('calibrateMinFlops', () => {
  it('sets the threshold the measurements call for and keeps the selected backend', () => {
    const result = calibrateMinFlops(handle, { sizes: [8, 16, 32], repeats: 1 });
    expect(result.sizes).toEqual([8, 16, 32]);
    for (const ms of [...result.cpuMs, ...result.gpuMs]) expect(ms).toBeGreaterThanOrEqual(0);
    const firstWin = result.sizes.findIndex((_, i) => result.gpuMs[i] < result.cpuMs[i]);
    expect(result.minFlops).toBe(firstWin < 0 ? Number.POSITIVE_INFINITY : 2 * result.sizes[firstWin] ** 3);
    expect(handle.backendInfo().minFlops).toBe(result.minFlops);
    expect(getBackend().name).toBe('cpu');
  });

  it('the backend dispatches by the threshold it was given', () => {
    setBackend('gpu');
    try {
      handle.setMinFlops(2 * 16 ** 3);
      const before = handle.backendInfo();
      const square = (n: number) => fromArray(new Float32Array(n * n).fill(1), [n, n]);
      const small = matmul(square(8), square(8)).dataSync(); // 2 * 8^3 FLOPs: below, stays on the CPU
      const large = matmul(square(16), square(16)).dataSync(); // at the threshold: gpu.js
      const after = handle.backendInfo();
      expect(small[0]).toBe(8);
      expect(large[0]).toBe(16);
      expect(after.cpuCalls - before.cpuCalls).toBe(1);
      expect(after.gpuCalls - before.gpuCalls).toBe(1);
    } finally {
      setBackend('cpu');
    }
  });

  it('refuses bad options and bad thresholds', () => {
    expect(() => calibrateMinFlops(handle, { sizes: [64, 32] })).toThrow('calibrateMinFlops: sizes must be ascending positive integers');
    expect(() => calibrateMinFlops(handle, { repeats: 0 })).toThrow('calibrateMinFlops: repeats must be a positive integer');
    expect(() => handle.setMinFlops(-1)).toThrow('setMinFlops: expected a number >= 0');
  });
});
