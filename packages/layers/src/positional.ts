// Position information. Attention itself ignores order, so each position gets
// a vector added to its token embedding: either fixed sinusoids ("Attention
// Is All You Need", section 3.5) or a learned table (GPT-2's wpe).
import { type DType, fromArray, type Tensor } from '@attn/tensor';
import { Embedding } from './embedding.js';
import { checkPositiveInt, type InitOptions } from './init.js';
import { Module } from './module.js';

/**
 * The sinusoidal table (T, C): PE[pos, 2i] = sin(pos / 10000^(2i/C)),
 * PE[pos, 2i+1] = cos(pos / 10000^(2i/C)), for positions offset..offset+T-1.
 * Each pair of dimensions is a rotation at its own frequency, so PE[pos + k]
 * is a linear function of PE[pos].
 */
export function sinusoidalPositionalEncoding(length: number, dim: number, offset = 0, dtype: DType = 'float32'): Tensor {
  checkPositiveInt(length, 'sinusoidalPositionalEncoding: length');
  checkPositiveInt(dim, 'sinusoidalPositionalEncoding: dim');
  const values = new Float64Array(length * dim);
  for (let t = 0; t < length; t++) {
    const pos = t + offset;
    for (let i = 0; i < dim; i += 2) {
      const angle = pos / 10000 ** (i / dim);
      values[t * dim + i] = Math.sin(angle);
      if (i + 1 < dim) values[t * dim + i + 1] = Math.cos(angle);
    }
  }
  return fromArray(values, [length, dim], { dtype });
}

export interface SinusoidalPositionalEncodingConfig {
  /** Model width C. */
  dim: number;
  /** dtype of the added table (default 'float32'). */
  dtype?: DType;
}

/** Adds the fixed sinusoidal table to x: (B, T, C). No parameters. */
export class SinusoidalPositionalEncoding extends Module {
  readonly dim: number;
  readonly dtype: DType;

  constructor(config: SinusoidalPositionalEncodingConfig) {
    super();
    checkPositiveInt(config.dim, 'SinusoidalPositionalEncoding: dim');
    this.dim = config.dim;
    this.dtype = config.dtype ?? 'float32';
  }

  /** x: (B, T, C) or (T, C); `offset` is the position of the first row (for incremental decoding). */
  forward(x: Tensor, offset = 0): Tensor {
    const T = x.shape[x.ndim - 2];
    if (x.ndim < 2 || x.shape[x.ndim - 1] !== this.dim) {
      throw new Error(`SinusoidalPositionalEncoding: expected input (..., T, ${this.dim}), got [${x.shape.join(', ')}]`);
    }
    return x.add(sinusoidalPositionalEncoding(T, this.dim, offset, x.dtype)); // (T, C) broadcasts over B
  }
}

export interface LearnedPositionalEmbeddingConfig extends InitOptions {
  /** Longest sequence the table covers (GPT-2: 1024). */
  maxLength: number;
  /** Model width C. */
  dim: number;
}

/** A learned (maxLength, C) table; `weight` maps to GPT-2's wpe.weight. */
export class LearnedPositionalEmbedding extends Module {
  readonly maxLength: number;
  private readonly table: Embedding;

  constructor(config: LearnedPositionalEmbeddingConfig) {
    super();
    this.maxLength = config.maxLength;
    this.table = new Embedding({ ...config, numEmbeddings: config.maxLength, embeddingDim: config.dim });
    this.registerParameter('weight', this.table.weight);
  }

  get weight(): Tensor {
    return this.param('weight');
  }

  /** Position vectors for positions offset..offset+length-1: (length, C). */
  forward(length: number, offset = 0): Tensor {
    if (offset + length > this.maxLength) {
      throw new Error(
        `LearnedPositionalEmbedding: positions ${offset}..${offset + length - 1} exceed maxLength ${this.maxLength}`,
      );
    }
    const ids = Array.from({ length }, (_, i) => offset + i);
    // Read the weight through this module so setParameter/loadStateDict replacements are honoured.
    return this.table.forwardWith(this.weight, ids);
  }
}
