// CPU reductions over one axis, written with the (outer, length, inner) split:
// element (o, r, i) of x sits at (o * length + r) * inner + i.
import type { DType, FloatArray } from '../../backend.js';
import { allocate, aroundAxis } from '../../shape.js';

/** Sum over `axis`, accumulated in float64. */
export function sum(x: FloatArray, shape: readonly number[], axis: number, dtype: DType): FloatArray {
  const { outer, length, inner } = aroundAxis(shape, axis);
  const out = allocate(dtype, outer * inner);
  if (inner === 1) {
    // Rows are contiguous: one running double per row.
    for (let o = 0; o < outer; o++) {
      let acc = 0;
      const base = o * length;
      for (let r = 0; r < length; r++) acc += x[base + r];
      out[o] = acc;
    }
    return out;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let r = 0; r < length; r++) {
      const base = (o * length + r) * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[base + i];
    }
    out.set(acc, o * inner);
  }
  return out;
}

/** Max over `axis` (NaN propagates). */
export function max(x: FloatArray, shape: readonly number[], axis: number, dtype: DType): FloatArray {
  const { outer, length, inner } = aroundAxis(shape, axis);
  const out = allocate(dtype, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = Number.NEGATIVE_INFINITY;
      for (let r = 0; r < length; r++) {
        const v = x[(o * length + r) * inner + i];
        if (v > best || Number.isNaN(v)) {
          best = v;
          if (Number.isNaN(v)) break;
        }
      }
      out[o * inner + i] = best;
    }
  }
  return out;
}

/** Index of the first max over `axis`, as a float. */
export function argmax(x: FloatArray, shape: readonly number[], axis: number, dtype: DType): FloatArray {
  const { outer, length, inner } = aroundAxis(shape, axis);
  const out = allocate(dtype, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = Number.NEGATIVE_INFINITY;
      let at = 0;
      for (let r = 0; r < length; r++) {
        const v = x[(o * length + r) * inner + i];
        if (v > best) {
          best = v;
          at = r;
        }
      }
      out[o * inner + i] = at;
    }
  }
  return out;
}

/** dx for max: dy goes to the first max of each reduced row, zero elsewhere. */
export function maxGrad(x: FloatArray, shape: readonly number[], dy: FloatArray, axis: number, dtype: DType): FloatArray {
  const { outer, length, inner } = aroundAxis(shape, axis);
  const idx = argmax(x, shape, axis, 'float64');
  const out = allocate(dtype, x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const r = idx[o * inner + i];
      out[(o * length + r) * inner + i] = dy[o * inner + i];
    }
  }
  return out;
}
