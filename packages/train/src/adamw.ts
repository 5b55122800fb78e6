// AdamW (Loshchilov & Hutter): Adam with weight decay applied to the weights
// directly (p -= lr * wd * p) instead of being added to the gradient, so the
// decay is not rescaled by Adam's per-coordinate step sizes. Same update as
// torch.optim.AdamW.
import type { Tensor } from '@attn/tensor';
import { checkRate, Optimizer } from './optimizer.js';
import { defaultDecays, type NamedParameter } from './param-groups.js';

export interface AdamWConfig {
  /** Exponential decay rates of the first and second moment averages. Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Added to sqrt(v) so the step stays bounded where gradients are ~0. Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay for parameters that decay. Default 0.01 (PyTorch's default). */
  weightDecay?: number;
  /** Which parameters get weight decay. Default: matrices that are not embeddings or norms. */
  decays?: (name: string, param: Tensor) => boolean;
}

export class AdamW extends Optimizer {
  protected readonly stateKeys = ['m', 'v'] as const;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Names of the parameters that get weight decay. */
  readonly decayed: ReadonlySet<string>;

  constructor(params: readonly NamedParameter[] | readonly Tensor[], config: AdamWConfig = {}) {
    super(params);
    const [beta1, beta2] = config.betas ?? [0.9, 0.999];
    for (const [label, b] of [['betas[0]', beta1], ['betas[1]', beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`AdamW: ${label} must be in [0, 1), got ${b}`);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = config.eps ?? 1e-8;
    this.weightDecay = config.weightDecay ?? 0.01;
    if (!(this.eps > 0)) throw new Error(`AdamW: eps must be positive, got ${this.eps}`);
    if (!(this.weightDecay >= 0)) throw new Error(`AdamW: weightDecay must be non-negative, got ${this.weightDecay}`);
    const decays = config.decays ?? defaultDecays;
    this.decayed = new Set(this.params.filter(([name, p]) => decays(name, p)).map(([name]) => name));
  }

  step(lr: number): void {
    checkRate('AdamW', lr);
    this.stepCount++;
    const t = this.stepCount;
    const { beta1, beta2, eps } = this;
    const bias1 = 1 - beta1 ** t;
    const bias2 = 1 - beta2 ** t;
    for (const [name, p] of this.params) {
      if (!p.grad) continue;
      const g = p.grad.dataSync();
      const { m, v } = this.stateFor(name, p.size);
      const decay = this.decayed.has(name) ? lr * this.weightDecay : 0;
      const old = p.dataSync(); // read-only view on the CPU
      const next = new Float32Array(p.size);
      for (let i = 0; i < next.length; i++) {
        const gi = g[i];
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        const mHat = m[i] / bias1;
        const vHat = v[i] / bias2;
        // Decoupled decay first (as PyTorch), then the Adam step.
        next[i] = old[i] * (1 - decay) - (lr * mHat) / (Math.sqrt(vHat) + eps);
      }
      p.assign(next);
    }
  }
}
