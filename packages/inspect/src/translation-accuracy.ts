// How often an encoder-decoder gets a whole translation right: exact match of the decoded
// output against the expected target, over held-out pairs (the date task's "23 November
// 2026" -> "2026-11-23" is right or wrong as a whole). Greedy by default, beam search with
// beamWidth > 1.
import type { Transformer } from '@attn/model';
import { translate } from '@attn/sample';
import { fail } from './errors.js';

/** A source/target pair as text (@attn/datasets' seq2seq examples fit). */
export interface TranslationPair {
  source: string;
  target: string;
}

export interface TranslationAccuracyOptions {
  /** Hypotheses kept per step: 1 = greedy (default). */
  beamWidth?: number;
  /** Wrong translations kept in the result, for a report (default 5). */
  keepMistakes?: number;
}

export interface TranslationAccuracy {
  /** correct / total. */
  accuracy: number;
  correct: number;
  total: number;
  /** The first few pairs translated wrongly, with what the model wrote. */
  mistakes: { source: string; target: string; output: string }[];
}

/**
 * Translates every pair's source (`encode` turns text into source ids, `decode` output ids into
 * text) and counts exact matches with its target.
 */
export function translationAccuracy(
  model: Transformer,
  pairs: readonly TranslationPair[],
  encode: (text: string) => ArrayLike<number>,
  decode: (ids: readonly number[]) => string,
  options: TranslationAccuracyOptions = {},
): TranslationAccuracy {
  const fn = 'translationAccuracy';
  if (!Array.isArray(pairs) || pairs.length === 0) fail(fn, 'needs at least one source/target pair');
  const beamWidth = options.beamWidth ?? 1;
  if (!Number.isInteger(beamWidth) || beamWidth < 1) fail(fn, `beamWidth must be a positive integer, got ${JSON.stringify(beamWidth)}`);
  const keep = options.keepMistakes ?? 5;
  let correct = 0;
  const mistakes: TranslationAccuracy['mistakes'] = [];
  for (const [i, pair] of pairs.entries()) {
    if (typeof pair?.source !== 'string' || typeof pair.target !== 'string') fail(fn, `pairs[${i}] must be { source: string, target: string }`);
    const output = decode(translate(model, encode(pair.source), { beamWidth }).tokens);
    if (output === pair.target) correct++;
    else if (mistakes.length < keep) mistakes.push({ source: pair.source, target: pair.target, output });
  }
  return { accuracy: correct / pairs.length, correct, total: pairs.length, mistakes };
}
