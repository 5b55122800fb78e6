// Beam search over any step function (for example an encoder-decoder's decoder
// given the encoded source). Keeps the `beamWidth` most probable prefixes at
// every step instead of only the single best one, so a first token that looks
// worse can still win if what follows it is much more likely.
//
// Score of a hypothesis = logProb / length^lengthPenalty, where length counts
// the generated tokens (eos included, start excluded). lengthPenalty 0 ranks by
// raw log-probability (which favours short outputs); 1 ranks by the mean
// log-probability per token (the Hugging Face default).
import { checkOptions, describe, requireNumber } from './validate.js';

export interface BeamSearchOptions {
  /** The prefix every hypothesis starts from, e.g. [BOS]; not part of the results. */
  start: readonly number[];
  /**
   * Log-probabilities of the next token for each prefix (each prefix = start +
   * generated tokens). Must return one array of length vocabSize per prefix, in order.
   */
  step: (prefixes: readonly (readonly number[])[]) => readonly ArrayLike<number>[];
  /** Hypotheses kept per step (>= 1; 1 is greedy search). */
  beamWidth: number;
  /** Max generated tokens per hypothesis (eos included). */
  maxLength: number;
  /** End-of-sequence token id: a hypothesis that emits it is finished. */
  eos: number;
  /** Exponent of the length normalisation (default 1; 0 = none). */
  lengthPenalty?: number;
}

export interface Hypothesis {
  /** Generated tokens, without `start`; ends with eos when `finished`. */
  tokens: number[];
  /** Sum of the log-probabilities of `tokens`. */
  logProb: number;
  /** logProb / tokens.length^lengthPenalty: what the hypotheses are ranked by. */
  score: number;
  /** True if it ended with eos, false if it was cut at maxLength. */
  finished: boolean;
}

/** Returns up to beamWidth hypotheses, best score first. */
export function beamSearch(options: BeamSearchOptions): Hypothesis[] {
  checkOptions('beamSearch', options, ['start', 'step', 'beamWidth', 'maxLength', 'eos', 'lengthPenalty']);
  const { start, step, eos } = options;
  if (!Array.isArray(start)) throw new TypeError(`beamSearch: start must be an array of token ids, got ${describe(start)}`);
  if (typeof step !== 'function') throw new TypeError('beamSearch: step must be a function (prefixes) => logProbs per prefix');
  const beamWidth = requireNumber('beamSearch', 'beamWidth', options.beamWidth, { min: 1, integer: true, expected: 'an integer >= 1' });
  const maxLength = requireNumber('beamSearch', 'maxLength', options.maxLength, { min: 1, integer: true, expected: 'an integer >= 1' });
  requireNumber('beamSearch', 'eos', eos, { min: 0, integer: true, expected: 'a token id (integer >= 0)' });
  const alpha = requireNumber('beamSearch', 'lengthPenalty', options.lengthPenalty ?? 1, { expected: 'a finite number' });
  const score = (logProb: number, length: number) => logProb / length ** alpha;

  let active: { tokens: number[]; logProb: number }[] = [{ tokens: [], logProb: 0 }];
  const finished: Hypothesis[] = [];

  for (let length = 1; length <= maxLength && active.length > 0; length++) {
    const logProbs = step(active.map((b) => [...start, ...b.tokens]));
    if (!Array.isArray(logProbs) || logProbs.length !== active.length) {
      throw new RangeError(`beamSearch: step must return ${active.length} log-prob arrays (one per prefix), got ${describe(logProbs)}`);
    }
    // Every (beam, next token) extension; we need the best 2 * beamWidth so that
    // beamWidth of them can continue even if up to beamWidth of them end in eos.
    const candidates: { beam: number; token: number; logProb: number }[] = [];
    logProbs.forEach((row, beam) => {
      if (row.length !== logProbs[0].length) throw new RangeError(`beamSearch: step returned rows of different lengths (${row.length} vs ${logProbs[0].length})`);
      for (let token = 0; token < row.length; token++) {
        if (Number.isNaN(row[token]) || row[token] > 1e-6) {
          throw new RangeError(`beamSearch: step returned ${row[token]} for token ${token}; expected log-probabilities (<= 0)`);
        }
        if (row[token] === Number.NEGATIVE_INFINITY) continue;
        candidates.push({ beam, token, logProb: active[beam].logProb + row[token] });
      }
    });
    candidates.sort((a, b) => b.logProb - a.logProb || a.beam - b.beam || a.token - b.token);

    const next: typeof active = [];
    for (const c of candidates.slice(0, 2 * beamWidth)) {
      const tokens = [...active[c.beam].tokens, c.token];
      if (c.token === eos) finished.push({ tokens, logProb: c.logProb, score: score(c.logProb, length), finished: true });
      else if (next.length < beamWidth) next.push({ tokens, logProb: c.logProb });
    }
    active = next;

    // Early stop (the usual heuristic): once beamWidth hypotheses are finished
    // and no active beam, were it to end now, would beat the worst of them.
    finished.sort((a, b) => b.score - a.score);
    if (finished.length >= beamWidth) {
      const worstKept = finished[beamWidth - 1].score;
      if (active.every((b) => score(b.logProb, length) <= worstKept)) break;
    }
  }

  const cut: Hypothesis[] = active.map((b) => ({ ...b, score: score(b.logProb, b.tokens.length), finished: false }));
  return [...finished, ...cut].sort((a, b) => b.score - a.score).slice(0, beamWidth);
}
