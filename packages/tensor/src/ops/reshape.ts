// Shape ops: reshape/view, permute/transpose, slice, concat, stack, split,
// indexSelect and embedding (gather with a scatter-add gradient).
import { checkShape, normalizeAxis, shapeStr, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertTensor, record, run } from './op.js';

/** Same values, new shape (one dim may be -1). Free: shares storage. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor(x, 'reshape', 'x');
  const resolved = [...shape];
  const infer = resolved.indexOf(-1);
  if (infer !== resolved.lastIndexOf(-1)) throw new Error(`reshape: only one dim may be -1, got ${shapeStr(shape)}`);
  if (infer >= 0) {
    const known = sizeOf(resolved.filter((_, i) => i !== infer));
    if (known === 0 || x.size % known !== 0) {
      throw new Error(`reshape: cannot reshape ${shapeStr(x.shape)} (${x.size} elements) to ${shapeStr(shape)}`);
    }
    resolved[infer] = x.size / known;
  }
  checkShape(resolved, 'reshape');
  if (sizeOf(resolved) !== x.size) {
    throw new Error(`reshape: cannot reshape ${shapeStr(x.shape)} (${x.size} elements) to ${shapeStr(shape)}`);
  }
  x.storage.refs++;
  const y = new Tensor(x.storage, resolved, x.dtype);
  return record(y, 'reshape', [x], (dy) => [reshape(dy, x.shape)]);
}

/** Alias of reshape (all tensors are contiguous, so every view is a reshape). */
export const view = reshape;

/**
 * Reorders dims: out.shape[i] = x.shape[dims[i]]. Materialises the result,
 * unless only axes of length 1 move (say, splitting one token into heads):
 * then no value moves and the result is a reshape sharing x's storage.
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  assertTensor(x, 'permute', 'x');
  if (dims.length !== x.ndim) throw new Error(`permute: expected ${x.ndim} dims for shape ${shapeStr(x.shape)}, got [${dims.join(',')}]`);
  const perm = dims.map((d) => normalizeAxis(d, x.ndim, 'permute'));
  if (new Set(perm).size !== perm.length) throw new Error(`permute: dims must be a permutation, got [${dims.join(',')}]`);
  if (perm.every((p, i) => p === i)) return x;
  const outShape = perm.map((p) => x.shape[p]);
  const longAxes = perm.filter((p) => x.shape[p] !== 1);
  if (longAxes.every((p, i) => i === 0 || longAxes[i - 1] < p)) return reshape(x, outShape); // same order in memory
  const y = run('Transpose', [x], { perm }, outShape);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inverse[p] = i;
  });
  return record(y, 'permute', [x], (dy) => [permute(dy, inverse)]);
}

/** Swaps two dims. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  assertTensor(x, 'transpose', 'x');
  const a = normalizeAxis(dim0, x.ndim, 'transpose');
  const b = normalizeAxis(dim1, x.ndim, 'transpose');
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** x restricted to [start, end) along axis; negative indices count from the end. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  assertTensor(x, 'slice', 'x');
  const ax = normalizeAxis(axis, x.ndim, 'slice');
  const length = x.shape[ax];
  const s = start < 0 ? start + length : start;
  const e = end < 0 ? end + length : end;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > length || s > e) {
    throw new Error(`slice: range [${start}, ${end}) is invalid for axis ${axis} of length ${length} (shape ${shapeStr(x.shape)})`);
  }
  if (s === 0 && e === length) return x;
  const outShape = [...x.shape];
  outShape[ax] = e - s;
  const y = run('Slice', [x], { axis: ax, start: s, end: e }, outShape);
  return record(y, 'slice', [x], (dy) => [run('PadAxis', [dy], { axis: ax, start: s, length }, x.shape)]);
}

/** Throws unless `tensors` is a non-empty array of Tensors. */
function checkTensorList(tensors: readonly Tensor[], op: string): void {
  const list: unknown = tensors;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`${op}: expected a non-empty array of tensors`);
  list.forEach((t, i) => {
    assertTensor(t, op, `tensors[${i}]`);
  });
}

