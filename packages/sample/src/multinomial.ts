// Multinomial sampling: draw one token from softmax(logits) with a seeded RNG.
// Inverse-CDF method: walk the cumulative distribution until it passes u ~ U[0, 1).
import { softmax } from './math.js';
import { Rng } from '@attn/tensor';
import type { TokenChooser } from './strategy.js';
import { checkOptions, requireNumber } from './validate.js';

export interface MultinomialOptions {
  /** Seed for the built-in RNG; the same seed gives the same tokens. Default: a random seed. */
  seed?: number;
  /**
   * Bring your own generator instead (overrides `seed`): @attn/tensor's Rng, or anything with a
   * uniform [0, 1) `next()`. Passing an Rng lets a caller save and restore the sampler's position.
   */
  rng?: Pick<Rng, 'next'>;
}

export function multinomial(options: MultinomialOptions = {}): TokenChooser {
  checkOptions('multinomial', options, ['seed', 'rng']);
  if (options.seed !== undefined) {
    requireNumber('multinomial', 'seed', options.seed, { integer: true, expected: 'an integer' });
  }
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const rng = options.rng ?? new Rng(seed);
  return {
    kind: 'chooser',
    name: options.rng ? 'multinomial(custom rng)' : `multinomial(seed=${seed})`,
    choose(logits) {
      const probs = softmax(logits, 'multinomial');
      const u = rng.next();
      let cumulative = 0;
      let last = -1;
      for (let i = 0; i < probs.length; i++) {
        if (probs[i] === 0) continue; // a masked token can never be drawn
        cumulative += probs[i];
        last = i;
        if (u < cumulative) return i;
      }
      return last; // u fell in the rounding gap above the final cumulative sum
    },
  };
}
