// Shape arithmetic shared by ops and kernels: sizes, strides, broadcasting, axes.
import type { DType, FloatArray } from './backend.js';

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** `[2,3]` for error messages. */
export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** NumPy broadcasting of two shapes; throws naming the op when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes do not broadcast: ${shapeStr(a)} and ${shapeStr(b)}`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Turns a possibly negative axis into [0, ndim), or throws naming the op. */
export function normalizeAxis(axis: number, ndim: number, op: string): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= Math.max(ndim, 1)) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor with ${ndim} dims`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Splits a shape around `axis` into (outer, length, inner) for axis-wise loops. */
export function aroundAxis(shape: readonly number[], axis: number): { outer: number; length: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, length: shape[axis], inner };
}

/** A zeroed typed array of the dtype. */
export function allocate(dtype: DType, size: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/** Checks a shape is a list of non-negative integers. */
export function checkShape(shape: readonly number[], op: string): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${op}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/** Strides of `shape` seen through `outShape` (0 where a dim is broadcast or missing). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, d) => {
    const i = d - offset;
    return i < 0 || shape[i] === 1 ? 0 : own[i];
  });
}

// Broadcast patterns a backend can run without an index walk. Exported from
// @attn/tensor for backend authors (the wasm and gpu backends use them).

/**
 * Whether `small`, without its leading 1s, equals the trailing dims of `big`:
 * it repeats every size(small) elements, like a bias (C) over (B, T, C).
 */
export function isTrailingSuffix(small: readonly number[], big: readonly number[]): boolean {
  let start = 0;
  while (start < small.length && small[start] === 1) start++;
  const rest = small.length - start;
  if (rest > big.length) return false;
  for (let i = 0; i < rest; i++) if (small[start + i] !== big[big.length - rest + i]) return false;
  return true;
}

/**
 * Whether `small` (right-aligned against `big`) equals big's leading dims with
 * only 1s after them: one value per run of consecutive outputs, like (B, T, 1)
 * against (B, T, C).
 */
export function isLeadingPrefix(small: readonly number[], big: readonly number[]): boolean {
  const offset = big.length - small.length;
  if (offset < 0) return false;
  for (let d = 0; d < offset; d++) if (big[d] !== 1) return false; // missing leading dims must be 1 in big
  let inPrefix = true;
  for (let i = 0; i < small.length; i++) {
    if (inPrefix && small[i] === big[offset + i]) continue;
    inPrefix = false;
    if (small[i] !== 1) return false;
  }
  return true;
}
