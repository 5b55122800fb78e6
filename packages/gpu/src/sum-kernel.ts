// The Sum kernel (x summed over one axis, the axis removed) as a flat gpu.js
// kernel: output element o = (outer, j) adds the `length` values
// x[(outer * length + l) * inner + j]. The CPU backend accumulates in float64;
// a shader has float32 only, so the loop uses Kahan's compensated sum, which
// keeps the error near one rounding whatever the length (bias gradients sum
// over every row of a batch).
import type { KernelPlan } from './flat-kernels.js';

export function sumPlan(shape: readonly number[], axis: number): KernelPlan | null {
  if (!(axis >= 0 && axis < shape.length)) return null;
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  const length = shape[axis];
  if (length === 0 || outer * inner === 0) return null;
  // floor((o + 0.5) / inner) is exact for integers o < 2^22 (see matmul-kernel.ts).
  const source = `function sum(a) {
  const o = this.thread.x;
  const row = Math.floor((o + 0.5) / this.constants.inner);
  const j = o - row * this.constants.inner;
  const base = row * this.constants.len * this.constants.inner + j;
  let s = 0;
  let c = 0;
  for (let l = 0; l < this.constants.len; l++) {
    const y = a[base + l * this.constants.inner] - c;
    const t = s + y;
    c = (t - s) - y;
    s = t;
  }
  return s;
}`;
  return { key: 'sum', source, constants: { len: length, inner }, loopMaxIterations: length };
}
