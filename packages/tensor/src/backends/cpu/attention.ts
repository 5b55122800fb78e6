// Fused attention on the CPU: the readable reference for the FusedAttention
// kernel contract (see backend.ts). One query row at a time: its scores over
// the keys it sees, their softmax, the weighted sum of values, and the
// row's log-sum-exp. The backward pass recomputes the row's probabilities
// from lse, so only O(Tk) numbers live at once per head, never Tq x Tk.
// Accumulates in float64 whatever the dtype. Keys and values are read at
// rows (h * tk + j) of k and v: a head holds tk rows, of which the first
// kvLength take part (a preallocated KV cache holds more rows than it uses).
import type { DType, FloatArray, FusedAttentionAttrs } from '../../backend.js';
import { allocate } from '../../shape.js';

/** Sizes of one fused attention call, read from the shapes of q (..., Tq, D) and v (..., Tk, Dv). */
export interface AttentionDims {
  /** Independent problems: the product of the leading dims. */
  heads: number;
  tq: number;
  /** Rows of k and v per head. */
  tk: number;
  /** The first kvLength of them take part (see the FusedAttention contract). */
  kvLength: number;
  d: number;
  dv: number;
}

export function attentionDims(qShape: readonly number[], vShape: readonly number[], kvLength: number): AttentionDims {
  const n = qShape.length;
  const tq = qShape[n - 2];
  const d = qShape[n - 1];
  const tk = vShape[n - 2];
  const dv = vShape[n - 1];
  let heads = 1;
  for (let i = 0; i < n - 2; i++) heads *= qShape[i];
  return { heads, tq, tk, kvLength, d, dv };
}

/** Keys query i sees: [0, visibleKeys) (all kvLength, or with causal j <= i + kvLength - tq). */
function visibleKeys(i: number, { tq, kvLength }: AttentionDims, causal: boolean): number {
  return causal ? Math.min(kvLength, i + kvLength - tq + 1) : kvLength;
}

/** Scores s_j = scale * q_i . k_j for the visible keys of query row i of head h, into `s`. */
function scoresOfRow(q: FloatArray, k: FloatArray, h: number, i: number, n: number, dims: AttentionDims, scale: number, s: Float64Array): void {
  const { tq, tk, d } = dims;
  const qi = (h * tq + i) * d;
  for (let j = 0; j < n; j++) {
    const kj = (h * tk + j) * d;
    let dot = 0;
    for (let c = 0; c < d; c++) dot += q[qi + c] * k[kj + c];
    s[j] = scale * dot;
  }
}

/** Returns [out (heads, Tq, Dv), lse (heads, Tq)]. */
export function fusedAttention(
  q: FloatArray,
  k: FloatArray,
  v: FloatArray,
  dims: AttentionDims,
  { scale, causal }: Pick<FusedAttentionAttrs, 'scale' | 'causal'>,
  dtype: DType,
): FloatArray[] {
  const { heads, tq, tk, kvLength, dv } = dims;
  const out = allocate(dtype, heads * tq * dv);
  const lse = allocate(dtype, heads * tq);
  const s = new Float64Array(kvLength); // one row of scores, then of probabilities
  const acc = new Float64Array(dv);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < tq; i++) {
      const n = visibleKeys(i, dims, causal);
      scoresOfRow(q, k, h, i, n, dims, scale, s);
      let mx = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < n; j++) if (s[j] > mx) mx = s[j];
      let total = 0;
      for (let j = 0; j < n; j++) {
        s[j] = Math.exp(s[j] - mx);
        total += s[j];
      }
      acc.fill(0);
      for (let j = 0; j < n; j++) {
        const p = s[j] / total;
        const vj = (h * tk + j) * dv;
        for (let c = 0; c < dv; c++) acc[c] += p * v[vj + c];
      }
      out.set(acc, (h * tq + i) * dv);
      lse[h * tq + i] = mx + Math.log(total);
    }
  }
  return [out, lse];
}

/** Returns [dq, dk, dv] (see the FusedAttention contract for the formulas). */
export function fusedAttentionGrad(
  q: FloatArray,
  k: FloatArray,
  v: FloatArray,
  out: FloatArray,
  lse: FloatArray,
  dOut: FloatArray,
  dims: AttentionDims,
  { scale, causal }: Pick<FusedAttentionAttrs, 'scale' | 'causal'>,
  dtype: DType,
): FloatArray[] {
  const { heads, tq, tk, d, dv } = dims;
  const dq = new Float64Array(heads * tq * d);
  const dk = new Float64Array(heads * tk * d); // rows past kvLength stay 0
  const dV = new Float64Array(heads * tk * dv);
  const p = new Float64Array(dims.kvLength);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < tq; i++) {
      const n = visibleKeys(i, dims, causal);
      const row = h * tq + i;
      const oi = row * dv;
      scoresOfRow(q, k, h, i, n, dims, scale, p);
      for (let j = 0; j < n; j++) p[j] = Math.exp(p[j] - lse[row]); // P_ij, recomputed from lse
      let di = 0; // D_i = dOut_i . out_i
      for (let c = 0; c < dv; c++) di += dOut[oi + c] * out[oi + c];
      for (let j = 0; j < n; j++) {
        const vj = (h * tk + j) * dv;
        let dp = 0; // dOut_i . v_j
        for (let c = 0; c < dv; c++) {
          dp += dOut[oi + c] * v[vj + c];
          dV[vj + c] += p[j] * dOut[oi + c];
        }
        const ds = scale * p[j] * (dp - di);
        const qi = row * d;
        const kj = (h * tk + j) * d;
        for (let c = 0; c < d; c++) {
          dq[qi + c] += ds * k[kj + c];
          dk[kj + c] += ds * q[qi + c];
        }
      }
    }
  }
  const cast = (x: Float64Array) => {
    const y = allocate(dtype, x.length);
    y.set(x);
    return y;
  };
  return [cast(dq), cast(dk), cast(dV)];
}
