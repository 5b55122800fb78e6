// Successor walks: the rows an induction head learns from in a minute.
//
// Each row draws its own random successor map (a permutation of the token ids) and walks it:
//
//   [BOS] a, next(a), next(next(a)), ...     with, at each step, probability `jump` of a fresh
//                                             uniform token instead of next(previous)
//
// A row of 64 tokens over 8 ids meets every token many times, and each time the token after
// it is the same as the last time (unless a jump came between). The map is new in every row,
// so no weight can store it: the only way to predict a token is to find where the current
// token occurred earlier in this row and copy what followed it. That is the induction circuit:
// a previous-token head in one layer writes "the token before me" into each position, and a
// head in the next layer attends to the position whose previous token is the current token.
//
// Why not train on "random tokens repeated twice" directly (@attn/datasets' inductionTask)?
// There a copyable token occurs once per row, after n random ones, so most of each row teaches
// nothing; and with a fixed n one head can solve it by position ("look n - 1 back") without
// any induction. Tried here with 2-layer models (attn and PyTorch), up to 12k steps and with
// the repeat length varied per row: no induction head formed. Walks give nearly every
// position something to copy, the varying cycle lengths and the jumps leave no fixed offset to
// learn, and the head forms in a few hundred steps. It is then measured on the classic
// sequences, BOS + random tokens + the same tokens again, which training never shows.
import type { Rng } from '@attn/tensor';
import { DataError } from './errors';

export interface SuccessorWalksConfig {
  /** Distinct tokens: ids 0 .. vocabSize - 1. Default 8. */
  vocabSize?: number;
  /** Tokens per row after the BOS. Default 64. */
  length?: number;
  /** Probability, at each step, of a uniform random token instead of the successor. In [0, 1). Default 0.1. */
  jump?: number;
}

export interface SuccessorWalks {
  /** Distinct tokens (ids 0 .. vocabSize - 1). */
  readonly vocabSize: number;
  /** Vocabulary a model needs: vocabSize, plus one for BOS. */
  readonly modelVocabSize: number;
  /** The BOS id (= vocabSize), first in every row. */
  readonly bosId: number;
  /** Tokens per row after the BOS. */
  readonly length: number;
  readonly jump: number;
  /** `count` rows, each its own Int32Array of 1 + length ids (BOS first), drawn with `rng`. */
  rows(count: number, rng: Rng): Int32Array[];
}

function integerAtLeast(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new DataError(`successorWalks: ${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Builds the walks; throws a DataError naming the option for an impossible configuration. */
export function successorWalks(config: SuccessorWalksConfig = {}): SuccessorWalks {
  const vocabSize = integerAtLeast('vocabSize', config.vocabSize ?? 8, 2);
  const length = integerAtLeast('length', config.length ?? 64, 2);
  const jump = config.jump ?? 0.1;
  if (!(typeof jump === 'number' && jump >= 0 && jump < 1)) throw new DataError(`successorWalks: jump must be a probability in [0, 1), got ${JSON.stringify(jump)}`);
  const bosId = vocabSize;
  const next = new Int32Array(vocabSize);

  const rows = (count: number, rng: Rng): Int32Array[] => {
    integerAtLeast('count', count, 1);
    return Array.from({ length: count }, () => {
      // This row's successor map: a Fisher-Yates shuffle of 0 .. vocabSize - 1.
      for (let i = 0; i < vocabSize; i++) next[i] = i;
      for (let i = vocabSize - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [next[i], next[j]] = [next[j], next[i]];
      }
      const row = new Int32Array(1 + length);
      row[0] = bosId;
      row[1] = rng.int(vocabSize);
      for (let t = 2; t <= length; t++) row[t] = rng.next() < jump ? rng.int(vocabSize) : next[row[t - 1]];
      return row;
    });
  };

  return { vocabSize, modelVocabSize: vocabSize + 1, bosId, length, jump, rows };
}
