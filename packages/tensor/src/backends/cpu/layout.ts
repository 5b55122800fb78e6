// CPU kernels that move data around: transpose, slice, pad, concat, gather, scatter-add.
import type { DType, FloatArray } from '../../backend.js';
import { allocate, aroundAxis, sizeOf, stridesOf } from '../../shape.js';

/** out.shape[i] = shape[perm[i]]; walks the output in order, reading x through permuted strides. */
export function transpose(x: FloatArray, shape: readonly number[], perm: readonly number[], dtype: DType): FloatArray {
  const nd = shape.length;
  const out = allocate(dtype, x.length);
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  const readStrides = perm.map((p) => inStrides[p]);
  // Common case: swap of the last two dims, e.g. (B, T, C) -> (B, C, T): block over matrices.
  if (nd >= 2 && perm.slice(0, nd - 2).every((p, i) => p === i) && perm[nd - 2] === nd - 1 && perm[nd - 1] === nd - 2) {
    const rows = shape[nd - 2];
    const cols = shape[nd - 1];
    const mats = x.length / Math.max(rows * cols, 1);
    for (let b = 0; b < mats; b++) {
      const base = b * rows * cols;
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[base + j * rows + i] = x[base + i * cols + j];
    }
    return out;
  }
  // Last dim kept in place, e.g. (B, T, nh, hs) -> (B, nh, T, hs) when splitting heads:
  // copy whole rows of the last dim, walking the other dims like an odometer.
  if (nd >= 2 && perm[nd - 1] === nd - 1) {
    const row = shape[nd - 1];
    const outer = nd - 1;
    const index = new Array<number>(outer).fill(0);
    let src = 0;
    for (let o = 0; o < out.length; o += row) {
      for (let j = 0; j < row; j++) out[o + j] = x[src + j];
      for (let d = outer - 1; d >= 0; d--) {
        index[d]++;
        src += readStrides[d];
        if (index[d] < outShape[d]) break;
        src -= readStrides[d] * outShape[d];
        index[d] = 0;
      }
    }
    return out;
  }
  // Reference path: one element at a time.
  const index = new Array<number>(nd).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = x[src];
    for (let d = nd - 1; d >= 0; d--) {
      index[d]++;
      src += readStrides[d];
      if (index[d] < outShape[d]) break;
      src -= readStrides[d] * outShape[d];
      index[d] = 0;
    }
  }
  return out;
}

/** x[..., start:end, ...] along `axis`. */
export function slice(x: FloatArray, shape: readonly number[], axis: number, start: number, end: number, dtype: DType): FloatArray {
  const { outer, length, inner } = aroundAxis(shape, axis);
  const width = (end - start) * inner;
  const out = allocate(dtype, outer * width);
  for (let o = 0; o < outer; o++) {
    const from = (o * length + start) * inner;
    out.set(x.subarray(from, from + width), o * width);
  }
  return out;
}

/** Zeros with `length` along `axis`, dy copied in at [start, start + dy.shape[axis]). */
export function padAxis(dy: FloatArray, dyShape: readonly number[], axis: number, start: number, length: number, dtype: DType): FloatArray {
  const { outer, length: part, inner } = aroundAxis(dyShape, axis);
  const out = allocate(dtype, outer * length * inner);
  const width = part * inner;
  for (let o = 0; o < outer; o++) out.set(dy.subarray(o * width, (o + 1) * width), (o * length + start) * inner);
  return out;
}

/** Concatenation along `axis` of arrays whose shapes agree elsewhere. */
export function concat(xs: readonly FloatArray[], shapes: readonly (readonly number[])[], axis: number, outShape: readonly number[], dtype: DType): FloatArray {
  const out = allocate(dtype, sizeOf(outShape));
  const { outer, length: total, inner } = aroundAxis(outShape, axis);
  let offset = 0;
  for (let t = 0; t < xs.length; t++) {
    const part = shapes[t][axis];
    const width = part * inner;
    const x = xs[t];
    for (let o = 0; o < outer; o++) out.set(x.subarray(o * width, (o + 1) * width), (o * total + offset) * inner);
    offset += part;
  }
  return out;
}

/** Rows `indices` of x along `axis` (indices already validated). */
export function gather(x: FloatArray, shape: readonly number[], axis: number, indices: Int32Array, dtype: DType): FloatArray {
  const { outer, length, inner } = aroundAxis(shape, axis);
  const count = indices.length;
  const out = allocate(dtype, outer * count * inner);
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < count; t++) {
      const from = (o * length + indices[t]) * inner;
      out.set(x.subarray(from, from + inner), (o * count + t) * inner);
    }
  }
  return out;
}

/** The adjoint of gather: zeros with `length` along `axis`, slice t of dy added at row indices[t]. */
export function scatterAdd(dy: FloatArray, dyShape: readonly number[], axis: number, indices: Int32Array, length: number, dtype: DType): FloatArray {
  const { outer, inner } = aroundAxis(dyShape, axis);
  const count = indices.length;
  const out = allocate(dtype, outer * length * inner);
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < count; t++) {
      const from = (o * count + t) * inner;
      const to = (o * length + indices[t]) * inner;
      for (let i = 0; i < inner; i++) out[to + i] += dy[from + i];
    }
  }
  return out;
}
