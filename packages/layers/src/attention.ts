// Scaled dot-product attention, the heart of the transformer:
//
//   Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V
//
// Each query row is compared with every key row by a dot product; the scores
// are divided by sqrt(d_k) (so their spread does not grow with the head size
// and push softmax into saturation), turned into weights that sum to 1 by a
// softmax over the keys, and used to average the value rows.
//
// The code below is the readable reference: it materialises the (Tq, Tk)
// weights, as it must when they are wanted (visualisation, returnWeights) or
// changed (attention dropout, an extra mask). When they are not, the same
// output comes from @attn/tensor's fusedAttention, one kernel that never
// stores them (O(T) memory per head instead of O(T^2)); that choice is
// `useFused` below.
import { backendHasKernel, dropout, fromArray, fusedAttention, type Rng, type Tensor } from '@attn/tensor';

/**
 * The score given to blocked positions before the softmax. Finite (rather than
 * -Infinity) so that NaN checks stay quiet and a fully masked row gives
 * uniform weights instead of NaN; exp(-1e9 - max) is exactly 0 in float32 and
 * float64, so blocked weights are exactly 0.
 */
export const MASKED_SCORE = -1e9;

export interface AttentionOptions {
  /**
   * Causal (autoregressive) masking: query i may not look at keys after it.
   * When there are more keys than queries (a KV cache holds the past), the
   * queries are taken to be the last Tq positions of the Tk-long sequence.
   */
  causal?: boolean;
  /**
   * Attend to the first kvLength rows of k and v only (default: all Tk): k and
   * v may be the buffers of a key/value cache with room for more positions
   * (LayerKVCache with a capacity). Below, Tk means kvLength.
   */
  kvLength?: number;
  /** Extra mask, broadcastable to the scores (..., Tq, Tk): nonzero = blocked (e.g. padding). */
  mask?: Tensor;
  /** Dropout on the attention weights (used in training only). */
  dropout?: { p: number; rng: Rng; training: boolean };
  /**
   * Return the weights (default true). With false, `weights` is null and,
   * when nothing else needs them (no `mask`, no active dropout), the output
   * comes from fusedAttention, which never stores them.
   */
  returnWeights?: boolean;
}

export interface AttentionResult {
  /** (..., Tq, dv) */
  output: Tensor;
  /** Softmax weights (..., Tq, Tk); each row sums to 1 (before dropout). */
  weights: Tensor;
  /** The scores the softmax saw (..., Tq, Tk): Q K^T / sqrt(d_k), blocked positions at MASKED_SCORE. */
  scores: Tensor;
}

/** What scaledDotProductAttention returns with `returnWeights: false`. */
export interface AttentionOutput {
  /** (..., Tq, dv) */
  output: Tensor;
  weights: null;
  scores: null;
}

/**
 * The fused kernel computes exactly the output of the reference below when
 * the weights are neither returned, masked by an extra mask, nor dropped out,
 * and q, k, v share their leading dims (it does not broadcast them). It is
 * worth it where the backend has it: elsewhere the engine would move q, k, v
 * to the CPU for it and back.
 */
function useFused(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): boolean {
  if (opts.returnWeights !== false || opts.mask) return false;
  if (!backendHasKernel('FusedAttention', q.dtype)) return false;
  if (opts.dropout?.training && opts.dropout.p > 0) return false;
  const lead = q.ndim - 2;
  for (let i = 0; i < lead; i++) if (k.shape[i] !== q.shape[i] || v.shape[i] !== q.shape[i]) return false;
  return k.shape[lead] > 0;
}

