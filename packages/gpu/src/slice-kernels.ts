// Slice (x restricted to [start, end) along one axis) and PadAxis (its
// gradient: dy placed at [start, start + n) in zeros of `length`) as flat gpu.js
// kernels; attention splits q, k, v out of one projection this way. Output
// element o is (outer, k, j) around the axis: o = (outer * len + k) * inner + j.
import type { KernelPlan } from './flat-kernels.js';

/** Splits the flat index into outer, k (position along the axis, of `len`) and j (inner). floor((q + 0.5) / d) is exact below 2^22. */
const AROUND_AXIS = `const stride = this.constants.len * this.constants.inner;
  const outer = Math.floor((this.thread.x + 0.5) / stride);
  const rem = this.thread.x - outer * stride;
  const k = Math.floor((rem + 0.5) / this.constants.inner);
  const j = rem - k * this.constants.inner;`;

function around(shape: readonly number[], axis: number): { inner: number; dim: number } | null {
  if (!(axis >= 0 && axis < shape.length)) return null;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return inner > 0 ? { inner, dim: shape[axis] } : null;
}

export function slicePlan(shape: readonly number[], axis: number, start: number, end: number): KernelPlan | null {
  const a = around(shape, axis);
  if (!a || !(end > start)) return null;
  const source = `function slice(x) {
  ${AROUND_AXIS}
  return x[(outer * this.constants.dim + this.constants.start + k) * this.constants.inner + j];
}`;
  return { key: 'slice', source, constants: { len: end - start, inner: a.inner, dim: a.dim, start } };
}

export function padAxisPlan(dyShape: readonly number[], axis: number, start: number, length: number): KernelPlan | null {
  const a = around(dyShape, axis);
  if (!a || a.dim === 0) return null;
  const source = `function padAxis(dy) {
  ${AROUND_AXIS}
  if (k >= this.constants.start && k < this.constants.start + this.constants.dim) {
    return dy[(outer * this.constants.dim + k - this.constants.start) * this.constants.inner + j];
  }
  return 0;
}`;
  return { key: 'padAxis', source, constants: { len: length, inner: a.inner, dim: a.dim, start } };
}
