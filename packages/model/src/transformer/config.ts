// Configuration of the encoder-decoder Transformer ("Attention Is All You Need").
import { ConfigError } from '../errors.js';

export interface TransformerConfig {
  /** Number of distinct source token ids. */
  srcVocabSize: number;
  /** Number of distinct target token ids (including bosId and eosId). */
  tgtVocabSize: number;
  /** Longest source or target sequence (the sinusoidal position table is built this long). */
  maxLen: number;
  /** Encoder layers (the paper uses 6). */
  nEncoderLayer: number;
  /** Decoder layers (the paper uses 6). */
  nDecoderLayer: number;
  /** Attention heads; dModel must be divisible by it. */
  nHead: number;
  /** Width of the model (the paper's d_model, 512). */
  dModel: number;
  /** Hidden width of the position-wise feed-forward layers (the paper's d_ff, 2048; GELU where the paper used ReLU). */
  dFF: number;
  /** Dropout probability on embeddings, attention weights and sublayer outputs while training. */
  dropout: number;
  /** 'post': LayerNorm after each residual addition, as in the paper; 'pre': before each sublayer (trains more easily). */
  norm: 'post' | 'pre';
  /** Target id that starts every decoder input. */
  bosId: number;
  /** Target id that ends a translation. */
  eosId: number;
  /** Source id for padding, hidden from attention; -1 when sources are never padded. */
  srcPadId: number;
}

export const TRANSFORMER_DEFAULTS = { dropout: 0.1, norm: 'post', srcPadId: -1 } as const;

function positiveInt(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`Transformer config: ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
}

/** Fills defaults and throws a clear error for an impossible config. */
export function validateTransformerConfig(config: Partial<TransformerConfig>): TransformerConfig {
  if (config === null || typeof config !== 'object') throw new ConfigError('Transformer config: expected an object');
  for (const key of ['srcVocabSize', 'tgtVocabSize', 'maxLen', 'nEncoderLayer', 'nDecoderLayer', 'nHead', 'dModel', 'dFF'] as const) {
    positiveInt(key, config[key]);
  }
  const full = { ...TRANSFORMER_DEFAULTS, ...config } as TransformerConfig;
  if (full.dModel % full.nHead !== 0) throw new ConfigError(`Transformer config: dModel (${full.dModel}) must be divisible by nHead (${full.nHead})`);
  if (!(full.dropout >= 0 && full.dropout < 1)) throw new ConfigError(`Transformer config: dropout must be in [0, 1), got ${full.dropout}`);
  if (full.norm !== 'post' && full.norm !== 'pre') throw new ConfigError(`Transformer config: norm must be 'post' or 'pre', got ${JSON.stringify(full.norm)}`);
  for (const key of ['bosId', 'eosId'] as const) {
    const id = full[key];
    if (!Number.isInteger(id) || id < 0 || id >= full.tgtVocabSize) {
      throw new ConfigError(`Transformer config: ${key} must be a target id in [0, ${full.tgtVocabSize}), got ${JSON.stringify(id)}`);
    }
  }
  if (!Number.isInteger(full.srcPadId) || full.srcPadId < -1 || full.srcPadId >= full.srcVocabSize) {
    throw new ConfigError(`Transformer config: srcPadId must be -1 or a source id, got ${JSON.stringify(full.srcPadId)}`);
  }
  return full;
}