/**
 * q: (..., Tq, dk), k: (..., Tk, dk), v: (..., Tk, dv) -> output (..., Tq, dv)
 * and weights (..., Tq, Tk). Leading dims (batch, heads) must match. With
 * `returnWeights: false` only the output, from the fused kernel when possible.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts?: AttentionOptions & { returnWeights?: true }): AttentionResult;
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions & { returnWeights: false }): AttentionOutput;
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts?: AttentionOptions): AttentionResult | AttentionOutput;
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): AttentionResult | AttentionOutput {
  if (q.ndim < 2 || k.ndim !== q.ndim || v.ndim !== q.ndim) {
    throw new Error(
      `scaledDotProductAttention: q, k, v must have the same rank >= 2, got q [${q.shape}], k [${k.shape}], v [${v.shape}]`,
    );
  }
  const dk = q.shape[q.ndim - 1];
  const Tq = q.shape[q.ndim - 2];
  const rows = k.shape[k.ndim - 2];
  if (k.shape[k.ndim - 1] !== dk || v.shape[v.ndim - 2] !== rows) {
    throw new Error(
      `scaledDotProductAttention: expected q (..., Tq, dk), k (..., Tk, dk), v (..., Tk, dv), got q [${q.shape}], k [${k.shape}], v [${v.shape}]`,
    );
  }
  const Tk = opts.kvLength ?? rows;
  if (!Number.isInteger(Tk) || Tk < 1 || Tk > rows) {
    throw new Error(`scaledDotProductAttention: kvLength must be an integer in [1, ${rows}] (the rows of k and v), got ${opts.kvLength}`);
  }
  if (opts.causal && Tq > Tk) throw new Error(`scaledDotProductAttention: causal attention needs Tq <= Tk, got Tq ${Tq}, Tk ${Tk}`);
  if (useFused(q, k, v, opts)) {
    return { output: fusedAttention(q, k, v, { causal: opts.causal, kvLength: Tk }), weights: null, scores: null }; // (..., Tq, dv)
  }
  if (Tk < rows) {
    // the reference works on exactly the keys that take part
    k = k.slice(-2, 0, Tk); // (..., Tk, dk)
    v = v.slice(-2, 0, Tk); // (..., Tk, dv)
  }
  let scores = q.matmul(k, { transB: true }).mul(1 / Math.sqrt(dk)); // (..., Tq, Tk)
  if (opts.causal) {
    scores = scores.maskedFill(causalMaskWithOffset(Tq, Tk, q.dtype), MASKED_SCORE);
  }
  if (opts.mask) scores = scores.maskedFill(opts.mask, MASKED_SCORE);
  const weights = scores.softmax(-1); // (..., Tq, Tk)
  let mixed = weights;
  if (opts.dropout?.training && opts.dropout.p > 0) {
    // Dropping whole attention links, as GPT-2's attn_pdrop; the returned weights stay undropped.
    mixed = dropout(weights, opts.dropout.p, { rng: opts.dropout.rng, training: true });
  }
  const output = mixed.matmul(v); // (..., Tq, dv)
  return opts.returnWeights === false ? { output, weights: null, scores: null } : { output, weights, scores };
}

/**
 * (Tq, Tk) mask with 1 where key j comes after query i, the queries being the
 * last Tq of Tk positions: blocked iff j > (Tk - Tq) + i. With Tq = Tk this is
 * the usual strictly-upper-triangular mask.
 */
export function causalMaskWithOffset(Tq: number, Tk: number, dtype: Tensor['dtype'] = 'float32'): Tensor {
  const offset = Tk - Tq;
  const values = new Float64Array(Tq * Tk);
  for (let i = 0; i < Tq; i++) for (let j = offset + i + 1; j < Tk; j++) values[i * Tk + j] = 1;
  return fromArray(values, [Tq, Tk], { dtype });
}

/**
 * A key-padding mask from per-sequence flags: `padding[b][j]` nonzero means key
 * j of sequence b is padding. Returns (B, 1, 1, Tk), which broadcasts over
 * heads and queries of (B, nh, Tq, Tk) scores.
 */
export function keyPaddingMask(padding: ArrayLike<number>[], dtype: Tensor['dtype'] = 'float32'): Tensor {
  const B = padding.length;
  const Tk = B > 0 ? padding[0].length : 0;
  const values = new Float64Array(B * Tk);
  padding.forEach((row, b) => {
    if (row.length !== Tk) throw new Error(`keyPaddingMask: row ${b} has length ${row.length}, expected ${Tk}`);
    for (let j = 0; j < Tk; j++) values[b * Tk + j] = row[j] ? 1 : 0;
  });
  return fromArray(values, [B, 1, 1, Tk], { dtype }); // (B, 1, 1, Tk)
}
