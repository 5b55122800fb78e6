// @attn/tensor's shared backend conformance suite, run against 'wasm' (two
// threads, every matmul split across them). float64 cases exercise the
// fallback: the wasm backend leaves float64 to the CPU backend.
import { setBackend } from '@attn/tensor';
import { runBackendSuite } from '@attn/tensor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmBackend, type WasmBackendHandle } from '../src/index.js';

let handle: WasmBackendHandle | null = null;

beforeAll(async () => {
  handle = await registerWasmBackend({ threads: 2, minParallelFlops: 0 });
  if (!handle) throw new Error('this Node has no WebAssembly SIMD');
});

afterAll(() => {
  handle?.dispose();
  setBackend('cpu');
});

runBackendSuite({ describe, it, expect }, 'wasm', { dtypes: ['float32', 'float64'] });
