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
    // Bias corrections folded into constants, as torch.optim.AdamW does:
    // p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    const stepSize = lr / (1 - beta1 ** t);
    const invSqrtBias2 = 1 / Math.sqrt(1 - beta2 ** t);
    for (const [name, p] of this.params) {
      if (!p.grad) continue;
      const { m, v } = this.stateFor(name, p.size);
      // Decoupled decay first (as PyTorch): p *= 1 - lr * wd, then the Adam step.
      const keep = this.decayed.has(name) ? 1 - lr * this.weightDecay : 1;
      const next = this.scratch(p.size);
      adamwUpdate(p.dataSync(), p.grad.dataSync(), m, v, next, beta1, beta2, eps, stepSize, invSqrtBias2, keep);
      p.assign(next); // copies: the scratch array is reused for the next parameter
    }
  }

  private scratchArray = new Float32Array(0);

  /** A reusable array of `size` floats for the new weights (saves allocating and zeroing one per parameter per step). */
  private scratch(size: number): Float32Array {
    if (this.scratchArray.length < size) this.scratchArray = new Float32Array(size);
    return this.scratchArray.subarray(0, size);
  }
}

/**
 * One AdamW update of a parameter: updates the moments m and v in place and
 * writes the new weights to `next`. A free function over plain arrays so V8
 * compiles one tight loop for every parameter.
 */
function adamwUpdate(
  old: ArrayLike<number>,
  g: ArrayLike<number>,
  m: Float32Array,
  v: Float32Array,
  next: Float32Array,
  beta1: number,
  beta2: number,
  eps: number,
  stepSize: number,
  invSqrtBias2: number,
  keep: number,
): void {
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = 0; i < next.length; i++) {
    const gi = g[i];
    const mi = beta1 * m[i] + a1 * gi;
    const vi = beta2 * v[i] + a2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    next[i] = old[i] * keep - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBias2 + eps);
  }
}
