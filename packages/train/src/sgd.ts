// Stochastic gradient descent with (heavy-ball) momentum, as torch.optim.SGD:
// buf = momentum * buf + g (buf = g on the first step), p -= lr * buf.
import type { Tensor } from '@attn/tensor';
import { checkRate, Optimizer } from './optimizer.js';
import type { NamedParameter } from './param-groups.js';

export interface SGDConfig {
  /** Momentum factor in [0, 1); 0 is plain SGD. Default 0. */
  momentum?: number;
  /** L2 penalty added to the gradient (coupled, as PyTorch's SGD). Default 0. */
  weightDecay?: number;
}

export class SGD extends Optimizer {
  protected readonly stateKeys = ['momentum'] as const;
  readonly momentum: number;
  readonly weightDecay: number;

  constructor(params: readonly NamedParameter[] | readonly Tensor[], config: SGDConfig = {}) {
    super(params);
    this.momentum = config.momentum ?? 0;
    this.weightDecay = config.weightDecay ?? 0;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new Error(`SGD: momentum must be in [0, 1), got ${this.momentum}`);
    if (!(this.weightDecay >= 0)) throw new Error(`SGD: weightDecay must be non-negative, got ${this.weightDecay}`);
  }

  step(lr: number): void {
    checkRate('SGD', lr);
    const first = this.stepCount === 0;
    this.stepCount++;
    for (const [name, p] of this.params) {
      if (!p.grad) continue;
      const g = p.grad.dataSync();
      const old = p.dataSync();
      const { momentum: buf } = this.stateFor(name, p.size);
      const next = new Float32Array(p.size);
      for (let i = 0; i < next.length; i++) {
        const gi = g[i] + this.weightDecay * old[i];
        const d = this.momentum > 0 ? (buf[i] = first ? gi : this.momentum * buf[i] + gi) : gi;
        next[i] = old[i] - lr * d;
      }
      p.assign(next);
    }
  }
}
