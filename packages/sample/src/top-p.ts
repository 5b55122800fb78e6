// Top-p / nucleus sampling (Holtzman et al. 2020): keep the smallest set of most
// likely tokens whose probability mass reaches p, mask the rest. The set is
// built greedily from the most likely token down (ties: lower id first); the
// token that carries the mass over p is kept, so at least one token survives.
import { keepLargest, softmax } from './math.js';
import type { LogitsProcessor } from './strategy.js';
import { requireNumber } from './validate.js';

/**
 * Float64 sums of float32 probabilities can land a hair below a mass that is
 * reached exactly on paper (0.5 + 0.3 vs 0.8); this slack treats those as reached.
 */
const MASS_EPSILON = 1e-9;

/** Length of the shortest prefix of `probsInOrder` whose sum reaches `mass`. */
export function nucleusSize(probsInOrder: ArrayLike<number>, mass: number): number {
  if (mass >= 1) return probsInOrder.length; // all of it, even tails lighter than the slack
  let cumulative = 0;
  for (let n = 0; n < probsInOrder.length; n++) {
    cumulative += probsInOrder[n];
    if (cumulative >= mass - MASS_EPSILON) return n + 1;
  }
  return probsInOrder.length;
}

/**
 * nucleusSize of the probabilities in descending order, without sorting them:
 * quickselect on mass. Split the candidates around a pivot; if the larger part
 * alone reaches the mass, the nucleus ends inside it; otherwise take all of it
 * (and the pivot's ties as needed) and continue in the smaller part. Average
 * O(n); the nucleus size depends only on the values, not on which ids hold them.
 */
export function nucleusCount(probs: ArrayLike<number>, mass: number): number {
  if (mass >= 1) return probs.length;
  let candidates = Float64Array.from(probs);
  let need = mass - MASS_EPSILON;
  let taken = 0;
  while (candidates.length > 0) {
    const pivot = candidates[candidates.length >>> 1];
    const larger = new Float64Array(candidates.length);
    const smaller = new Float64Array(candidates.length);
    let nLarger = 0;
    let nSmaller = 0;
    let largerMass = 0;
    let ties = 0;
    for (let i = 0; i < candidates.length; i++) {
      const q = candidates[i];
      if (q > pivot) {
        larger[nLarger++] = q;
        largerMass += q;
      } else if (q < pivot) smaller[nSmaller++] = q;
      else ties++;
    }
    if (largerMass >= need) {
      candidates = larger.subarray(0, nLarger);
      continue;
    }
    taken += nLarger;
    need -= largerMass;
    for (let t = 0; t < ties; t++) {
      taken++;
      need -= pivot;
      if (need <= 0) return taken;
    }
    candidates = smaller.subarray(0, nSmaller);
  }
  return taken;
}

export function topP(p: number): LogitsProcessor {
  requireNumber('topP', 'p', p, { min: 0, minExclusive: true, max: 1, expected: 'in (0, 1]' });
  return {
    kind: 'processor',
    name: `top-p(${p})`,
    process(logits) {
      const probs = softmax(logits, 'topP');
      // Reference: const ids = idsByDescending(probs);
      //            maskAllBut(logits, ids.subarray(0, nucleusSize(Float64Array.from(ids, (i) => probs[i]), p)))
      return keepLargest(logits, probs, nucleusCount(probs, p));
    },
  };
}
