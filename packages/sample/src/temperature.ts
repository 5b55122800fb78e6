// Temperature: divide logits by t. t < 1 sharpens the distribution, t > 1
// flattens it. t = 0 is the limit t -> 0: all mass on the argmax, i.e. greedy
// (we keep only the first largest logit, so ties resolve like `greedy`).
import { argmax } from './math.js';
import type { LogitsProcessor } from './strategy.js';
import { requireNumber } from './validate.js';

export function temperature(t: number): LogitsProcessor {
  requireNumber('temperature', 't', t, { min: 0, expected: 'a finite number >= 0 (0 means greedy)' });
  return {
    kind: 'processor',
    name: `temperature(${t})`,
    process(logits) {
      if (t === 0) {
        const out = new Float32Array(logits.length).fill(Number.NEGATIVE_INFINITY);
        const best = argmax(logits, 'temperature(0)');
        out[best] = logits[best];
        return out;
      }
      const out = new Float32Array(logits.length);
      for (let i = 0; i < logits.length; i++) out[i] = logits[i] / t;
      return out;
    },
  };
}
