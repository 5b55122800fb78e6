// @attn/layers: attention and transformer building blocks on @attn/tensor.
export {
  type AttentionOptions,
  type AttentionOutput,
  type AttentionResult,
  causalMaskWithOffset,
  keyPaddingMask,
  MASKED_SCORE,
  scaledDotProductAttention,
} from './attention.js';
export {
  type DecoderBlockConfig,
  type DecoderBlockOptions,
  type DecoderBlockOutput,
  TransformerDecoderBlock,
} from './decoder-block.js';
export { Dropout, type DropoutConfig } from './dropout.js';
export { Embedding, type EmbeddingConfig } from './embedding.js';
export {
  type BlockOutput,
  type EncoderBlockConfig,
  type EncoderBlockOptions,
  type TransformerBlockConfig,
  TransformerEncoderBlock,
} from './encoder-block.js';
export { FeedForward, type FeedForwardConfig } from './feed-forward.js';
export { GPTBlock, type GPTBlockConfig } from './gpt-block.js';
export { captureActivations, type HookFilter, type HookFn, withHooks } from './hooks.js';
export { GELU, type GELUConfig } from './gelu.js';
export type { InitOptions } from './init.js';
export { type KVCacheContents, type KVCacheSnapshot, KVCache, LayerKVCache, type LayerKVCacheOptions } from './kv-cache.js';
export { LayerNorm, type LayerNormConfig } from './layer-norm.js';
export { Linear, type LinearConfig } from './linear.js';
export {
  type LoadStateDictOptions,
  type LoadStateDictReport,
  Module,
  type StateDict,
  type StateDictInput,
} from './module.js';
export {
  MultiHeadAttention,
  type MultiHeadAttentionConfig,
  type MultiHeadAttentionOptions,
  type MultiHeadAttentionOutput,
} from './multi-head-attention.js';
export {
  LearnedPositionalEmbedding,
  type LearnedPositionalEmbeddingConfig,
  SinusoidalPositionalEncoding,
  type SinusoidalPositionalEncodingConfig,
  sinusoidalPositionalEncoding,
} from './positional.js';
export { type NormPlacement, residual } from './residual.js';
