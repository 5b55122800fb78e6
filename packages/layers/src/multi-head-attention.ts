// Multi-head attention: the model width C is cut into nHead slices of size
// hs = C / nHead; each slice (head) runs scaled dot-product attention on its
// own, so different heads can attend to different things, and the heads'
// outputs are put side by side again and mixed by an output projection.
//
// Self-attention uses one fused projection c_attn: (C, 3C) giving q, k, v
// (GPT-2's attn.c_attn). Cross-attention takes queries from x and keys and
// values from another sequence (`context`, e.g. the encoder output), so it
// has q_attn: (C, C) and c_attn: (C, 2C) (the names of Hugging Face's GPT-2
// cross-attention). Both end with c_proj: (C, C).
import { backendHasKernel, fusedSelfAttention, type Rng, type Tensor } from '@attn/tensor';
import { scaledDotProductAttention } from './attention.js';
import { checkPositiveInt, type InitOptions, rngOf } from './init.js';
import type { LayerKVCache } from './kv-cache.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

export interface MultiHeadAttentionConfig extends InitOptions {
  /** Model width C; must be divisible by nHead. */
  dModel: number;
  /** Number of heads; each head has size C / nHead. */
  nHead: number;
  /** Queries from x, keys/values from a separate `context` sequence (default false: self-attention). */
  crossAttention?: boolean;
  /** Mask future positions by default (decoder self-attention). Can be overridden per call. Default false. */
  causal?: boolean;
  /** Biases on the projections (default true). */
  bias?: boolean;
  /** Dropout probability on the attention weights while training (default 0). */
  attnDropout?: number;
  /** Std of the initial output-projection weights (default 0.02; GPT-2 uses 0.02 / sqrt(2 * nLayer)). */
  projInitStd?: number;
}

export interface MultiHeadAttentionOptions {
  /** Cross-attention only: the sequence keys and values come from, (B, S, C). */
  context?: Tensor;
  /** Overrides config.causal for this call. */
  causal?: boolean;
  /** Broadcastable to (B, nh, Tq, Tk), nonzero = blocked; see keyPaddingMask(). */
  mask?: Tensor;
  /**
   * Incremental decoding: past keys/values of this layer. New keys/values are
   * appended and the queries attend over all of them. For cross-attention the
   * projected context is computed once and reused.
   */
  cache?: LayerKVCache;
  /** Also return the per-head attention weights (B, nh, Tq, Tk), e.g. for visualisation. Default false. */
  returnWeights?: boolean;
}

export interface MultiHeadAttentionOutput {
  /** (B, T, C) */
  output: Tensor;
  /** (B, nh, Tq, Tk) when returnWeights was set, otherwise null. */
  weights: Tensor | null;
}

export class MultiHeadAttention extends Module {
  readonly dModel: number;
  readonly nHead: number;
  readonly headSize: number;
  readonly crossAttention: boolean;
  readonly causal: boolean;
  readonly attnDropout: number;
  /** Self: x -> [q | k | v] (C, 3C). Cross: context -> [k | v] (C, 2C). */
  readonly c_attn: Linear;
  /** Cross-attention only: x -> q (C, C). */
  readonly q_attn: Linear | null;
  /** Heads side by side -> output (C, C). */
  readonly c_proj: Linear;
  private readonly rng: Rng;

  constructor(config: MultiHeadAttentionConfig) {
    super();
    checkPositiveInt(config.dModel, 'MultiHeadAttention: dModel');
    checkPositiveInt(config.nHead, 'MultiHeadAttention: nHead');
    if (config.dModel % config.nHead !== 0) {
      throw new Error(`MultiHeadAttention: dModel ${config.dModel} is not divisible by nHead ${config.nHead}`);
    }
    this.dModel = config.dModel;
    this.nHead = config.nHead;
    this.headSize = config.dModel / config.nHead;
    this.crossAttention = config.crossAttention ?? false;
    this.causal = config.causal ?? false;
    this.attnDropout = config.attnDropout ?? 0;
    this.rng = rngOf(config);
    const C = config.dModel;
    const common = { dtype: config.dtype, rng: config.rng, init: config.init, bias: config.bias };
    if (this.crossAttention) {
      this.q_attn = this.registerModule('q_attn', new Linear({ ...common, inFeatures: C, outFeatures: C }));
      this.c_attn = this.registerModule('c_attn', new Linear({ ...common, inFeatures: C, outFeatures: 2 * C }));
    } else {
      this.q_attn = null;
      this.c_attn = this.registerModule('c_attn', new Linear({ ...common, inFeatures: C, outFeatures: 3 * C }));
    }
    this.c_proj = this.registerModule(
      'c_proj',
      new Linear({ ...common, inFeatures: C, outFeatures: C, initStd: config.projInitStd }),
    );
  }

