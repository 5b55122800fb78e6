// CPU elementwise kernels: broadcasting binary ops, unary ops and their grads.
import type { BinaryOp, DType, FloatArray, UnaryOp } from '../../backend.js';
import { allocate, broadcastStrides, isLeadingPrefix, isTrailingSuffix, sizeOf, stridesOf } from '../../shape.js';
import { erf } from './erf.js';

/**
 * out = a (op) b with NumPy broadcasting. Fast paths for the shapes a
 * transformer uses all the time (same shape, scalar, bias over the last dims)
 * sit beside the readable general path at the bottom.
 */
export function binary(
  op: BinaryOp,
  a: FloatArray,
  aShape: readonly number[],
  b: FloatArray,
  bShape: readonly number[],
  outShape: readonly number[],
  dtype: DType,
): FloatArray {
  const size = sizeOf(outShape);
  const out = allocate(dtype, size);
  const na = a.length;
  const nb = b.length;
  if (na === size && nb === size) {
    switch (op) {
      case 'add':
        for (let i = 0; i < size; i++) out[i] = a[i] + b[i];
        return out;
      case 'sub':
        for (let i = 0; i < size; i++) out[i] = a[i] - b[i];
        return out;
      case 'mul':
        for (let i = 0; i < size; i++) out[i] = a[i] * b[i];
        return out;
      case 'div':
        for (let i = 0; i < size; i++) out[i] = a[i] / b[i];
        return out;
    }
  }
  if (na === size && nb === 1) {
    const s = b[0];
    switch (op) {
      case 'add':
        for (let i = 0; i < size; i++) out[i] = a[i] + s;
        return out;
      case 'sub':
        for (let i = 0; i < size; i++) out[i] = a[i] - s;
        return out;
      case 'mul':
        for (let i = 0; i < size; i++) out[i] = a[i] * s;
        return out;
      case 'div':
        for (let i = 0; i < size; i++) out[i] = a[i] / s;
        return out;
    }
  }
  if (na === 1 && nb === size) {
    const s = a[0];
    switch (op) {
      case 'add':
        for (let i = 0; i < size; i++) out[i] = s + b[i];
        return out;
      case 'sub':
        for (let i = 0; i < size; i++) out[i] = s - b[i];
        return out;
      case 'mul':
        for (let i = 0; i < size; i++) out[i] = s * b[i];
        return out;
      case 'div':
        for (let i = 0; i < size; i++) out[i] = s / b[i];
        return out;
    }
  }
  // Bias over the trailing dims: b's shape (ignoring leading 1s) is a suffix of
  // the output shape, so b repeats every nb elements, e.g. (B, T, C) + (C).
  if (na === size && nb > 0 && isTrailingSuffix(bShape, outShape)) {
    for (let o = 0; o < size; o += nb) {
      switch (op) {
        case 'add':
          for (let i = 0; i < nb; i++) out[o + i] = a[o + i] + b[i];
          break;
        case 'sub':
          for (let i = 0; i < nb; i++) out[o + i] = a[o + i] - b[i];
          break;
        case 'mul':
          for (let i = 0; i < nb; i++) out[o + i] = a[o + i] * b[i];
          break;
        case 'div':
          for (let i = 0; i < nb; i++) out[o + i] = a[o + i] / b[i];
          break;
      }
    }
    return out;
  }
  // Per-row scalar: b is a's leading dims with 1s after, e.g. (B, T, C) / (B, T, 1),
  // so each b value covers a run of `inner` consecutive outputs.
  const inner = na === size && nb > 0 ? size / nb : 0;
  if (inner > 1 && isLeadingPrefix(bShape, outShape)) {
    for (let r = 0; r < nb; r++) {
      const s = b[r];
      const o = r * inner;
      switch (op) {
        case 'add':
          for (let i = o; i < o + inner; i++) out[i] = a[i] + s;
          break;
        case 'sub':
          for (let i = o; i < o + inner; i++) out[i] = a[i] - s;
          break;
        case 'mul':
          for (let i = o; i < o + inner; i++) out[i] = a[i] * s;
          break;
        case 'div':
          for (let i = o; i < o + inner; i++) out[i] = a[i] / s;
          break;
      }
    }
    return out;
  }
  return binaryGeneral(op, a, aShape, b, bShape, outShape, out);
}

/** The reference path: walk the output index like an odometer, with stride 0 on broadcast dims. */
function binaryGeneral(
  op: BinaryOp,
  a: FloatArray,
  aShape: readonly number[],
  b: FloatArray,
  bShape: readonly number[],
  outShape: readonly number[],
  out: FloatArray,
): FloatArray {
  const nd = outShape.length;
  const aStrides = broadcastStrides(aShape, outShape);
  const bStrides = broadcastStrides(bShape, outShape);
  const index = new Array<number>(nd).fill(0);
  let ia = 0;
  let ib = 0;
  const f = binaryFn(op);
  for (let i = 0; i < out.length; i++) {
    out[i] = f(a[ia], b[ib]);
    // Advance the odometer from the last dim.
    for (let d = nd - 1; d >= 0; d--) {
      index[d]++;
      ia += aStrides[d];
      ib += bStrides[d];
      if (index[d] < outShape[d]) break;
      ia -= aStrides[d] * outShape[d];
      ib -= bStrides[d] * outShape[d];
      index[d] = 0;
    }
  }
  return out;
}

