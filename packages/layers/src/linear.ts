// Linear: y = x W + b.
//
// Weight layout: W is stored as [in, out], so the forward pass is a plain
// x @ W with no transpose. This is the layout of GPT-2's Conv1D weights
// (attn.c_attn.weight is (C, 3C)), so Hugging Face checkpoints load as is.
// PyTorch's nn.Linear stores [out, in]; transpose those when loading.
import { linear, type Tensor } from '@attn/tensor';
import { checkPositiveInt, type InitOptions, normalInit, zerosInit } from './init.js';
import { Module } from './module.js';

export interface LinearConfig extends InitOptions {
  /** Size of the last dimension of the input. */
  inFeatures: number;
  /** Size of the last dimension of the output. */
  outFeatures: number;
  /** Whether to add a learned bias (default true). */
  bias?: boolean;
  /** Standard deviation of the normal initial weights (default 0.02, as GPT-2). */
  initStd?: number;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly hasBias: boolean;

  constructor(config: LinearConfig) {
    super();
    checkPositiveInt(config.inFeatures, 'Linear: inFeatures');
    checkPositiveInt(config.outFeatures, 'Linear: outFeatures');
    this.inFeatures = config.inFeatures;
    this.outFeatures = config.outFeatures;
    this.hasBias = config.bias ?? true;
    this.registerParameter('weight', normalInit([this.inFeatures, this.outFeatures], config.initStd ?? 0.02, config));
    if (this.hasBias) this.registerParameter('bias', zerosInit([this.outFeatures], config));
  }

  /** (in, out) */
  get weight(): Tensor {
    return this.param('weight');
  }

  /** (out), or null without bias. */
  get bias(): Tensor | null {
    return this.hasBias ? this.param('bias') : null;
  }

  /** x: (..., in) -> (..., out) */
  forward(x: Tensor): Tensor {
    const last = x.shape[x.ndim - 1];
    if (x.ndim === 0 || last !== this.inFeatures) {
      throw new Error(`Linear: expected input (..., ${this.inFeatures}), got [${x.shape.join(', ')}]`);
    }
    // x @ W + b as one op: one kernel where the backend adds the bias as it stores the product
    return linear(x, this.weight, this.bias); // (..., in) -> (..., out)
  }
}
