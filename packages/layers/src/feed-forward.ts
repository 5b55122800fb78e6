// FeedForward: the position-wise MLP of a transformer block. Each position is
// expanded to 4x the width, passed through GELU and projected back. Child
// names follow GPT-2 (mlp.c_fc, mlp.c_proj) so checkpoints map one to one.
import type { Tensor } from '@attn/tensor';
import { GELU } from './gelu.js';
import type { InitOptions } from './init.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

export interface FeedForwardConfig extends InitOptions {
  /** Model width C (input and output size). */
  dModel: number;
  /** Hidden width (default 4 * dModel). */
  hidden?: number;
  /** Whether the two Linear layers have biases (default true). */
  bias?: boolean;
  /** GELU flavour (default 'tanh', as GPT-2). */
  activation?: 'tanh' | 'none';
  /** Std of the normal initial weights of c_proj (default 0.02; GPT-2 scales it by 1/sqrt(2 * nLayer)). */
  projInitStd?: number;
}

export class FeedForward extends Module {
  readonly c_fc: Linear;
  readonly act: GELU;
  readonly c_proj: Linear;

  constructor(config: FeedForwardConfig) {
    super();
    const hidden = config.hidden ?? 4 * config.dModel;
    const common = { dtype: config.dtype, rng: config.rng, init: config.init, bias: config.bias };
    this.c_fc = this.registerModule('c_fc', new Linear({ ...common, inFeatures: config.dModel, outFeatures: hidden }));
    this.act = this.registerModule('act', new GELU({ approximate: config.activation }));
    this.c_proj = this.registerModule(
      'c_proj',
      new Linear({ ...common, inFeatures: hidden, outFeatures: config.dModel, initStd: config.projInitStd }),
    );
  }

  /** x: (..., C) -> (..., C) */
  forward(x: Tensor): Tensor {
    const pre = this.hookPoint('hook_pre', this.c_fc.forward(x)); // (..., hidden)
    const post = this.hookPoint('hook_post', this.act.forward(pre)); // (..., hidden)
    return this.c_proj.forward(post);
  }
}