function binaryFn(op: BinaryOp): (x: number, y: number) => number {
  switch (op) {
    case 'add':
      return (x, y) => x + y;
    case 'sub':
      return (x, y) => x - y;
    case 'mul':
      return (x, y) => x * y;
    case 'div':
      return (x, y) => x / y;
  }
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;
const INV_SQRT2 = 1 / Math.SQRT2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function unary(op: UnaryOp, x: FloatArray, dtype: DType): FloatArray {
  const n = x.length;
  const out = allocate(dtype, n);
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      break;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      break;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      break;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      break;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      break;
    case 'relu':
      // biome-ignore lint/complexity/useMathMinMax: the comparison is the faster form in this hot loop
      for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
      break;
    case 'geluTanh':
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_C * v * v * v)));
      }
      break;
    case 'geluErf':
      // x Phi(x) = 0.5 x (1 + erf(x / sqrt 2))
      for (let i = 0; i < n; i++) out[i] = 0.5 * x[i] * (1 + erf(x[i] * INV_SQRT2));
      break;
  }
  return out;
}

/** dx = dy * f'(x) for the activations whose derivative needs x. */
export function unaryGrad(op: 'relu' | 'geluTanh' | 'geluErf', dy: FloatArray, x: FloatArray, dtype: DType): FloatArray {
  const n = x.length;
  const out = allocate(dtype, n);
  switch (op) {
    case 'relu':
      for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? dy[i] : 0;
      break;
    case 'geluTanh':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_C * v * v * v));
        const du = SQRT_2_OVER_PI * (1 + 3 * GELU_C * v * v);
        out[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
      }
      break;
    case 'geluErf':
      // d/dx x Phi(x) = Phi(x) + x phi(x)
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const cdf = 0.5 * (1 + erf(v * INV_SQRT2));
        const pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
        out[i] = dy[i] * (cdf + v * pdf);
      }
      break;
  }
  return out;
}

export function powScalar(x: FloatArray, exponent: number, dtype: DType): FloatArray {
  const n = x.length;
  const out = allocate(dtype, n);
  if (exponent === 2) for (let i = 0; i < n; i++) out[i] = x[i] * x[i];
  else if (exponent === 0.5) for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
  else for (let i = 0; i < n; i++) out[i] = x[i] ** exponent;
  return out;
}

export function cast(x: FloatArray, dtype: DType): FloatArray {
  return dtype === 'float64' ? Float64Array.from(x) : Float32Array.from(x);
}

/** x repeated to outShape (x broadcastable to it). */
export function broadcastTo(x: FloatArray, xShape: readonly number[], outShape: readonly number[], dtype: DType): FloatArray {
  const size = sizeOf(outShape);
  const out = allocate(dtype, size);
  const nx = x.length;
  if (nx === 1) return out.fill(x[0]);
  if (isTrailingSuffix(xShape, outShape)) {
    for (let o = 0; o < size; o += nx) out.set(x, o);
    return out;
  }
  const strides = broadcastStrides(xShape, outShape);
  const nd = outShape.length;
  const index = new Array<number>(nd).fill(0);
  let src = 0;
  for (let i = 0; i < size; i++) {
    out[i] = x[src];
    for (let d = nd - 1; d >= 0; d--) {
      index[d]++;
      src += strides[d];
      if (index[d] < outShape[d]) break;
      src -= strides[d] * outShape[d];
      index[d] = 0;
    }
  }
  return out;
}

/** x with `value` where the (broadcast) mask is nonzero. */
export function maskedFill(
  x: FloatArray,
  xShape: readonly number[],
  mask: FloatArray,
  maskShape: readonly number[],
  value: number,
  dtype: DType,
): FloatArray {
  const n = x.length;
  const out = allocate(dtype, n);
  const nm = mask.length;
  if (nm === n || isTrailingSuffix(maskShape, xShape)) {
    // Mask repeats every nm elements: the (T, T) causal mask over (B, nh, T, T).
    for (let o = 0; o < n; o += nm) {
      for (let i = 0; i < nm; i++) out[o + i] = mask[i] !== 0 ? value : x[o + i];
    }
    return out;
  }
  const strides = broadcastStrides(maskShape, xShape);
  const xStrides = stridesOf(xShape);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let im = 0;
    for (let d = 0; d < xShape.length; d++) {
      const q = Math.floor(rem / xStrides[d]);
      rem -= q * xStrides[d];
      im += q * strides[d];
    }
    out[i] = mask[im] !== 0 ? value : x[i];
  }
  return out;
}
