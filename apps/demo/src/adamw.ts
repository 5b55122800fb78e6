// A minimal AdamW (Loshchilov & Hutter), used until @attn/train ships its optimizer.
// Works on the CPU backend's Float32 storage and writes back with Tensor.assign().
import type { Tensor } from '@attn/tensor';

export interface AdamWConfig {
  /** Step size. */
  lr: number;
  /** Decay of the running mean of gradients. */
  beta1: number;
  /** Decay of the running mean of squared gradients. */
  beta2: number;
  /** Added to the denominator so tiny second moments don't blow the step up. */
  eps: number;
  /** Decoupled weight decay, applied to matrices only (not biases / LayerNorm gains). */
  weightDecay: number;
}

export class AdamW {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;

  constructor(
    private readonly params: Tensor[],
    private readonly config: AdamWConfig,
  ) {
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }

  /** One update from the gradients currently stored on the parameters. */
  step(): void {
    const { lr, beta1, beta2, eps, weightDecay } = this.config;
    this.t++;
    const c1 = 1 - beta1 ** this.t; // bias corrections for the zero-initialised moments
    const c2 = 1 - beta2 ** this.t;
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      const g = p.grad.dataSync();
      const w = Float32Array.from(p.dataSync());
      const m = this.m[i];
      const v = this.v[i];
      const decay = p.ndim >= 2 ? weightDecay : 0;
      for (let j = 0; j < w.length; j++) {
        m[j] = beta1 * m[j] + (1 - beta1) * g[j];
        v[j] = beta2 * v[j] + (1 - beta2) * g[j] * g[j];
        w[j] -= lr * (m[j] / c1 / (Math.sqrt(v[j] / c2) + eps) + decay * w[j]);
      }
      p.assign(w);
    });
  }
}
