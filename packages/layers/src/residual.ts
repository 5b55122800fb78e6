// The residual wrapper shared by the encoder and decoder blocks, in its two
// arrangements:
//   post-norm (the original paper):  x = LayerNorm(x + Dropout(Sublayer(x)))
//   pre-norm  (GPT-2):               x = x + Dropout(Sublayer(LayerNorm(x)))
// Pre-norm keeps an un-normalised path from input to output, which is why deep
// pre-norm stacks train without warm-up tricks (GPT-2 adds a final LayerNorm).
import type { Tensor } from '@attn/tensor';
import type { Dropout } from './dropout.js';
import type { LayerNorm } from './layer-norm.js';

/** 'pre' (GPT-2, default) or 'post' (Vaswani et al. 2017). */
export type NormPlacement = 'pre' | 'post';

export function residual(
  x: Tensor,
  norm: LayerNorm,
  drop: Dropout,
  placement: NormPlacement,
  sublayer: (input: Tensor) => Tensor,
): Tensor {
  if (placement === 'pre') return x.add(drop.forward(sublayer(norm.forward(x))));
  return norm.forward(x.add(drop.forward(sublayer(x))));
}

export function checkPlacement(placement: string, who: string): NormPlacement {
  if (placement !== 'pre' && placement !== 'post') throw new Error(`${who}: norm must be 'pre' or 'post', got '${placement}'`);
  return placement;
}
