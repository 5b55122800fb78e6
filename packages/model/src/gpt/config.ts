// The GPT configuration, its validation and the closed-form parameter count.
import { ConfigError } from '../errors.js';

export interface GPTConfig {
  /** Number of distinct token ids; ids must lie in [0, vocabSize). */
  vocabSize: number;
  /** Longest sequence the model sees (the number of learned position embeddings). */
  blockSize: number;
  /** Number of transformer blocks stacked on top of each other. */
  nLayer: number;
  /** Attention heads per block; each head works on nEmbd / nHead channels. */
  nHead: number;
  /** Width of the residual stream (embedding size). Must be divisible by nHead. */
  nEmbd: number;
  /** Dropout probability on embeddings, attention weights and residual branches while training (0 disables). */
  dropout: number;
  /** Whether Linear and LayerNorm layers carry bias vectors (GPT-2 does; nanoGPT can turn them off). */
  bias: boolean;
}

/** GPT-2 small's shape (124M parameters), for reference. */
export const GPT2_SMALL: GPTConfig = { vocabSize: 50257, blockSize: 1024, nLayer: 12, nHead: 12, nEmbd: 768, dropout: 0, bias: true };

/** nanoGPT's Shakespeare-char CPU config: 0.81M parameters. */
export const NANOGPT_CPU: GPTConfig = { vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: true };

function positiveInt(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`GPT config: ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
}

/** Fills defaults (dropout 0, bias true) and throws a clear error for an impossible config. */
export function validateGPTConfig(config: Partial<GPTConfig>): GPTConfig {
  if (config === null || typeof config !== 'object') throw new ConfigError('GPT config: expected an object');
  for (const key of ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd'] as const) positiveInt(key, config[key]);
  const full = { ...config, dropout: config.dropout ?? 0, bias: config.bias ?? true } as GPTConfig;
  if (full.nEmbd % full.nHead !== 0) {
    throw new ConfigError(`GPT config: nEmbd (${full.nEmbd}) must be divisible by nHead (${full.nHead}) so every head gets nEmbd / nHead channels`);
  }
  if (typeof full.dropout !== 'number' || !(full.dropout >= 0 && full.dropout < 1)) {
    throw new ConfigError(`GPT config: dropout must be a number in [0, 1), got ${JSON.stringify(full.dropout)}`);
  }
  if (typeof full.bias !== 'boolean') throw new ConfigError(`GPT config: bias must be true or false, got ${JSON.stringify(full.bias)}`);
  return full;
}

/**
 * The number of parameters, in closed form (tied embeddings counted once):
 *   wte V*C + wpe T*C + nLayer * (12 C^2 [+ 13 C with bias] + 2 LayerNorms) + final LayerNorm,
 * where a LayerNorm has C weights (+ C biases).
 * `nonEmbedding` leaves out the position embeddings, as nanoGPT's get_num_params() does by default.
 */
export function gptParameterCount(config: GPTConfig, options: { nonEmbedding?: boolean } = {}): number {
  const { vocabSize: V, blockSize: T, nLayer: L, nEmbd: C, bias } = config;
  const b = bias ? 1 : 0;
  const layerNorm = C + b * C;
  const attention = C * 3 * C + b * 3 * C + C * C + b * C; // c_attn + c_proj
  const mlp = C * 4 * C + b * 4 * C + 4 * C * C + b * C; // c_fc + c_proj
  const block = 2 * layerNorm + attention + mlp;
  const positions = options.nonEmbedding ? 0 : T * C;
  return V * C + positions + L * block + layerNorm;
}
