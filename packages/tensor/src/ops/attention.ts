// Fused scaled dot-product attention: softmax(scale * q k^T) v over the keys
// each query sees, as one kernel (FusedAttention) that never stores the
// (Tq, Tk) weights, with one backward closure (FusedAttentionGrad) that
// recomputes them from the saved per-row log-sum-exp. The materialised
// composition (matmul, maskedFill, softmax, matmul) computes the same values
// and is what @attn/layers' scaledDotProductAttention runs when the weights
// themselves are wanted.
import type { FusedAttentionAttrs } from '../backend.js';
import { shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, record, runMulti } from './op.js';

export interface FusedAttentionOptions {
  /**
   * Causal masking: query i sees key j only if j <= i + (Tk - Tq), the queries
   * being the last Tq of Tk positions (a KV cache). Needs Tq <= Tk. Default false.
   */
  causal?: boolean;
  /** Multiplies every score (default 1 / sqrt(D), D the width of q and k). */
  scale?: number;
  /**
   * Attend to the first kvLength rows of k and v only (default Tk, all of
   * them): k and v may be a key/value cache preallocated for more positions
   * than it holds (see LayerKVCache in @attn/layers). With `causal`, the
   * queries are the last Tq of those kvLength positions.
   */
  kvLength?: number;
}

/**
 * q (..., Tq, D), k (..., Tk, D), v (..., Tk, Dv) with identical leading dims
 * -> (..., Tq, Dv). Differentiable in q, k and v (rows of k and v past
 * kvLength get zero gradients).
 */
export function fusedAttention(q: Tensor, k: Tensor, v: Tensor, opts: FusedAttentionOptions = {}): Tensor {
  assertTensor(q, 'fusedAttention', 'q');
  assertTensor(k, 'fusedAttention', 'k');
  assertTensor(v, 'fusedAttention', 'v');
  const shapes = `q ${shapeStr(q.shape)}, k ${shapeStr(k.shape)}, v ${shapeStr(v.shape)}`;
  const n = q.ndim;
  if (n < 2 || k.ndim !== n || v.ndim !== n) throw new Error(`fusedAttention: q, k, v must have the same rank >= 2, got ${shapes}`);
  for (let i = 0; i < n - 2; i++) {
    if (k.shape[i] !== q.shape[i] || v.shape[i] !== q.shape[i]) {
      throw new Error(`fusedAttention: q, k, v must have the same leading dims (no broadcasting), got ${shapes}`);
    }
  }
  const [tq, d] = q.shape.slice(-2);
  const [tk, dk] = k.shape.slice(-2);
  if (dk !== d || v.shape[n - 2] !== tk) throw new Error(`fusedAttention: expected q (..., Tq, D), k (..., Tk, D), v (..., Tk, Dv), got ${shapes}`);
  if (tk < 1 || d < 1 || v.shape[n - 1] < 1) throw new Error(`fusedAttention: needs at least one key and non-empty rows, got ${shapes}`);
  if (k.dtype !== q.dtype || v.dtype !== q.dtype) throw new Error(`fusedAttention: q, k, v dtypes differ (${q.dtype}, ${k.dtype}, ${v.dtype})`);
  const causal = opts.causal ?? false;
  const kvLength = opts.kvLength ?? tk;
  if (!Number.isInteger(kvLength) || kvLength < 1 || kvLength > tk) {
    throw new Error(`fusedAttention: kvLength must be an integer in [1, ${tk}] (the rows of k and v), got ${opts.kvLength}`);
  }
  if (causal && tq > kvLength) throw new Error(`fusedAttention: causal attention needs Tq <= kvLength, got Tq ${tq}, kvLength ${kvLength}`);
  const scale = opts.scale ?? 1 / Math.sqrt(d);
  if (!Number.isFinite(scale)) throw new Error(`fusedAttention: scale must be a finite number, got ${scale}`);
  const attrs: FusedAttentionAttrs = { scale, causal, kvLength };
  const lead = q.shape.slice(0, -2);
  const [out, lse] = runMulti('FusedAttention', [q, k, v], attrs, [[...lead, tq, v.shape[n - 1]], [...lead, tq]]);
  return record(out, 'fusedAttention', [q, k, v], (dOut) =>
    runMulti('FusedAttentionGrad', [q, k, v, out, lse, dOut], attrs, [q.shape, k.shape, v.shape]),
  );
}
