// Embedding: a lookup table from integer ids to learned vectors. The gradient
// of a row is the sum of the gradients of every position that used it.
import { embedding, type Tensor } from '@attn/tensor';
import { checkPositiveInt, type InitOptions, normalInit } from './init.js';
import { Module } from './module.js';

export interface EmbeddingConfig extends InitOptions {
  /** Number of rows (vocabulary size, or maximum sequence length for positions). */
  numEmbeddings: number;
  /** Length of each vector (the model width C). */
  embeddingDim: number;
  /** Standard deviation of the normal initial values (default 0.02, as GPT-2). */
  initStd?: number;
}

export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;

  constructor(config: EmbeddingConfig) {
    super();
    checkPositiveInt(config.numEmbeddings, 'Embedding: numEmbeddings');
    checkPositiveInt(config.embeddingDim, 'Embedding: embeddingDim');
    this.numEmbeddings = config.numEmbeddings;
    this.embeddingDim = config.embeddingDim;
    this.registerParameter('weight', normalInit([this.numEmbeddings, this.embeddingDim], config.initStd ?? 0.02, config));
  }

  /** (V, C) */
  get weight(): Tensor {
    return this.param('weight');
  }

  /**
   * ids: integers in [0, numEmbeddings), laid out with shape `idsShape`
   * (default [ids.length]) -> (...idsShape, C).
   */
  forward(ids: ArrayLike<number>, idsShape: number[] = [ids.length]): Tensor {
    return this.forwardWith(this.weight, ids, idsShape);
  }

  /** forward() with another (V, C) table: lets wrappers own the weight. Internal. */
  forwardWith(weight: Tensor, ids: ArrayLike<number>, idsShape: number[] = [ids.length]): Tensor {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.numEmbeddings) {
        throw new Error(`Embedding: id ${id} at position ${i} is outside [0, ${this.numEmbeddings})`);
      }
    }
    return embedding(weight, ids, idsShape);
  }
}
