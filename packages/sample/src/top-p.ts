// Top-p / nucleus sampling (Holtzman et al. 2020): keep the smallest set of most
// likely tokens whose probability mass reaches p, mask the rest. The set is
// built greedily from the most likely token down (ties: lower id first); the
// token that carries the mass over p is kept, so at least one token survives.
import { idsByDescending, maskAllBut, softmax } from './math.js';
import type { LogitsProcessor } from './strategy.js';
import { requireNumber } from './validate.js';

/**
 * Float64 sums of float32 probabilities can land a hair below a mass that is
 * reached exactly on paper (0.5 + 0.3 vs 0.8); this slack treats those as reached.
 */
const MASS_EPSILON = 1e-9;

/** Length of the shortest prefix of `ids` (in order) whose probability mass reaches `mass`. */
export function nucleusSize(probs: Float64Array, ids: ArrayLike<number>, mass: number): number {
  if (mass >= 1) return ids.length; // all of it, even tails lighter than the slack
  let cumulative = 0;
  for (let n = 0; n < ids.length; n++) {
    cumulative += probs[ids[n]];
    if (cumulative >= mass - MASS_EPSILON) return n + 1;
  }
  return ids.length;
}

export function topP(p: number): LogitsProcessor {
  requireNumber('topP', 'p', p, { min: 0, minExclusive: true, max: 1, expected: 'in (0, 1]' });
  return {
    kind: 'processor',
    name: `top-p(${p})`,
    process(logits) {
      const probs = softmax(logits, 'topP');
      const ids = idsByDescending(probs);
      return maskAllBut(logits, ids.subarray(0, nucleusSize(probs, ids, p)));
    },
  };
}
