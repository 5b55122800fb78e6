// GELU: x * Phi(x), the smooth ReLU used by GPT-2 and BERT. GPT-2 uses the
// tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
import type { Tensor } from '@attn/tensor';
import { Module } from './module.js';

export interface GELUConfig {
  /** 'tanh' (default, GPT-2's approximation) or 'none' (exact, with erf). */
  approximate?: 'tanh' | 'none';
}

export class GELU extends Module {
  readonly approximate: 'tanh' | 'none';

  constructor(config: GELUConfig = {}) {
    super();
    this.approximate = config.approximate ?? 'tanh';
  }

  forward(x: Tensor): Tensor {
    return x.gelu(this.approximate);
  }
}
