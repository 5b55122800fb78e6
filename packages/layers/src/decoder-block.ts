// TransformerDecoderBlock (the decoder layer of "Attention Is All You Need"):
//   1. masked (causal) self-attention over the target sequence,
//   2. cross-attention: target positions query the encoder output (`context`),
//   3. the feed-forward MLP,
// each inside a residual connection with LayerNorm, pre- or post-norm.
// Child names follow Hugging Face GPT-2 with add_cross_attention:
// ln_1, attn, ln_cross_attn, crossattention, ln_2, mlp.
import type { Tensor } from '@attn/tensor';
import { Dropout } from './dropout.js';
import type { BlockOutput, TransformerBlockConfig } from './encoder-block.js';
import { FeedForward } from './feed-forward.js';
import { rngOf } from './init.js';
import type { LayerKVCache } from './kv-cache.js';
import { LayerNorm } from './layer-norm.js';
import { Module } from './module.js';
import { MultiHeadAttention } from './multi-head-attention.js';
import { checkPlacement, type NormPlacement, residual } from './residual.js';

export type DecoderBlockConfig = TransformerBlockConfig;

export interface DecoderBlockOptions {
  /** Encoder output (B, S, C) that cross-attention reads; may be omitted when crossCache is already filled. */
  context?: Tensor;
  /** Mask for self-attention, broadcastable to (B, nh, T, Tk), nonzero = blocked (added to the causal mask). */
  mask?: Tensor;
  /** Mask for cross-attention, broadcastable to (B, nh, T, S), e.g. keyPaddingMask() of the source. */
  contextMask?: Tensor;
  /** KV cache of the self-attention (incremental decoding). */
  cache?: LayerKVCache;
  /** Cache of the projected context for cross-attention (filled on the first call, reused after). */
  crossCache?: LayerKVCache;
}

export interface DecoderBlockOutput extends BlockOutput {
  /** Cross-attention weights (B, nh, T, S). */
  crossWeights: Tensor;
}

export class TransformerDecoderBlock extends Module {
  readonly norm: NormPlacement;
  readonly ln_1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly ln_cross_attn: LayerNorm;
  readonly crossattention: MultiHeadAttention;
  readonly ln_2: LayerNorm;
  readonly mlp: FeedForward;
  /** Residual dropout (no parameters). */
  private readonly drop: Dropout;

  constructor(config: DecoderBlockConfig) {
    super();
    this.norm = checkPlacement(config.norm ?? 'pre', 'TransformerDecoderBlock');
    const C = config.dModel;
    const attnConfig = {
      dtype: config.dtype,
      rng: config.rng,
      init: config.init,
      dModel: C,
      nHead: config.nHead,
      bias: config.bias,
      attnDropout: config.attnDropout,
      projInitStd: config.projInitStd,
    };
    const ln = () => new LayerNorm({ dim: C, eps: config.eps, dtype: config.dtype, bias: config.bias });
    this.ln_1 = this.registerModule('ln_1', ln());
    this.attn = this.registerModule('attn', new MultiHeadAttention({ ...attnConfig, causal: true }));
    this.ln_cross_attn = this.registerModule('ln_cross_attn', ln());
    this.crossattention = this.registerModule(
      'crossattention',
      new MultiHeadAttention({ ...attnConfig, crossAttention: true }),
    );
    this.ln_2 = this.registerModule('ln_2', ln());
    this.mlp = this.registerModule(
      'mlp',
      new FeedForward({
        dtype: config.dtype,
        rng: config.rng,
        init: config.init,
        dModel: C,
        hidden: config.dFF,
        bias: config.bias,
        activation: config.activation,
        projInitStd: config.projInitStd,
      }),
    );
    this.drop = this.registerModule('drop', new Dropout({ p: config.dropout ?? 0, rng: rngOf(config) }));
  }

  /** x: (B, T, C), opts.context: (B, S, C) -> (B, T, C) */
  forward(x: Tensor, opts: DecoderBlockOptions): Tensor {
    return this.run(x, opts, false).output;
  }

  /** forward() that also returns self- and cross-attention weights, for visualisation. */
  forwardWithWeights(x: Tensor, opts: DecoderBlockOptions): DecoderBlockOutput {
    return this.run(x, opts, true) as DecoderBlockOutput;
  }

  private run(
    x: Tensor,
    opts: DecoderBlockOptions,
    returnWeights: boolean,
  ): { output: Tensor; weights: Tensor | null; crossWeights: Tensor | null } {
    let weights: Tensor | null = null;
    let crossWeights: Tensor | null = null;
    x = this.hookPoint('hook_resid_pre', x); // (B, T, C)
    x = residual(x, this.ln_1, this.drop, this.norm, (h) => {
      const a = this.attn.forward(h, { mask: opts.mask, cache: opts.cache, returnWeights });
      weights = a.weights;
      return this.hookPoint('hook_attn_out', a.output); // (B, T, C)
    });
    x = this.hookPoint('hook_resid_mid', x); // (B, T, C)
    x = residual(x, this.ln_cross_attn, this.drop, this.norm, (h) => {
      const a = this.crossattention.forward(h, {
        context: opts.context,
        mask: opts.contextMask,
        cache: opts.crossCache,
        returnWeights,
      });
      crossWeights = a.weights;
      return this.hookPoint('hook_cross_attn_out', a.output); // (B, T, C)
    });
    x = this.hookPoint('hook_resid_mid_cross', x); // (B, T, C)
    x = residual(x, this.ln_2, this.drop, this.norm, (h) => this.hookPoint('hook_mlp_out', this.mlp.forward(h)));
    return { output: this.hookPoint('hook_resid_post', x), weights, crossWeights };
  }
}
