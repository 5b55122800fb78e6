// Gather (rows `indices` taken along one axis: an embedding lookup) and
// ScatterAdd (its gradient: slice t of dy added at row indices[t]) as flat
// gpu.js kernels. The indices are a host Int32Array in the attrs; they go to
// the kernel as a small float array argument (exact below 2^24). ScatterAdd is
// written gather-style: output row r loops over every index and adds the
// slices whose index is r, so it costs count work per output and gets no plan
// beyond MAX_INDICES (the CPU kernel runs).
import type { KernelPlan } from './flat-kernels.js';

export const MAX_INDICES = 16384;

/** Splits the flat index into outer, k (position along the axis, of `len`) and j (inner). floor((q + 0.5) / d) is exact below 2^22. */
const AROUND_AXIS = `const stride = this.constants.len * this.constants.inner;
  const outer = Math.floor((this.thread.x + 0.5) / stride);
  const rem = this.thread.x - outer * stride;
  const k = Math.floor((rem + 0.5) / this.constants.inner);
  const j = rem - k * this.constants.inner;`;

function innerOf(shape: readonly number[], axis: number): number | null {
  if (!(axis >= 0 && axis < shape.length)) return null;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return inner > 0 ? inner : null;
}

/** Inputs: x, then the indices as a float array. */
export function gatherPlan(shape: readonly number[], axis: number, count: number): KernelPlan | null {
  const inner = innerOf(shape, axis);
  if (inner === null || count === 0) return null;
  const source = `function gather(x, idx) {
  ${AROUND_AXIS}
  return x[(outer * this.constants.dim + idx[k]) * this.constants.inner + j];
}`;
  return { key: 'gather', source, constants: { len: count, inner, dim: shape[axis] } };
}

/** Inputs: dy, then the indices as a float array; output has `length` along the axis. */
export function scatterAddPlan(dyShape: readonly number[], axis: number, length: number): KernelPlan | null {
  const inner = innerOf(dyShape, axis);
  const count = dyShape[axis];
  if (inner === null || length === 0 || !(count > 0 && count <= MAX_INDICES)) return null;
  const source = `function scatterAdd(dy, idx) {
  ${AROUND_AXIS}
  let s = 0;
  for (let t = 0; t < this.constants.count; t++) {
    if (Math.abs(idx[t] - k) < 0.5) {
      s += dy[(outer * this.constants.count + t) * this.constants.inner + j];
    }
  }
  return s;
}`;
  return { key: 'scatterAdd', source, constants: { len: length, inner, count }, loopMaxIterations: count };
}
