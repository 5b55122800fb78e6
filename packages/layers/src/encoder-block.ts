// TransformerEncoderBlock: self-attention then a feed-forward MLP, each wrapped
// in a residual connection with LayerNorm (pre- or post-norm). With
// causal: true and pre-norm this is exactly a GPT-2 block (child names ln_1,
// attn, ln_2, mlp match Hugging Face's h.<i>.*).
import type { Tensor } from '@attn/tensor';
import { Dropout } from './dropout.js';
import { FeedForward } from './feed-forward.js';
import { type InitOptions, rngOf } from './init.js';
import type { LayerKVCache } from './kv-cache.js';
import { LayerNorm } from './layer-norm.js';
import { Module } from './module.js';
import { MultiHeadAttention } from './multi-head-attention.js';
import { checkPlacement, type NormPlacement, residual } from './residual.js';

export interface TransformerBlockConfig extends InitOptions {
  /** Model width C. */
  dModel: number;
  /** Attention heads (C must be divisible by it). */
  nHead: number;
  /** Hidden width of the feed-forward MLP (default 4 * dModel). */
  dFF?: number;
  /** 'pre' (GPT-2, default) or 'post' (original paper) LayerNorm placement. */
  norm?: NormPlacement;
  /** Dropout on each sublayer output before the residual add (default 0). */
  dropout?: number;
  /** Dropout on the attention weights (default 0). */
  attnDropout?: number;
  /** LayerNorm epsilon (default 1e-5). */
  eps?: number;
  /** Biases on every Linear and LayerNorm (default true; nanoGPT's bias=false turns them all off). */
  bias?: boolean;
  /** Std of the initial output projections c_proj (default 0.02). */
  projInitStd?: number;
  /** GELU flavour of the MLP: 'tanh' (default, GPT-2) or 'none' (exact erf form, BERT / PyTorch). */
  activation?: 'tanh' | 'none';
}

export interface EncoderBlockConfig extends TransformerBlockConfig {
  /** Causal self-attention (default false: an encoder sees the whole sequence; true gives a GPT block). */
  causal?: boolean;
}

export interface EncoderBlockOptions {
  /** Broadcastable to (B, nh, T, Tk), nonzero = blocked (e.g. keyPaddingMask()). */
  mask?: Tensor;
  /** KV cache of this block's self-attention (incremental decoding with causal blocks). */
  cache?: LayerKVCache;
}

export interface BlockOutput {
  /** (B, T, C) */
  output: Tensor;
  /** Self-attention weights (B, nh, T, Tk). */
  weights: Tensor;
}

export class TransformerEncoderBlock extends Module {
  readonly norm: NormPlacement;
  readonly ln_1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly ln_2: LayerNorm;
  readonly mlp: FeedForward;
  /** Residual dropout (no parameters). */
  private readonly drop: Dropout;

  constructor(config: EncoderBlockConfig) {
    super();
    this.norm = checkPlacement(config.norm ?? 'pre', 'TransformerEncoderBlock');
    const init = { dtype: config.dtype, rng: config.rng, init: config.init };
    const C = config.dModel;
    this.ln_1 = this.registerModule('ln_1', new LayerNorm({ dim: C, eps: config.eps, dtype: config.dtype, bias: config.bias }));
    this.attn = this.registerModule(
      'attn',
      new MultiHeadAttention({
        ...init,
        dModel: C,
        nHead: config.nHead,
        causal: config.causal ?? false,
        bias: config.bias,
        attnDropout: config.attnDropout,
        projInitStd: config.projInitStd,
      }),
    );
    this.ln_2 = this.registerModule('ln_2', new LayerNorm({ dim: C, eps: config.eps, dtype: config.dtype, bias: config.bias }));
    this.mlp = this.registerModule(
      'mlp',
      new FeedForward({
        ...init,
        dModel: C,
        hidden: config.dFF,
        bias: config.bias,
        activation: config.activation,
        projInitStd: config.projInitStd,
      }),
    );
    this.drop = this.registerModule('drop', new Dropout({ p: config.dropout ?? 0, rng: rngOf(config) }));
  }

  /** x: (B, T, C) -> (B, T, C) */
  forward(x: Tensor, opts: EncoderBlockOptions = {}): Tensor {
    return this.run(x, opts, false).output;
  }

  /** forward() that also returns the self-attention weights (B, nh, T, Tk), for visualisation. */
  forwardWithWeights(x: Tensor, opts: EncoderBlockOptions = {}): BlockOutput {
    return this.run(x, opts, true) as BlockOutput;
  }

  private run(x: Tensor, opts: EncoderBlockOptions, returnWeights: boolean): { output: Tensor; weights: Tensor | null } {
    let weights: Tensor | null = null;
    x = this.hookPoint('hook_resid_pre', x); // (B, T, C)
    x = residual(x, this.ln_1, this.drop, this.norm, (h) => {
      const a = this.attn.forward(h, { mask: opts.mask, cache: opts.cache, returnWeights });
      weights = a.weights;
      return this.hookPoint('hook_attn_out', a.output); // (B, T, C)
    });
    x = this.hookPoint('hook_resid_mid', x); // (B, T, C)
    x = residual(x, this.ln_2, this.drop, this.norm, (h) => this.hookPoint('hook_mlp_out', this.mlp.forward(h)));
    return { output: this.hookPoint('hook_resid_post', x), weights };
  }
}
