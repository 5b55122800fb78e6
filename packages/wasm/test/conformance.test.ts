// @attn/tensor's shared backend conformance suite, run against both builds of
// the kernels (relaxed SIMD's fused multiply-add, and plain SIMD), each on two
// threads with every matmul and memory-bound kernel split across them. float64
// cases exercise the fallback: the wasm backend leaves float64 to the CPU backend.
import { registerBackend, removeBackend, setBackend } from '@attn/tensor';
import { runBackendSuite } from '@attn/tensor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, createWasmKernels, type WasmKernels } from '../src/index.js';

const builds = [
  { name: 'wasm-relaxed', relaxedSimd: true },
  { name: 'wasm-plain', relaxedSimd: false },
];
const kernels: WasmKernels[] = [];

beforeAll(async () => {
  for (const build of builds) {
    const k = await createWasmKernels({ threads: 2, minParallelFlops: 0, minParallelElements: 0, relaxedSimd: build.relaxedSimd });
    kernels.push(k);
    registerBackend(createWasmBackend(k, build.name), { priority: 0 });
  }
});

afterAll(() => {
  for (const build of builds) removeBackend(build.name);
  for (const k of kernels) k.dispose();
  setBackend('cpu');
});

describe('the builds under test', () => {
  it('are the requested ones, on two threads', () => {
    expect(kernels.map((k) => [k.relaxedSimd, k.threads])).toEqual([
      [true, 2],
      [false, 2],
    ]);
  });
});

for (const build of builds) runBackendSuite({ describe, it, expect }, build.name, { dtypes: ['float32', 'float64'] });
