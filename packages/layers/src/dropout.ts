// Dropout: while training, zero each value with probability p and scale the
// rest by 1/(1-p) so the expected value is unchanged; in eval mode, identity.
import { dropout, Rng, type Tensor } from '@attn/tensor';
import { Module } from './module.js';

export interface DropoutConfig {
  /** Probability of zeroing each value, in [0, 1). 0 turns dropout off. */
  p: number;
  /** Random source for the masks (default: a fixed-seed Rng for reproducibility). */
  rng?: Rng;
}

export class Dropout extends Module {
  readonly p: number;
  private readonly rng: Rng;

  constructor(config: DropoutConfig) {
    super();
    if (!(config.p >= 0 && config.p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${config.p}`);
    this.p = config.p;
    this.rng = config.rng ?? new Rng(0);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, { rng: this.rng, training: true });
  }
}
