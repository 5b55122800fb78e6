// The Transpose kernel (out.shape[d] = x.shape[perm[d]]) as a flat gpu.js
// kernel, for up to 4 dims (a transformer's (B, T, nh, hs) <-> (B, nh, T, hs)).
// Shapes are padded with leading 1s to 4 dims; a thread splits its flat output
// index into (i0, i1, i2, i3) and reads x at sum(i_d * stride of x's dim
// perm[d]). More than 4 dims gets no plan (the CPU kernel runs instead).
import type { KernelPlan } from './flat-kernels.js';

export const MAX_TRANSPOSE_DIMS = 4;

/** The flat kernel for transposing x of `shape` by `perm`, or null beyond 4 dims. */
export function transposePlan(shape: readonly number[], perm: readonly number[]): KernelPlan | null {
  const nd = shape.length;
  if (nd > MAX_TRANSPOSE_DIMS || perm.length !== nd) return null;
  const strides = new Array<number>(nd);
  let s = 1;
  for (let d = nd - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  const pad = MAX_TRANSPOSE_DIMS - nd;
  const outDims = [...new Array<number>(pad).fill(1), ...perm.map((p) => shape[p])];
  const inStrides = [...new Array<number>(pad).fill(0), ...perm.map((p) => strides[p])];
  const constants = { o1: outDims[1], o2: outDims[2], o3: outDims[3], s0: inStrides[0], s1: inStrides[1], s2: inStrides[2], s3: inStrides[3] };
  // floor((q + 0.5) / d) is exact for integers q < 2^22 (see matmul-kernel.ts).
  const source = `function transpose(a) {
  const q = this.thread.x;
  const q3 = Math.floor((q + 0.5) / this.constants.o3);
  const i3 = q - q3 * this.constants.o3;
  const q2 = Math.floor((q3 + 0.5) / this.constants.o2);
  const i2 = q3 - q2 * this.constants.o2;
  const i0 = Math.floor((q2 + 0.5) / this.constants.o1);
  const i1 = q2 - i0 * this.constants.o1;
  return a[i0 * this.constants.s0 + i1 * this.constants.s1 + i2 * this.constants.s2 + i3 * this.constants.s3];
}`;
  return { key: `transpose:${shape.join('x')}:${perm.join(',')}`, source, constants };
}
