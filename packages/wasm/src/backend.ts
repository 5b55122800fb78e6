// @attn/tensor backend 'wasm': MatMul (SIMD, 1 or 2 threads) and the tanh GELU
// and its gradient (SIMD) run in WebAssembly; every other kernel, and the other
// Unary / UnaryGrad ops, run on the CPU backend, which the
// engine makes free here because both backends store a tensor as a plain
// Float32Array (a handle is the array itself: moving data between them copies
// nothing). float64 tensors stay on the CPU backend (supportsDType).
import {
  type Backend,
  type FloatArray,
  type KernelInput,
  type MatMulAttrs,
  cpuBackend,
  listBackends,
  registerBackend,
  removeBackend,
} from '@attn/tensor';
import { createWasmKernels, type WasmKernels, type WasmKernelsOptions } from './engine.js';
import { detectFeatures } from './features.js';
import type { MatrixCall } from './plan.js';

/** Priority of 'wasm' in the registry: above 'cpu' (1), so it is the default once registered. */
export const WASM_PRIORITY = 10;

/** The MatMul contract's attrs as the kernels' call list (see MatMulAttrs in @attn/tensor). */
export function callsFromAttrs(attrs: MatMulAttrs): MatrixCall[] {
  const { m, n, k, batch, aOffsets, bOffsets, aRowStride, aColStride, bRowStride, bColStride } = attrs;
  const calls: MatrixCall[] = [];
  for (let p = 0; p < batch; p++) {
    calls.push({
      aOffset: aOffsets[p],
      bOffset: bOffsets[p],
      cOffset: p * m * n,
      M: m,
      N: n,
      K: k,
      rsa: aRowStride,
      csa: aColStride,
      rsb: bRowStride,
      csb: bColStride,
      ldc: n,
    });
  }
  return calls;
}

/** A Backend object whose MatMul runs on `kernels`. */
export function createWasmBackend(kernels: WasmKernels, name = 'wasm'): Backend {
  const values = (t: KernelInput) => t.handle as Float32Array;
  return {
    name,
    supportsDType: (dtype) => dtype === 'float32',
    write: (array: FloatArray) => (array instanceof Float32Array ? array : Float32Array.from(array)),
    readSync: (handle) => handle as Float32Array,
    read: async (handle) => handle as Float32Array,
    disposeData: () => {
      // Garbage collected, like the CPU backend: operands live in wasm memory only during a kernel.
    },
    kernels: {
      MatMul: ([a, b], attrs) => {
        const { m, n, k, batch } = attrs;
        return kernels.runCalls(values(a), values(b), callsFromAttrs(attrs), batch * m * n, 2 * batch * m * n * k);
      },
      // GELU costs ~45 ns per element in TypeScript (Math.tanh) and ~1 ns here;
      // profiling a GPT training step put it second only to matmul.
      Unary: (inputs, attrs, outShape) =>
        attrs.op === 'geluTanh' ? kernels.geluTanh(values(inputs[0])) : cpuBackend.kernels.Unary!(inputs, attrs, outShape),
      UnaryGrad: (inputs, attrs, outShape) =>
        attrs.op === 'geluTanh'
          ? kernels.geluTanhGrad(values(inputs[0]), values(inputs[1]))
          : cpuBackend.kernels.UnaryGrad!(inputs, attrs, outShape),
    },
  };
}

/** What registerWasmBackend returns. */
export interface WasmBackendHandle {
  /** The registered backend. */
  backend: Backend;
  /** The kernels behind it (for direct use or inspection). */
  kernels: WasmKernels;
  /** Threads the MatMul kernel computes on. */
  threads: number;
  /** Unregisters the backend and stops its workers. */
  dispose(): void;
}

/**
 * Creates the kernels and registers them with @attn/tensor as backend 'wasm'
 * with priority above 'cpu', so new tensors and matmuls use it unless
 * setBackend() chose another. Resolves to null, leaving the TypeScript 'cpu'
 * backend in charge, when the engine has no WebAssembly SIMD.
 */
export async function registerWasmBackend(options: WasmKernelsOptions = {}): Promise<WasmBackendHandle | null> {
  if (!detectFeatures().simd) return null;
  if (listBackends().includes('wasm')) {
    throw new Error("registerWasmBackend: a backend named 'wasm' is already registered; dispose() it first");
  }
  const kernels = await createWasmKernels(options);
  const backend = createWasmBackend(kernels);
  registerBackend(backend, { priority: WASM_PRIORITY });
  return {
    backend,
    kernels,
    threads: kernels.threads,
    dispose() {
      removeBackend(backend.name);
      kernels.dispose();
    },
  };
}
