// LayerNorm: normalise each vector over its last dimension to zero mean and
// unit variance, then scale and shift with learned weight and bias.
import { layerNorm, ones, type Tensor, zeros } from '@attn/tensor';
import { checkPositiveInt, type InitOptions } from './init.js';
import { Module } from './module.js';

export interface LayerNormConfig extends Pick<InitOptions, 'dtype'> {
  /** Size of the normalised last dimension. */
  dim: number;
  /** Added to the variance before the square root (default 1e-5, as GPT-2 and PyTorch). */
  eps?: number;
  /** Learn a bias (shift) as well as the weight (scale); default true. nanoGPT's bias=false drops it. */
  bias?: boolean;
}

export class LayerNorm extends Module {
  readonly dim: number;
  readonly eps: number;
  readonly hasBias: boolean;

  constructor(config: LayerNormConfig) {
    super();
    checkPositiveInt(config.dim, 'LayerNorm: dim');
    this.dim = config.dim;
    this.eps = config.eps ?? 1e-5;
    this.hasBias = config.bias ?? true;
    const dtype = config.dtype ?? 'float32';
    this.registerParameter('weight', ones([this.dim], { dtype, requiresGrad: true }));
    if (this.hasBias) this.registerParameter('bias', zeros([this.dim], { dtype, requiresGrad: true }));
  }

  /** x: (..., dim) -> (..., dim) */
  forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.dim) {
      throw new Error(`LayerNorm: expected input (..., ${this.dim}), got [${x.shape.join(', ')}]`);
    }
    return this.hookPoint('hook_normalized', layerNorm(x, this.param('weight'), this.hasBias ? this.param('bias') : undefined, this.eps));
  }
}
