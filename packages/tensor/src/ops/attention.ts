// Fused scaled dot-product attention: softmax(scale * q k^T) v over the keys
// each query sees, as one kernel (FusedAttention) that never stores the
// (Tq, Tk) weights, with one backward closure (FusedAttentionGrad) that
// recomputes them from the saved per-row log-sum-exp. The materialised
// composition (matmul, maskedFill, softmax, matmul) computes the same values
// and is what @attn/layers' scaledDotProductAttention runs when the weights
// themselves are wanted.
import type { FusedAttentionAttrs, FusedSelfAttentionAttrs } from '../backend.js';
import { backendHasKernel } from '../engine.js';
import { shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, record, run, runMulti } from './op.js';
import { permute, reshape, slice } from './reshape.js';

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

export interface FusedSelfAttentionOptions {
  /** Causal masking: position t sees keys j <= t. Default false. */
  causal?: boolean;
  /** Multiplies every score (default 1 / sqrt(D), D the head width). */
  scale?: number;
}

/**
 * Multi-head self-attention from a packed projection: qkv (..., T, 3 * heads * D)
 * holds each position's queries of every head, then its keys, then its values
 * (GPT-2's c_attn output), and the result (..., T, heads * D) holds the heads'
 * outputs side by side, as merging heads does. The same values as slicing q, k
 * and v, splitting them into heads, fusedAttention and merging the heads back
 * (the composition below, which runs where the backend lacks the kernel), but
 * the FusedSelfAttention kernel reads and writes the packed layouts in place:
 * no slices, no head transposes, and backwards one dqkv instead of three
 * zero-padded slice gradients added up. Differentiable in qkv.
 */
export function fusedSelfAttention(qkv: Tensor, heads: number, opts: FusedSelfAttentionOptions = {}): Tensor {
  assertTensor(qkv, 'fusedSelfAttention', 'qkv');
  if (!Number.isInteger(heads) || heads < 1) throw new Error(`fusedSelfAttention: heads must be a positive integer, got ${heads}`);
  const n = qkv.ndim;
  const width = qkv.shape[n - 1];
  if (n < 2 || width % (3 * heads) !== 0 || width === 0 || qkv.shape[n - 2] < 1) {
    throw new Error(`fusedSelfAttention: expected qkv (..., T >= 1, 3 * heads * D) with heads = ${heads}, got ${shapeStr(qkv.shape)}`);
  }
  const d = width / (3 * heads);
  const causal = opts.causal ?? false;
  const scale = opts.scale ?? 1 / Math.sqrt(d);
  if (!Number.isFinite(scale)) throw new Error(`fusedSelfAttention: scale must be a finite number, got ${scale}`);
  if (!backendHasKernel('FusedSelfAttention', qkv.dtype)) return selfAttentionComposed(qkv, heads, causal, scale);
  const attrs: FusedSelfAttentionAttrs = { heads, scale, causal };
  const lead = qkv.shape.slice(0, -2);
  const t = qkv.shape[n - 2];
  const [out, lse] = runMulti('FusedSelfAttention', [qkv], attrs, [
    [...lead, t, heads * d],
    [...lead, heads, t],
  ]);
  return record(out, 'fusedSelfAttention', [qkv], (dOut) => [run('FusedSelfAttentionGrad', [qkv, out, lse, dOut], attrs, qkv.shape)]);
}

/** fusedSelfAttention as slices, head transposes and fusedAttention: the reference the kernel replaces. */
function selfAttentionComposed(qkv: Tensor, heads: number, causal: boolean, scale: number): Tensor {
  const n = qkv.ndim;
  const lead = qkv.shape.slice(0, -2);
  const t = qkv.shape[n - 2];
  const c = qkv.shape[n - 1] / 3;
  const d = c / heads;
  // swaps the T and heads axes of (..., T, heads, D) / (..., heads, T, D)
  const swap = [...lead.map((_, i) => i), n - 1, n - 2, n];
  const part = (i: number) => permute(reshape(slice(qkv, -1, i * c, (i + 1) * c), [...lead, t, heads, d]), swap); // (..., heads, T, D)
  const out = fusedAttention(part(0), part(1), part(2), { causal, scale }); // (..., heads, T, D)
  return reshape(permute(out, swap), [...lead, t, c]); // (..., T, heads, D) -> (..., T, C)
}
