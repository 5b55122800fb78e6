// gpu.js kernels for the MatMul contract (see MatMulAttrs in @attn/tensor),
// compiled once per shape and kept in a cache.
//
// One kernel thread computes one output element. The output is 3-D,
// [n, m, batch] in gpu.js order (x = column j, y = row i, z = batch p), so no
// thread has to split a flat index (a division per element: measured 1.7x
// slower in webasm mode). Strides are compile-time constants, so the same code
// serves the plain and the transposed forms; per-batch offsets are an input
// array (broadcast batch dims just repeat an offset).
import type { GPU, IGPUKernelSettings, IKernelRunShortcut } from 'gpu.js';
import type { MatMulAttrs } from '@attn/tensor';

/** Constants baked into one compiled kernel. */
interface MatMulConstants {
  [key: string]: number;
  M: number;
  N: number;
  K: number;
  ars: number;
  acs: number;
  brs: number;
  bcs: number;
}

// gpu.js parses this function's source and translates it to GLSL / JS, so it
// must stay plain ES5-style code using only `this.thread` and `this.constants`.
function matmulElement(
  this: { thread: { x: number; y: number; z: number }; constants: MatMulConstants },
  a: number[],
  b: number[],
  aOff: number[],
  bOff: number[],
): number {
  const aBase = aOff[this.thread.z] + this.thread.y * this.constants.ars;
  const bBase = bOff[this.thread.z] + this.thread.x * this.constants.bcs;
  let s = 0;
  for (let l = 0; l < this.constants.K; l++) {
    s += a[aBase + l * this.constants.acs] * b[bBase + l * this.constants.brs];
  }
  return s;
}

/** Copies gpu.js's nested output (batch of rows of Float32Array) into one row-major array. */
function flatten(result: unknown, size: number): Float32Array {
  if (result instanceof Float32Array) return result;
  const out = new Float32Array(size);
  let offset = 0;
  const visit = (x: unknown): void => {
    if (x instanceof Float32Array || !Array.isArray(x)) {
      const row = x as ArrayLike<number>;
      out.set(row, offset);
      offset += row.length;
    } else {
      for (const inner of x) visit(inner);
    }
  };
  visit(result);
  if (offset !== size) throw new Error(`MatMul (gpu.js): kernel returned ${offset} values, expected ${size}`);
  return out;
}

/**
 * Compiles (once) and runs MatMul kernels on one gpu.js instance. The cache is
 * least-recently-used and bounded: sampling with a growing context length
 * meets a new shape every token, and each compiled kernel holds a program
 * (and, on WebGL, textures) until destroyed.
 */
export class MatMulKernels {
  private readonly cache = new Map<string, IKernelRunShortcut>();

  /** @param maxKernels most compiled kernels kept; the least recently used is destroyed beyond that. */
  constructor(
    private readonly gpu: GPU,
    private readonly maxKernels = 64,
  ) {
    if (!(Number.isInteger(maxKernels) && maxKernels >= 1)) {
      throw new Error(`MatMulKernels: maxKernels must be an integer >= 1, got ${maxKernels}`);
    }
  }

  /** Number of distinct compiled kernels (one per shape/stride/input-size combination). */
  get compiled(): number {
    return this.cache.size;
  }

  /** c = op(A) @ op(B) for every batch entry, per the MatMul contract; returns (batch * m * n). */
  run(a: Float32Array, b: Float32Array, attrs: MatMulAttrs): Float32Array {
    const { m, n, k, batch, aRowStride, aColStride, bRowStride, bColStride } = attrs;
    const key = [m, n, k, batch, aRowStride, aColStride, bRowStride, bColStride, a.length, b.length].join(',');
    let kernel = this.cache.get(key);
    if (kernel) {
      // Re-insert so Map order stays least- to most-recently used.
      this.cache.delete(key);
      this.cache.set(key, kernel);
    } else {
      const constants: MatMulConstants = { M: m, N: n, K: k, ars: aRowStride, acs: aColStride, brs: bRowStride, bcs: bColStride };
      // loopMaxIterations is a real gpu.js setting missing from its typings.
      const settings: IGPUKernelSettings & { loopMaxIterations: number } = {
        output: [n, m, batch],
        constants,
        precision: 'single',
        // Loops bounded by a constant are unrolled-safe; this only matters if gpu.js
        // treats the bound as dynamic (its default cap of 1000 would truncate k).
        loopMaxIterations: Math.max(1000, k + 1),
        tactic: 'precision',
      };
      kernel = this.gpu.createKernel(matmulElement as never, settings);
      this.cache.set(key, kernel);
      if (this.cache.size > this.maxKernels) {
        const [oldestKey, oldest] = this.cache.entries().next().value as [string, IKernelRunShortcut];
        oldest.destroy?.();
        this.cache.delete(oldestKey);
      }
    }
    const out = kernel(a, b, Float32Array.from(attrs.aOffsets), Float32Array.from(attrs.bOffsets)) as unknown;
    return flatten(out, batch * m * n);
  }

  /** Frees every compiled kernel (and its textures/buffers). */
  dispose(): void {
    for (const kernel of this.cache.values()) kernel.destroy?.();
    this.cache.clear();
  }
}
