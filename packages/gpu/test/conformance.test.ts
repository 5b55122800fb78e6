// @attn/tensor's shared backend conformance suite, run against 'gpu' with
// minFlops 0 so every matmul goes through gpu.js (webasm mode in Node). float64
// cases exercise the fallback: the gpu backend leaves float64 to the CPU backend.
import { setBackend } from '@attn/tensor';
import { runBackendSuite } from '@attn/tensor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GpuBackendHandle, registerGpuBackend } from '../src/index.js';

let handle: GpuBackendHandle | null = null;

beforeAll(() => {
  handle = registerGpuBackend({ minFlops: 0 });
});

afterAll(() => {
  expect(handle?.backendInfo().gpuCalls).toBeGreaterThan(0);
  handle?.dispose();
  setBackend('cpu');
});

runBackendSuite({ describe, it, expect }, 'gpu', { dtypes: ['float32', 'float64'] });
