// Top-k (Fan et al. 2018): keep the k largest logits, mask the rest. Exactly k
// tokens survive; a tie at the boundary keeps the lower token ids.
import { keepLargest } from './math.js';
import type { LogitsProcessor } from './strategy.js';
import { requireNumber } from './validate.js';

export function topK(k: number): LogitsProcessor {
  requireNumber('topK', 'k', k, { min: 1, integer: true, expected: 'an integer >= 1' });
  return {
    kind: 'processor',
    name: `top-k(${k})`,
    process(logits) {
      // Reference: maskAllBut(logits, idsByDescending(logits).subarray(0, k)).
      return keepLargest(logits, logits, k);
    },
  };
}
