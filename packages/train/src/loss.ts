// Language-model loss helpers: mean next-token cross-entropy and perplexity.
import { crossEntropy, type Tensor } from '@attn/tensor';

/** Targets equal to this are left out of the mean (PyTorch's default ignore_index). */
export const IGNORE_INDEX = -100;

/**
 * Mean cross-entropy of logits (..., V) against integer targets (one per row),
 * skipping rows whose target is `ignoreIndex`. Differentiable.
 */
export function lmLoss(logits: Tensor, targets: ArrayLike<number>, ignoreIndex = IGNORE_INDEX): Tensor {
  return crossEntropy(logits, targets, { ignoreIndex, reduction: 'mean' });
}

/** Perplexity = exp(mean cross-entropy in nats): the effective number of equally likely next tokens. */
export function perplexity(loss: number | Tensor): number {
  const value = typeof loss === 'number' ? loss : loss.itemSync();
  if (!Number.isFinite(value)) throw new Error(`perplexity: loss must be a finite number, got ${value}`);
  return Math.exp(value);
}
