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

/** Sizes of a FusedSelfAttention call, from qkv (..., T, 3 * heads * D). */
export interface SelfAttentionDims {
  /** Product of the leading dims. */
  batch: number;
  t: number;
  heads: number;
  d: number;
}

export function selfAttentionDims(qkvShape: readonly number[], heads: number): SelfAttentionDims {
  const n = qkvShape.length;
  let batch = 1;
  for (let i = 0; i < n - 2; i++) batch *= qkvShape[i];
  return { batch, t: qkvShape[n - 2], heads, d: qkvShape[n - 1] / (3 * heads) };
}

/**
 * Copies heads out of rows `width` floats wide: head h of batch entry b is the
 * (T, D) block at columns [first + h * D, first + (h + 1) * D) of its rows,
 * written as block (b * heads + h) of a (batch * heads, T, D) array.
 */
function gatherHeads(x: FloatArray, width: number, first: number, dims: SelfAttentionDims, dtype: DType): FloatArray {
  const { batch, t, heads, d } = dims;
  const out = allocate(dtype, batch * heads * t * d);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < t; i++) {
        const from = (b * t + i) * width + first + h * d;
        out.set(x.subarray(from, from + d), ((b * heads + h) * t + i) * d);
      }
    }
  }
  return out;
}

/** The reverse of gatherHeads: writes the (batch * heads, T, D) blocks of `heads` into the rows of x. */
function scatterHeads(blocks: FloatArray, x: FloatArray, width: number, first: number, dims: SelfAttentionDims): void {
  const { batch, t, heads, d } = dims;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < t; i++) {
        const from = ((b * heads + h) * t + i) * d;
        x.set(blocks.subarray(from, from + d), (b * t + i) * width + first + h * d);
      }
    }
  }
}

/** The per-head attention problems of a packed call, as fusedAttention sees them. */
function headProblems({ batch, t, heads, d }: SelfAttentionDims): AttentionDims {
  return { heads: batch * heads, tq: t, tk: t, kvLength: t, d, dv: d };
}

/**
 * Returns [out (batch, T, heads * D), lse (batch, heads, T)] (see the
 * FusedSelfAttention contract): q, k, v gathered into per-head blocks, the
 * reference above, and the heads' outputs put side by side.
 */
export function fusedSelfAttention(
  qkv: FloatArray,
  dims: SelfAttentionDims,
  attrs: Pick<FusedAttentionAttrs, 'scale' | 'causal'>,
  dtype: DType,
): FloatArray[] {
  const c = dims.heads * dims.d;
  const [q, k, v] = [0, c, 2 * c].map((first) => gatherHeads(qkv, 3 * c, first, dims, dtype));
  const [blocks, lse] = fusedAttention(q, k, v, headProblems(dims), attrs, dtype);
  const out = allocate(dtype, dims.batch * dims.t * c);
  scatterHeads(blocks, out, c, 0, dims);
  return [out, lse];
}

/** Returns dqkv, shaped like qkv: dq, dk, dv of every head at the columns q, k, v came from. */
export function fusedSelfAttentionGrad(
  qkv: FloatArray,
  out: FloatArray,
  lse: FloatArray,
  dOut: FloatArray,
  dims: SelfAttentionDims,
  attrs: Pick<FusedAttentionAttrs, 'scale' | 'causal'>,
  dtype: DType,
): FloatArray {
  const c = dims.heads * dims.d;
  const [q, k, v] = [0, c, 2 * c].map((first) => gatherHeads(qkv, 3 * c, first, dims, dtype));
  const [o, g] = [out, dOut].map((x) => gatherHeads(x, c, 0, dims, dtype));
  const grads = fusedAttentionGrad(q, k, v, o, lse, g, headProblems(dims), attrs, dtype);
  const dqkv = allocate(dtype, qkv.length);
  grads.forEach((blocks, part) => {
    scatterHeads(blocks, dqkv, 3 * c, part * c, dims);
  });
  return dqkv;
}
