// CPU kernels for the fused, numerically stable ops: softmax, log-softmax,
// cross-entropy and layer norm. Each visits a row once (one kernel call, no
// temporaries); rows along a non-last axis are handled by a strided reference loop.
import type { DType, FloatArray } from '../../backend.js';
import { allocate, aroundAxis } from '../../shape.js';

/** softmax (log = false) or log-softmax (log = true) along `axis`. */
export function softmax(x: FloatArray, shape: readonly number[], axis: number, log: boolean, dtype: DType): FloatArray {
  const { outer, length, inner } = aroundAxis(shape, axis);
  const out = allocate(dtype, x.length);
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * length;
      let mx = Number.NEGATIVE_INFINITY;
      for (let r = 0; r < length; r++) if (x[base + r] > mx) mx = x[base + r];
      if (mx === Number.NEGATIVE_INFINITY) mx = 0; // an all -inf row: let exp give 0s and the log -inf
      let total = 0;
      if (log) {
        for (let r = 0; r < length; r++) total += Math.exp(x[base + r] - mx);
        const logZ = mx + Math.log(total);
        for (let r = 0; r < length; r++) out[base + r] = x[base + r] - logZ;
      } else {
        for (let r = 0; r < length; r++) {
          const e = Math.exp(x[base + r] - mx);
          out[base + r] = e;
          total += e;
        }
        const inv = 1 / total;
        for (let r = 0; r < length; r++) out[base + r] *= inv;
      }
    }
    return out;
  }
  // Reference path: the same computation through a stride of `inner`.
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * length * inner + i;
      let mx = Number.NEGATIVE_INFINITY;
      for (let r = 0; r < length; r++) mx = Math.max(mx, x[base + r * inner]);
      if (mx === Number.NEGATIVE_INFINITY) mx = 0;
      let total = 0;
      for (let r = 0; r < length; r++) total += Math.exp(x[base + r * inner] - mx);
      const logZ = mx + Math.log(total);
      for (let r = 0; r < length; r++) {
        const v = x[base + r * inner] - logZ;
        out[base + r * inner] = log ? v : Math.exp(v);
      }
    }
  }
  return out;
}

/**
 * Softmax backward: dx = y * (dy - sum(dy * y)); log-softmax backward:
 * dx = dy - exp(y) * sum(dy). `y` is the forward output.
 */
export function softmaxGrad(y: FloatArray, dy: FloatArray, shape: readonly number[], axis: number, log: boolean, dtype: DType): FloatArray {
  const { outer, length, inner } = aroundAxis(shape, axis);
  const out = allocate(dtype, y.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * length * inner + i;
      let dot = 0;
      if (log) for (let r = 0; r < length; r++) dot += dy[base + r * inner];
      else for (let r = 0; r < length; r++) dot += dy[base + r * inner] * y[base + r * inner];
      for (let r = 0; r < length; r++) {
        const at = base + r * inner;
        out[at] = log ? dy[at] - Math.exp(y[at]) * dot : y[at] * (dy[at] - dot);
      }
    }
  }
  return out;
}

/** Per-row loss -log softmax(logits)[target] (0 for ignored rows); logits (N, V). */
export function crossEntropy(logits: FloatArray, shape: readonly number[], targets: Int32Array, ignoreIndex: number, dtype: DType): FloatArray {
  const v = shape[shape.length - 1];
  const n = targets.length;
  const out = allocate(dtype, n);
  for (let row = 0; row < n; row++) {
    const t = targets[row];
    if (t === ignoreIndex) continue;
    const base = row * v;
    let mx = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < v; j++) if (logits[base + j] > mx) mx = logits[base + j];
    let total = 0;
    for (let j = 0; j < v; j++) total += Math.exp(logits[base + j] - mx);
    out[row] = mx + Math.log(total) - logits[base + t];
  }
  return out;
}

