// The number fields of the views that look inside a model, with the rule each states
// (checked by validate.ts's checkNumber, like the Train and Generate fields).
import type { NumberRule } from './validate';

export const INSPECT_RULES = {
  /** Tokens the Next token view writes (each with its distribution, so fewer than Generate). */
  samplingTokens: { name: 'Tokens to write', integer: true, min: 1, max: 500 },
  /** Held-out coreference sentences to score the heads on. */
  corefSentences: { name: 'Sentences', integer: true, min: 1, max: 2000 },
  /** Training steps of the date and induction models (each run). */
  taskSteps: { name: 'Steps', integer: true, min: 1, max: 5000 },
  /** Beams of the date model's beam search. */
  beamWidth: { name: 'Beam width', integer: true, min: 1, max: 16 },
} satisfies Record<string, NumberRule>;
