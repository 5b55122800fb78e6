// @attn/sample-typical: locally typical sampling (Meister, Pimentel, Wiher &
// Cotterell, "Locally Typical Sampling", TACL 2022).
//
// Idea: a token is "typical" when its information content -log p(token) is
// close to the expected information content of the distribution, i.e. its
// entropy H. Human text tends to stay near that expectation: neither the most
// predictable token (too little information, dull, repetitive) nor a very
// unlikely one (too much, incoherent). So:
//   1. H = -sum_i p_i log p_i
//   2. score_i = | -log p_i - H |          (distance from typical)
//   3. order tokens by score, most typical first (ties: lower id first)
//   4. keep the shortest prefix of that order whose probability mass reaches
//      `p` (and at least `minTokensToKeep` tokens); mask the rest.
// Unlike top-p, the most likely token may be dropped when it is much more
// predictable than the distribution as a whole.
//
// Written against @attn/sample's public API only, like any outside strategy.
import {
  type LogitsProcessor,
  type SamplerOptions,
  checkOptions,
  idsByDescending,
  maskAllBut,
  nucleusSize,
  requireNumber,
  softmax,
} from '@attn/sample';

export interface TypicalOptions {
  /** Probability mass of the locally typical set to keep, in (0, 1]. Default 0.95 (1 keeps every token). */
  p?: number;
  /** Keep at least this many tokens, an integer >= 1. Default 1. */
  minTokensToKeep?: number;
}

/** The entropy (in nats) and each token's distance from it, |-log p_i - H|; masked tokens score Infinity. */
export function typicalityScores(logits: Float32Array): { entropy: number; scores: Float64Array } {
  const probs = softmax(logits, 'typical');
  let entropy = 0;
  for (const q of probs) if (q > 0) entropy -= q * Math.log(q);
  const scores = new Float64Array(probs.length);
  for (let i = 0; i < probs.length; i++) {
    scores[i] = probs[i] > 0 ? Math.abs(-Math.log(probs[i]) - entropy) : Number.POSITIVE_INFINITY;
  }
  return { entropy, scores };
}

/** A logits processor that keeps the locally typical set of mass `p`. */
export function typical(options: TypicalOptions = {}): LogitsProcessor {
  checkOptions('typical', options, ['p', 'minTokensToKeep']);
  const p = requireNumber('typical', 'p', options.p ?? 0.95, { min: 0, minExclusive: true, max: 1, expected: 'in (0, 1]' });
  const minTokensToKeep = requireNumber('typical', 'minTokensToKeep', options.minTokensToKeep ?? 1, {
    min: 1,
    integer: true,
    expected: 'an integer >= 1',
  });
  return {
    kind: 'processor',
    name: minTokensToKeep === 1 ? `typical(${p})` : `typical(${p}, minTokensToKeep=${minTokensToKeep})`,
    process(logits) {
      const probs = softmax(logits, 'typical');
      const { scores } = typicalityScores(logits);
      // Most typical first: descending order of -score (ties keep lower ids first).
      const ids = idsByDescending(scores.map((s) => -s));
      const probsInOrder = Float64Array.from(ids, (id) => probs[id]);
      const size = Math.min(ids.length, Math.max(minTokensToKeep, nucleusSize(probsInOrder, p)));
      return maskAllBut(logits, ids.subarray(0, size));
    },
  };
}

/**
 * What loadSamplerByName('typical', options) calls, e.g. for
 * `attn generate --sampler typical:p=0.9`. Options arrive as parsed from the
 * command line, so `typical` validates them.
 */
export function createStrategy(options: SamplerOptions = {}): LogitsProcessor {
  return typical(options as TypicalOptions);
}

export default createStrategy;