/** dlogits = (softmax(logits) - onehot(target)) * dLoss[row]; zero for ignored rows. */
export function crossEntropyGrad(
  logits: FloatArray,
  shape: readonly number[],
  dLoss: FloatArray,
  targets: Int32Array,
  ignoreIndex: number,
  dtype: DType,
): FloatArray {
  const v = shape[shape.length - 1];
  const n = targets.length;
  const out = allocate(dtype, n * v);
  for (let row = 0; row < n; row++) {
    const t = targets[row];
    if (t === ignoreIndex) continue;
    const base = row * v;
    let mx = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < v; j++) if (logits[base + j] > mx) mx = logits[base + j];
    let total = 0;
    for (let j = 0; j < v; j++) {
      const e = Math.exp(logits[base + j] - mx);
      out[base + j] = e;
      total += e;
    }
    const scale = dLoss[row] / total;
    for (let j = 0; j < v; j++) out[base + j] *= scale;
    out[base + t] -= dLoss[row];
  }
  return out;
}

/** Layer norm over the last dim: returns [y, mean, rstd]. */
export function layerNorm(
  x: FloatArray,
  shape: readonly number[],
  weight: FloatArray | null,
  bias: FloatArray | null,
  eps: number,
  dtype: DType,
): FloatArray[] {
  const c = shape[shape.length - 1];
  const rows = c === 0 ? 0 : x.length / c;
  const y = allocate(dtype, x.length);
  const means = allocate(dtype, rows);
  const rstds = allocate(dtype, rows);
  for (let r = 0; r < rows; r++) {
    const base = r * c;
    let s = 0;
    for (let j = 0; j < c; j++) s += x[base + j];
    const mean = s / c;
    let ss = 0;
    for (let j = 0; j < c; j++) {
      const d = x[base + j] - mean;
      ss += d * d;
    }
    const rstd = 1 / Math.sqrt(ss / c + eps);
    means[r] = mean;
    rstds[r] = rstd;
    if (weight && bias) for (let j = 0; j < c; j++) y[base + j] = (x[base + j] - mean) * rstd * weight[j] + bias[j];
    else if (weight) for (let j = 0; j < c; j++) y[base + j] = (x[base + j] - mean) * rstd * weight[j];
    else if (bias) for (let j = 0; j < c; j++) y[base + j] = (x[base + j] - mean) * rstd + bias[j];
    else for (let j = 0; j < c; j++) y[base + j] = (x[base + j] - mean) * rstd;
  }
  return [y, means, rstds];
}

/**
 * Layer norm backward: returns [dx, dweight, dbias]. With xhat = (x - mean) * rstd
 * and g = dy * weight: dx = rstd * (g - mean(g) - xhat * mean(g * xhat)).
 */
export function layerNormGrad(
  x: FloatArray,
  shape: readonly number[],
  weight: FloatArray | null,
  means: FloatArray,
  rstds: FloatArray,
  dy: FloatArray,
  dtype: DType,
): FloatArray[] {
  const c = shape[shape.length - 1];
  const rows = c === 0 ? 0 : x.length / c;
  const dx = allocate(dtype, x.length);
  const dw = new Float64Array(c);
  const db = new Float64Array(c);
  for (let r = 0; r < rows; r++) {
    const base = r * c;
    const mean = means[r];
    const rstd = rstds[r];
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < c; j++) {
      const xhat = (x[base + j] - mean) * rstd;
      const d = dy[base + j];
      const g = weight ? d * weight[j] : d;
      sumG += g;
      sumGX += g * xhat;
      dw[j] += d * xhat;
      db[j] += d;
    }
    const meanG = sumG / c;
    const meanGX = sumGX / c;
    for (let j = 0; j < c; j++) {
      const xhat = (x[base + j] - mean) * rstd;
      const g = weight ? dy[base + j] * weight[j] : dy[base + j];
      dx[base + j] = rstd * (g - meanG - xhat * meanGX);
    }
  }
  const dwOut = allocate(dtype, c);
  const dbOut = allocate(dtype, c);
  dwOut.set(dw);
  dbOut.set(db);
  return [dx, dwOut, dbOut];
}
