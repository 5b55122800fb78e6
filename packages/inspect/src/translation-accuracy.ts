// Held-out exact-match accuracy of an encoder-decoder: the share of examples whose whole
// translation (greedy, or beam search) equals the expected target, token for token. The
// translations are @attn/sample's `translate`, the same decoding the CLI and the page show.
import type { Transformer } from '@attn/model';
import { translate } from '@attn/sample';
import { inEvalMode } from './cache.js';
import { fail } from './errors.js';

/** One example: source ids, and the target ids expected (without BOS and EOS). */
export interface TranslationExample {
  source: ArrayLike<number>;
  target: ArrayLike<number>;
}

export interface TranslationAccuracy {
  /** Examples translated exactly. */
  correct: number;
  total: number;
  /** correct / total. */
  accuracy: number;
  beamWidth: number;
  /** Each example's translation (without BOS and EOS) and whether it matched. */
  results: Array<{ tokens: number[]; correct: boolean }>;
}

/** Translates every example (beamWidth 1: greedy) and counts exact matches. */
export function translationAccuracy(model: Transformer, examples: readonly TranslationExample[], options: { beamWidth?: number; maxTokens?: number } = {}): TranslationAccuracy {
  const fn = 'translationAccuracy';
  if (!Array.isArray(examples) || examples.length === 0) fail(fn, 'needs at least one example');
  const beamWidth = options.beamWidth ?? 1;
  if (!Number.isInteger(beamWidth) || beamWidth < 1) fail(fn, `beamWidth must be a positive integer, got ${beamWidth}`);
  // No dropout while decoding; the model's mode is restored afterwards.
  return inEvalMode(model, () => {
    const results = examples.map((ex, n) => {
      if (!ex || ex.source === undefined || ex.target === undefined) fail(fn, `examples[${n}] must be { source, target } token ids`);
      let tokens: number[];
      try {
        tokens = translate(model, ex.source, { beamWidth, maxTokens: options.maxTokens }).tokens;
      } catch (e) {
        fail(fn, `examples[${n}]: ${(e as Error).message}`);
      }
      const target = Array.from(ex.target);
      return { tokens, correct: tokens.length === target.length && tokens.every((id, i) => id === target[i]) };
    });
    const correct = results.filter((r) => r.correct).length;
    return { correct, total: results.length, accuracy: correct / results.length, beamWidth, results };
  });
}
