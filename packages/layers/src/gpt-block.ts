// GPTBlock: the block GPT-2 (and nanoGPT) stacks. It is the encoder block with
// two settings fixed: causal self-attention (position t sees positions <= t) and
// pre-norm (x + attn(ln_1(x)), then x + mlp(ln_2(x))). The child names (ln_1,
// attn, ln_2, mlp) are Hugging Face's h.<i>.*, so GPT-2 checkpoints map onto it
// one to one, and its hook points are the encoder block's (hook_resid_pre, ...).
import { type EncoderBlockConfig, TransformerEncoderBlock } from './encoder-block.js';

/** Every encoder-block setting except the two a GPT block fixes. */
export type GPTBlockConfig = Omit<EncoderBlockConfig, 'causal' | 'norm'>;

export class GPTBlock extends TransformerEncoderBlock {
  constructor(config: GPTBlockConfig) {
    super({ ...config, causal: true, norm: 'pre' });
  }
}
