// Min-p (Nguyen et al. 2024): keep tokens whose probability is at least
// p * (probability of the most likely token). In logit space that is
// logit >= maxLogit + ln(p), so no softmax is needed. The threshold scales with
// the model's confidence: strict when one token dominates, loose when flat.
import { argmax } from './math.js';
import type { LogitsProcessor } from './strategy.js';
import { requireNumber } from './validate.js';

export function minP(p: number): LogitsProcessor {
  requireNumber('minP', 'p', p, { min: 0, max: 1, expected: 'in [0, 1]' });
  return {
    kind: 'processor',
    name: `min-p(${p})`,
    process(logits) {
      const threshold = logits[argmax(logits, 'minP')] + Math.log(p); // ln(0) = -Infinity keeps all
      const out = new Float32Array(logits.length);
      for (let i = 0; i < logits.length; i++) out[i] = logits[i] >= threshold ? logits[i] : Number.NEGATIVE_INFINITY;
      return out;
    },
  };
}
