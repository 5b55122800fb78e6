// Repetition penalty (Keskar et al. 2019, CTRL): make every token that already
// occurs in the context less likely. A positive logit is divided by the
// penalty and a negative one multiplied by it, so both move down (for
// penalty > 1). Each distinct token is penalised once, however often it occurs.
import type { LogitsProcessor } from './strategy.js';
import { checkOptions, requireNumber } from './validate.js';

export interface RepetitionPenaltyOptions {
  /** Only look at the last `lastN` tokens of the context (default: all of it). */
  lastN?: number;
}

export function repetitionPenalty(penalty: number, options: RepetitionPenaltyOptions = {}): LogitsProcessor {
  requireNumber('repetitionPenalty', 'penalty', penalty, {
    min: 0,
    minExclusive: true,
    expected: 'a finite number > 0 (1 = no penalty, > 1 discourages repeats)',
  });
  checkOptions('repetitionPenalty', options, ['lastN']);
  const lastN = options.lastN;
  if (lastN !== undefined) requireNumber('repetitionPenalty', 'lastN', lastN, { min: 0, integer: true, expected: 'an integer >= 0' });
  return {
    kind: 'processor',
    name: lastN === undefined ? `repetition-penalty(${penalty})` : `repetition-penalty(${penalty}, lastN=${lastN})`,
    process(logits, tokensSoFar) {
      const out = logits.slice();
      const start = lastN === undefined ? 0 : Math.max(0, tokensSoFar.length - lastN);
      const seen = new Set<number>();
      for (let i = start; i < tokensSoFar.length; i++) {
        const id = tokensSoFar[i];
        if (seen.has(id) || !(id >= 0 && id < out.length)) continue;
        seen.add(id);
        out[id] = out[id] > 0 ? out[id] / penalty : out[id] * penalty;
      }
      return out;
    },
  };
}
