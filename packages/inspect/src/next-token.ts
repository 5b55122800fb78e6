// The next-token distribution: the k most probable tokens after a prompt, with probabilities.
import type { GPT } from '@attn/model';
import { softmax } from '@attn/sample';
import { positionRow, readActivations } from './cache.js';
import { fail } from './errors.js';

/** One candidate next token. */
export interface TokenProbability {
  id: number;
  /** softmax(logits)[id], computed in float64. */
  prob: number;
  /** The raw score the model gave it. */
  logit: number;
}

/**
 * The k largest entries of `probs` by value (ties: the lower id first), most probable first.
 * One pass keeping a sorted list of k, so GPT-2's 50,257 tokens cost no full sort.
 */
export function largest(values: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (best.length === k && !(v > values[best[k - 1]])) continue;
    let at = best.length;
    while (at > 0 && v > values[best[at - 1]]) at--; // strict: an equal value stays behind the lower id
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/** The k most probable tokens under softmax(logits), most probable first. */
export function topTokens(logits: ArrayLike<number>, k = 10): TokenProbability[] {
  if (!Number.isInteger(k) || k < 1) fail('topTokens', `k must be a positive integer, got ${k}`);
  if (logits.length === 0) fail('topTokens', 'logits are empty');
  const probs = softmax(logits, 'topTokens');
  return largest(probs, Math.min(k, logits.length)).map((id) => ({ id, prob: probs[id], logit: logits[id] }));
}

/** The k most probable next tokens after `ids` (the model's prediction at the last position). */
export async function nextTokens(model: GPT, ids: ArrayLike<number>, k = 10): Promise<TokenProbability[]> {
  const { logits } = await readActivations(model, ids, []);
  return topTokens(positionRow(logits, logits.shape[1] - 1), k);
}
