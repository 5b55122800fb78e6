// Reductions: sum, mean, max, argmax, var (population variance).
import { normalizeAxis, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { broadcastTo, mul, sub } from './elementwise.js';
import { assertTensor, record, run } from './op.js';
import { reshape } from './reshape.js';

/** Sorted unique axes; undefined means all. */
function normalizeAxes(axis: number | readonly number[] | undefined, ndim: number, op: string): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const axes = list.map((a) => normalizeAxis(a, ndim, op));
  if (new Set(axes).size !== axes.length) throw new Error(`${op}: repeated axis in [${list.join(',')}]`);
  return axes.sort((a, b) => a - b);
}

function reducedShape(shape: readonly number[], axes: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Sum over axes (all by default). */
export function sum(x: Tensor, axis?: number | readonly number[], keepdim = false): Tensor {
  assertTensor(x, 'sum', 'x');
  const axes = normalizeAxes(axis, x.ndim, 'sum');
  const keptShape = reducedShape(x.shape, axes, true);
  // Merge runs of adjacent dims that are all reduced or all kept, so e.g. a bias
  // gradient (B, T, C) -> (C) is one kernel call over (B*T, C), not two.
  const merged: number[] = []; // (merged dims)
  const mergedAxes: number[] = [];
  x.shape.forEach((d, i) => {
    const reduced = axes.includes(i);
    const previousReduced = i > 0 && axes.includes(i - 1);
    if (i > 0 && reduced === previousReduced) merged[merged.length - 1] *= d;
    else {
      merged.push(d);
      if (reduced) mergedAxes.push(merged.length - 1);
    }
  });
  // One kernel call per merged axis, highest first so lower axis numbers stay valid.
  let y = reshape(x, merged);
  let shape = merged;
  for (let i = mergedAxes.length - 1; i >= 0; i--) {
    shape = shape.filter((_, d) => d !== mergedAxes[i]);
    y = run('Sum', [y], { axis: mergedAxes[i] }, shape);
  }
  const out = reshape(y, reducedShape(x.shape, axes, keepdim));
  return record(out, 'sum', [x], (dy) => [broadcastTo(reshape(dy, keptShape), x.shape)]);
}

/** Mean over axes (all by default). */
export function mean(x: Tensor, axis?: number | readonly number[], keepdim = false): Tensor {
  assertTensor(x, 'mean', 'x');
  const axes = normalizeAxes(axis, x.ndim, 'mean');
  let count = 1;
  for (const a of axes) count *= x.shape[a];
  return mul(sum(x, axes, keepdim), 1 / count);
}

/** Population variance over axes: mean((x - mean(x))^2). */
export function variance(x: Tensor, axis?: number | readonly number[], keepdim = false): Tensor {
  assertTensor(x, 'var', 'x');
  const centered = sub(x, mean(x, axis, true));
  return mean(mul(centered, centered), axis, keepdim);
}

/** Max over one axis; the gradient goes to the first maximum. */
export function max(x: Tensor, axis: number, keepdim = false): Tensor {
  assertTensor(x, 'max', 'x');
  if (axis === undefined) throw new Error(`max: an axis is required (shape ${shapeStr(x.shape)})`);
  const ax = normalizeAxis(axis, x.ndim, 'max');
  const outShape = reducedShape(x.shape, [ax], keepdim);
  const y = run('Max', [x], { axis: ax }, outShape);
  return record(y, 'max', [x], (dy) => [run('MaxGrad', [x, dy], { axis: ax }, x.shape)]);
}

/** Index of the first maximum along axis (as float values). Not differentiable. */
export function argmax(x: Tensor, axis: number, keepdim = false): Tensor {
  assertTensor(x, 'argmax', 'x');
  const ax = normalizeAxis(axis, x.ndim, 'argmax');
  return run('ArgMax', [x], { axis: ax }, reducedShape(x.shape, [ax], keepdim));
}
