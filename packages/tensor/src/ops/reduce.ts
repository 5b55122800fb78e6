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
  // One kernel call per axis, highest first so lower axis numbers stay valid.
  let y = x;
  let shape = [...x.shape];
  for (let i = axes.length - 1; i >= 0; i--) {
    shape = shape.filter((_, d) => d !== axes[i]);
    y = run('Sum', [y], { axis: axes[i] }, shape);
  }
  if (axes.length === 0) y = reshape(x, x.shape);
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