  /** x: (B, T, C) -> output (B, T, C) (and weights (B, nh, T, Tk) on request). */
  forward(x: Tensor, opts: MultiHeadAttentionOptions = {}): MultiHeadAttentionOutput {
    this.checkInput('x', x);
    const C = this.dModel;
    const [B, T] = x.shape;
    let q: Tensor;
    let k: Tensor;
    let v: Tensor;
    // Keys that take part: all rows of k and v, or the first kvLength rows of a cache's buffers.
    let kvLength: number | undefined;
    if (this.crossAttention) {
      q = this.splitHeads(this.q_attn!.forward(x)); // (B, nh, T, hs)
      if (opts.cache && opts.cache.length > 0) {
        // The context does not change while decoding: reuse its projection.
        k = opts.cache.key!;
        v = opts.cache.value!;
        kvLength = opts.cache.length;
      } else {
        if (!opts.context) throw new Error('MultiHeadAttention: cross-attention needs opts.context (B, S, C)');
        this.checkInput('context', opts.context);
        if (opts.context.shape[0] !== B) {
          throw new Error(`MultiHeadAttention: context batch ${opts.context.shape[0]} differs from x batch ${B}`);
        }
        const kv = this.c_attn.forward(opts.context); // (B, S, 2C)
        k = this.splitHeads(kv.slice(2, 0, C)); // (B, nh, S, hs)
        v = this.splitHeads(kv.slice(2, C, 2 * C)); // (B, nh, S, hs)
        if (opts.cache) ({ key: k, value: v, length: kvLength } = opts.cache.append(k, v));
      }
    } else {
      if (opts.context) throw new Error('MultiHeadAttention: context given to a self-attention layer (set crossAttention)');
      const qkv = this.c_attn.forward(x); // (B, T, 3C)
      if (this.packedPathApplies(opts, qkv.dtype)) {
        // the heads read from qkv and written side by side in place: (B, T, 3C) -> (B, T, C)
        return { output: this.c_proj.forward(fusedSelfAttention(qkv, this.nHead, { causal: opts.causal ?? this.causal })), weights: null };
      }
      q = this.splitHeads(qkv.slice(2, 0, C)); // (B, nh, T, hs)
      k = this.splitHeads(qkv.slice(2, C, 2 * C)); // (B, nh, T, hs)
      v = this.splitHeads(qkv.slice(2, 2 * C, 3 * C)); // (B, nh, T, hs)
      if (opts.cache) ({ key: k, value: v, length: kvLength } = opts.cache.append(k, v)); // (B, nh, Tpast + T, hs), or a buffer's rows
    }
    if (kvLength !== undefined && kvLength < k.shape[2] && (this.hookWanted('hook_k') || this.hookWanted('hook_v'))) {
      // hooks see the keys and values that take part, not a cache buffer's spare rows
      k = k.slice(2, 0, kvLength); // (B, nh, Tk, hs)
      v = v.slice(2, 0, kvLength); // (B, nh, Tk, hs)
    }
    q = this.hookPoint('hook_q', q); // (B, nh, T, hs)
    k = this.hookPoint('hook_k', k); // (B, nh, Tk, hs)
    v = this.hookPoint('hook_v', v); // (B, nh, Tk, hs)
    // The weights are materialised only when someone wants them: the caller, or a hook on the
    // scores or pattern. Otherwise the fused kernel runs and no (T, Tk) matrix is ever stored.
    const wantWeights = (opts.returnWeights ?? false) || this.hookWanted('hook_pattern') || this.hookWanted('hook_attn_scores');
    const attn = scaledDotProductAttention(q, k, v, {
      causal: opts.causal ?? this.causal,
      kvLength: kvLength !== undefined && kvLength < k.shape[2] ? kvLength : undefined,
      mask: opts.mask,
      dropout: { p: this.attnDropout, rng: this.rng, training: this.training },
      returnWeights: wantWeights,
    });
    if (attn.weights && attn.scores) {
      this.hookObserve('hook_attn_scores', attn.scores); // (B, nh, T, Tk): the softmax already ran
      this.hookObserve('hook_pattern', attn.weights); // (B, nh, T, Tk): each row sums to 1
    }
    const z = this.hookPoint('hook_z', attn.output); // (B, nh, T, hs): each head's weighted sum of values
    const merged = z.transpose(1, 2).reshape([B, T, C]); // (B, nh, T, hs) -> (B, T, nh, hs) -> (B, T, C)
    return { output: this.c_proj.forward(merged), weights: opts.returnWeights ? attn.weights : null };
  }

  /**
   * Whether self-attention can run as one fusedSelfAttention on the packed qkv
   * (the same values as the path below with the fused kernel, without slicing
   * q, k, v or transposing heads): nothing asks for the weights or for a
   * per-head activation (hook_q/k/v/z, the scores or pattern), no extra mask,
   * no cache, no attention dropout at work, and the backend runs fused
   * attention itself (where it lacks FusedSelfAttention, fusedSelfAttention
   * composes FusedAttention with the slices and transposes of the path below).
   * The path below is the readable reference, and the one that runs whenever
   * any of these is wanted.
   */
  private packedPathApplies(opts: MultiHeadAttentionOptions, dtype: Tensor['dtype']): boolean {
    if (opts.returnWeights || opts.mask || opts.cache || !backendHasKernel('FusedAttention', dtype)) return false;
    if (this.training && this.attnDropout > 0) return false;
    return !['hook_q', 'hook_k', 'hook_v', 'hook_z', 'hook_pattern', 'hook_attn_scores'].some((name) => this.hookWanted(name));
  }

  /** (B, T, C) -> (B, nh, T, hs): head h is the slice [h*hs, (h+1)*hs) of the width. */
  private splitHeads(t: Tensor): Tensor {
    const [B, T] = t.shape;
    return t.reshape([B, T, this.nHead, this.headSize]).transpose(1, 2); // (B, T, nh, hs) -> (B, nh, T, hs)
  }

  private checkInput(name: string, t: Tensor): void {
    if (t.ndim !== 3 || t.shape[2] !== this.dModel) {
      throw new Error(`MultiHeadAttention: expected ${name} (B, T, ${this.dModel}), got [${t.shape.join(', ')}]`);
    }
  }
}
