// The hook names of a GPT's activations (see @attn/layers' hooks), in one place, so no
// analysis spells a name by hand. They follow Hugging Face's module paths plus a
// TransformerLens-style local name.

/** Where each activation of a GPT lives, by layer. */
export const gptHooks = {
  /** Token embeddings wte[ids], (B, T, C). */
  embed: 'transformer.hook_embed',
  /** Position embeddings wpe[0..T), (T, C). */
  posEmbed: 'transformer.hook_pos_embed',
  /** The residual stream entering block `layer`, (B, T, C); block 0's is the embedding sum. */
  residPre: (layer: number) => `transformer.h.${layer}.hook_resid_pre`,
  /** ln_1 of the residual stream: the input of block `layer`'s attention, (B, T, C). */
  attnInput: (layer: number) => `transformer.h.${layer}.ln_1.hook_normalized`,
  /** Per-head queries, keys and values, (B, nh, T, hs). */
  q: (layer: number) => `transformer.h.${layer}.attn.hook_q`,
  k: (layer: number) => `transformer.h.${layer}.attn.hook_k`,
  v: (layer: number) => `transformer.h.${layer}.attn.hook_v`,
  /** Scaled, masked scores the softmax saw, (B, nh, T, T). */
  scores: (layer: number) => `transformer.h.${layer}.attn.hook_attn_scores`,
  /** Attention weights, (B, nh, T, T); each row sums to 1. */
  pattern: (layer: number) => `transformer.h.${layer}.attn.hook_pattern`,
  /** Each head's weighted sum of values, before the output projection, (B, nh, T, hs). */
  z: (layer: number) => `transformer.h.${layer}.attn.hook_z`,
  /** The attention block's output after c_proj, (B, T, C). */
  attnOut: (layer: number) => `transformer.h.${layer}.hook_attn_out`,
  /** The residual stream leaving block `layer`, (B, T, C). */
  residPost: (layer: number) => `transformer.h.${layer}.hook_resid_post`,
  /** ln_f of the last residual stream, (B, T, C): what the unembedding reads. */
  final: 'transformer.ln_f.hook_normalized',
} as const;

/** Cross-attention weights of decoder layer `layer` of the encoder-decoder Transformer, (B, nh, T, S). */
export const transformerHooks = {
  crossPattern: (layer: number) => `decoder.layers.${layer}.crossattention.hook_pattern`,
  decoderSelfPattern: (layer: number) => `decoder.layers.${layer}.attn.hook_pattern`,
  encoderSelfPattern: (layer: number) => `encoder.layers.${layer}.attn.hook_pattern`,
} as const;
