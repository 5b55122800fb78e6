// AdamW (Loshchilov & Hutter): Adam with weight decay applied to the weights
// directly (p -= lr * wd * p) instead of being added to the gradient, so the
// decay is not rescaled by Adam's per-coordinate step sizes. Same update as
// torch.optim.AdamW.
import { adamwUpdateGroup, keep, noGrad, type Tensor, zeros } from '@attn/tensor';
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
  protected readonly stateKeys = ['exp_avg', 'exp_avg_sq'] as const;
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

  /** The moments m and v of each parameter, as tensors on the parameter's backend (the update runs there). */
  private readonly moments = new Map<string, { m: Tensor; v: Tensor }>();

  step(lr: number): void {
    checkRate('AdamW', lr);
    this.stepCount++;
    const t = this.stepCount;
    const { beta1, beta2, eps } = this;
    // Bias corrections folded into constants, as torch.optim.AdamW does:
    // p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    const stepSize = lr / (1 - beta1 ** t);
    const invSqrtBias2 = 1 / Math.sqrt(1 - beta2 ** t);
    noGrad(() => {
      const updated = this.params.filter(([, p]) => p.grad);
      const states = updated.map(([name, p]) => this.momentsFor(name, p));
      // Decoupled decay (as PyTorch): p *= 1 - lr * wd, then the Adam step; one fused kernel for
      // all parameters where the backend has it (adamwUpdateGroup), else one per parameter.
      const members = updated.map(([name, p], i) => ({
        param: p,
        grad: p.grad!,
        m: states[i].m,
        v: states[i].v,
        keep: this.decayed.has(name) ? 1 - lr * this.weightDecay : 1,
      }));
      const results = adamwUpdateGroup(members, { beta1, beta2, eps, stepSize, invSqrtBias2 });
      updated.forEach(([, p], i) => {
        const [next, m, v] = results[i];
        const state = states[i];
        p.assign(next);
        next.dispose();
        state.m.dispose();
        state.v.dispose();
        // The moments outlive the tidy() a training step runs in.
        state.m = keep(m);
        state.v = keep(v);
      });
    });
  }

  private momentsFor(name: string, p: Tensor): { m: Tensor; v: Tensor } {
    let state = this.moments.get(name);
    if (!state) {
      state = { m: keep(zeros(p.shape, { dtype: p.dtype })), v: keep(zeros(p.shape, { dtype: p.dtype })) };
      this.moments.set(name, state);
    }
    return state;
  }

  /** The moments made so far (made lazily at a parameter's first update, or by loadStateDict). */
  override stateTensors(): Tensor[] {
    return [...this.moments.values()].flatMap(({ m, v }) => [m, v]);
  }

  /** m and v of every parameter as `exp_avg.<name>` / `exp_avg_sq.<name>` (PyTorch's AdamW state names; copies), for checkpoints. */
  override stateDict(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, p] of this.params) {
      const { m, v } = this.momentsFor(name, p);
      out.set(`exp_avg.${name}`, Float32Array.from(m.dataSync()));
      out.set(`exp_avg_sq.${name}`, Float32Array.from(v.dataSync()));
    }
    return out;
  }

  /** Restores what stateDict() wrote; every key must be present with the right size (checked before anything changes). */
  override loadStateDict(dict: ReadonlyMap<string, ArrayLike<number>>, stepCount: number): void {
    for (const [name, p] of this.params) {
      for (const key of this.stateKeys) {
        const values = dict.get(`${key}.${name}`);
        if (!values) throw new Error(`AdamW.loadStateDict: missing state "${key}.${name}"`);
        if (values.length !== p.size) {
          throw new Error(`AdamW.loadStateDict: state "${key}.${name}" has ${values.length} values, parameter has ${p.size}`);
        }
      }
    }
    for (const [name, p] of this.params) {
      const state = this.momentsFor(name, p);
      state.m.assign(dict.get(`exp_avg.${name}`)!);
      state.v.assign(dict.get(`exp_avg_sq.${name}`)!);
    }
    this.stepCount = stepCount;
  }
}