/** Joins tensors along an existing axis; they must agree on every other dim. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  checkTensorList(tensors, 'concat');
  const first = tensors[0];
  const ax = normalizeAxis(axis, first.ndim, 'concat');
  let total = 0;
  for (const t of tensors) {
    const agrees = t.ndim === first.ndim && t.shape.every((d, i) => i === ax || d === first.shape[i]);
    if (!agrees || t.dtype !== first.dtype) {
      throw new Error(
        `concat: shapes must match except along axis ${ax} and dtypes must agree: ${tensors.map((u) => `${shapeStr(u.shape)} ${u.dtype}`).join(', ')}`,
      );
    }
    total += t.shape[ax];
  }
  if (tensors.length === 1) return first;
  const outShape = [...first.shape];
  outShape[ax] = total;
  const y = run('Concat', tensors, { axis: ax }, outShape);
  return record(y, 'concat', tensors, (dy, needs) => {
    let offset = 0;
    return tensors.map((t, i) => {
      const start = offset;
      offset += t.shape[ax];
      return needs[i] ? slice(dy, ax, start, offset) : null;
    });
  });
}

/** Inserts a dim of size 1 at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const ax = normalizeAxis(axis, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(ax, 0, 1); // (..., 1, ...)
  return reshape(x, shape);
}

/** Removes a dim of size 1 at `axis`. */
export function squeeze(x: Tensor, axis: number): Tensor {
  const ax = normalizeAxis(axis, x.ndim, 'squeeze');
  if (x.shape[ax] !== 1) throw new Error(`squeeze: axis ${axis} has size ${x.shape[ax]}, not 1 (shape ${shapeStr(x.shape)})`);
  return reshape(
    x,
    x.shape.filter((_, i) => i !== ax),
  );
}

/** Joins same-shape tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  checkTensorList(tensors, 'stack');
  tensors.forEach((t) => {
    if (t.ndim !== tensors[0].ndim || t.shape.some((d, j) => d !== tensors[0].shape[j])) {
      throw new Error(`stack: all tensors must have the same shape: ${tensors.map((u) => shapeStr(u.shape)).join(', ')}`);
    }
  });
  const ax = normalizeAxis(axis, tensors[0].ndim + 1, 'stack');
  return concat(
    tensors.map((t) => unsqueeze(t, ax)),
    ax,
  );
}

/** Splits along axis into chunks of `sizes` (a number: equal chunks of that size, the last may be smaller). */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  assertTensor(x, 'split', 'x');
  const ax = normalizeAxis(axis, x.ndim, 'split');
  const length = x.shape[ax];
  let parts: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0) throw new Error(`split: chunk size must be a positive integer, got ${sizes}`);
    parts = [];
    for (let s = 0; s < length; s += sizes) parts.push(Math.min(sizes, length - s));
  } else {
    parts = [...sizes];
    const total = parts.reduce((a, b) => a + b, 0);
    if (parts.some((p) => !Number.isInteger(p) || p < 0) || total !== length) {
      throw new Error(`split: sizes [${parts.join(',')}] must be non-negative integers summing to ${length} (axis ${axis} of ${shapeStr(x.shape)})`);
    }
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const p of parts) {
    out.push(slice(x, ax, start, start + p));
    start += p;
  }
  return out;
}

/** Validates integer indices in [0, length) and copies them into an Int32Array. */
function toIndices(indices: ArrayLike<number>, length: number, op: string): Int32Array {
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (!Number.isInteger(v) || v < 0 || v >= length) {
      throw new Error(`${op}: index ${v} at position ${i} is out of range [0, ${length})`);
    }
    out[i] = v;
  }
  return out;
}

/** Entries `indices` of x along axis; the gradient scatter-adds back (repeats accumulate). */
export function indexSelect(x: Tensor, axis: number, indices: ArrayLike<number>): Tensor {
  assertTensor(x, 'indexSelect', 'x');
  const ax = normalizeAxis(axis, x.ndim, 'indexSelect');
  const idx = toIndices(indices, x.shape[ax], 'indexSelect');
  const outShape = [...x.shape];
  outShape[ax] = idx.length;
  const y = run('Gather', [x], { axis: ax, indices: idx }, outShape);
  return record(y, 'indexSelect', [x], (dy) => [
    run('ScatterAdd', [dy], { axis: ax, indices: idx, length: x.shape[ax] }, x.shape),
  ]);
}

/** Embedding lookup: rows of weight (V, C) for ids -> (...idsShape, C). */
export function embedding(weight: Tensor, ids: ArrayLike<number>, idsShape?: readonly number[]): Tensor {
  assertTensor(weight, 'embedding', 'weight');
  if (weight.ndim !== 2) throw new Error(`embedding: weight must be (V, C), got shape ${shapeStr(weight.shape)}`);
  const shape = idsShape ?? [ids.length];
  if (sizeOf(shape) !== ids.length) {
    throw new Error(`embedding: idsShape ${shapeStr(shape)} does not match ${ids.length} ids`);
  }
  const idx = toIndices(ids, weight.shape[0], 'embedding');
  const rows = indexSelect(weight, 0, idx); // (N, C)
  return reshape(rows, [...shape, weight.shape[1]]); // (...idsShape, C)
}
