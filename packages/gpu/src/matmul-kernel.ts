// gpu.js kernels for the MatMul contract (see MatMulAttrs in @attn/tensor),
// compiled once per shape and kept in a KernelCache.
//
// One kernel thread computes one output element. Strides are compile-time
// constants, so the same code serves the plain and the transposed forms;
// per-batch offsets are an input array (broadcast batch dims just repeat an
// offset). Two layouts of the output:
// - array modes (webasm, cpu): 3-D, [n, m, batch] in gpu.js order (x = column
//   j, y = row i, z = batch p), so no thread splits a flat index (a division
//   per element: measured 1.7x slower in webasm mode);
// - resident modes (GL): 1-D, one texel per element in row-major order, the
//   layout every resident kernel here reads and writes, so any kernel can take
//   any other's output texture. A thread finds (p, i, j) from its flat index
//   with two float divisions (cheap next to the k-long loop on a GPU).
import type { GPU, IGPUKernelSettings, IKernelRunShortcut, Texture } from 'gpu.js';
import type { MatMulAttrs } from '@attn/tensor';
import { flatten } from './flatten.js';
import { type CachedKernel, KernelCache } from './kernel-cache.js';

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

/** What a kernel reads: host values, or a texture made by a resident kernel on the same GPU. */
export type KernelArg = Float32Array | Texture;

// gpu.js parses these functions' source and translates it to GLSL / JS, so they
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

// Flat output. floor((x + 0.5) / d) is exact for integers x < 2^22: the true
// quotient is at least 0.5 / d away from the next integer, far more than the
// float32 rounding of the division.
function matmulFlat(
  this: { thread: { x: number }; constants: MatMulConstants },
  a: number[],
  b: number[],
  aOff: number[],
  bOff: number[],
): number {
  const mn = this.constants.M * this.constants.N;
  const p = Math.floor((this.thread.x + 0.5) / mn);
  const r = this.thread.x - p * mn;
  const i = Math.floor((r + 0.5) / this.constants.N);
  const j = r - i * this.constants.N;
  const aBase = aOff[p] + i * this.constants.ars;
  const bBase = bOff[p] + j * this.constants.bcs;
  let s = 0;
  for (let l = 0; l < this.constants.K; l++) {
    s += a[aBase + l * this.constants.acs] * b[bBase + l * this.constants.brs];
  }
  return s;
}

/** Largest element count the flat (resident) kernels index exactly (see matmulFlat). */
export const MAX_FLAT_SIZE = 2 ** 22;

/**
 * Compiles (once) and runs MatMul kernels on one gpu.js instance. The cache is
 * least-recently-used and bounded: sampling with a growing context length
 * meets a new shape every token, and each compiled kernel holds a program
 * (and, on WebGL, textures) until destroyed.
 */
export class MatMulKernels {
  readonly cache: KernelCache;

  /**
   * @param resident true in GL modes: outputs stay on the device as textures (gpu.js pipeline mode).
   * @param maxKernels most compiled kernels kept; the least recently used is destroyed beyond that.
   */
  constructor(
    private readonly gpu: GPU,
    maxKernels = 64,
    readonly resident = false,
  ) {
    if (!(Number.isInteger(maxKernels) && maxKernels >= 1)) {
      throw new Error(`MatMulKernels: maxKernels must be an integer >= 1, got ${maxKernels}`);
    }
    this.cache = new KernelCache('MatMulKernels', maxKernels);
  }

  /** Number of distinct compiled kernels (one per shape/stride/input-size combination). */
  get compiled(): number {
    return this.cache.size;
  }

  /** c = op(A) @ op(B) for every batch entry, per the MatMul contract, in an array mode; returns (batch * m * n). */
  run(a: Float32Array, b: Float32Array, attrs: MatMulAttrs): Float32Array {
    if (this.resident) throw new Error('MatMulKernels.run: this instance is resident (GL); use launch() and read the texture');
    const { output } = this.launch(a, b, a.length, b.length, attrs);
    return flatten(output, attrs.batch * attrs.m * attrs.n, 'MatMul');
  }

  /**
   * Runs the product on inputs of `aSize` / `bSize` values. Returns gpu.js's output (a texture when
   * resident, else arrays) and the cache entry of the kernel that made it.
   */
  launch(a: KernelArg, b: KernelArg, aSize: number, bSize: number, attrs: MatMulAttrs): { output: unknown; entry: CachedKernel } {
    const { m, n, k, batch, aRowStride, aColStride, bRowStride, bColStride } = attrs;
    if (this.resident && batch * m * n > MAX_FLAT_SIZE) {
      throw new Error(`MatMul (gpu.js): output of ${batch * m * n} values exceeds the ${MAX_FLAT_SIZE} a resident kernel indexes exactly`);
    }
    const key = [m, n, k, batch, aRowStride, aColStride, bRowStride, bColStride, aSize, bSize].join(',');
    const entry = this.cache.get(key, () => {
      const constants: MatMulConstants = { M: m, N: n, K: k, ars: aRowStride, acs: aColStride, brs: bRowStride, bcs: bColStride };
      // loopMaxIterations is a real gpu.js setting missing from its typings.
      const settings: IGPUKernelSettings & { loopMaxIterations: number; immutable?: boolean } = {
        output: this.resident ? [batch * m * n] : [n, m, batch],
        constants,
        precision: 'single',
        // Loops bounded by a constant are unrolled-safe; this only matters if gpu.js
        // treats the bound as dynamic (its default cap of 1000 would truncate k).
        loopMaxIterations: Math.max(1000, k + 1),
        tactic: 'precision',
        // Resident: every call returns a fresh texture (immutable) that lives until we delete it.
        pipeline: this.resident,
        immutable: this.resident,
      };
      return this.gpu.createKernel((this.resident ? matmulFlat : matmulElement) as never, settings) as IKernelRunShortcut;
    });
    const output = entry.run(a as never, b as never, Float32Array.from(attrs.aOffsets), Float32Array.from(attrs.bOffsets)) as unknown;
    return { output, entry };
  }

  /** Frees every compiled kernel (and its textures/buffers). */
  dispose(): void {
    this.cache.dispose();
  }
}
