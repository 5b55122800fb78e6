// Repeated random tokens: the classic setting in which transformers learn induction
// heads (Olsson et al., "In-context learning and induction heads", 2022; TransformerLens'
// head detector uses the same sequences). Each sequence is
//
//   [BOS] x_1 x_2 ... x_n x_1 x_2 ... x_n          x_i uniform over ids 0 .. vocabSize - 1
//
// The first half is random, so no model can predict it better than chance (loss ln V).
// In the repeated half each token is predictable by copying: at x_i (second copy) look
// back for the earlier x_i and predict the token that followed it, x_{i+1}. That
// "find the previous occurrence, copy its successor" circuit is an induction head, so the
// gap between the losses on the two halves measures it.
//
// Train and held-out sequences are disjoint by construction: a random half belongs to the
// held-out split when a hash of its tokens falls below heldoutFraction, whatever the seed.
import type { Rng } from '@attn/tensor';
import type { Batch } from './batch';
import { DataError } from './errors';

export interface InductionConfig {
  /** Number of distinct random tokens: ids 0 .. vocabSize - 1. Default 64. */
  vocabSize?: number;
  /** Length n of the random half; the sequence repeats it once. Default 16. */
  halfLength?: number;
  /** Start each sequence with a BOS token, id vocabSize (as TransformerLens does). Default true. */
  bos?: boolean;
  /** Draw each half without repeating a token, so every token has exactly one earlier occurrence. Default false. */
  distinct?: boolean;
  /** Share of all possible random halves reserved for the held-out split, in (0, 1). Default 0.1. */
  heldoutFraction?: number;
}

export type InductionSplit = 'train' | 'heldout';

/** Prediction positions (rows of a batch's x, or of the logits) grouped by where their target lies. */
export interface InductionHalves {
  /** Positions whose target is in the first, random half: chance level at best (loss ln vocabSize). */
  first: number[];
  /**
   * Positions whose target is in the repeated half and predictable by copying. The repeated
   * half's first token is in neither list: it follows the first half's last token, whose
   * only occurrence is that one, so copying cannot predict it.
   */
  repeated: number[];
}

export interface InductionTask {
  /** Number of distinct random tokens (ids 0 .. vocabSize - 1). */
  readonly vocabSize: number;
  /** Vocabulary a model needs: vocabSize, plus one for BOS. */
  readonly modelVocabSize: number;
  /** The BOS id (= vocabSize), or null without BOS. */
  readonly bosId: number | null;
  /** Length n of the random half. */
  readonly halfLength: number;
  /** Tokens per sequence: (1 with BOS) + 2n. */
  readonly sequenceLength: number;
  readonly distinct: boolean;
  readonly heldoutFraction: number;
  /** The split a random half belongs to (a hash of its tokens; independent of any seed). */
  splitOf(half: ArrayLike<number>): InductionSplit;
  /** `count` sequences of a split, row-major (count, sequenceLength), drawn with `rng`. */
  sequences(split: InductionSplit, count: number, rng: Rng): Int32Array;
  /** A next-token batch: x = sequences without their last token, y = without their first; both (batchSize, sequenceLength - 1). */
  batch(split: InductionSplit, batchSize: number, rng: Rng): Batch;
  /** Prediction positions 0 .. sequenceLength - 2 by half (see InductionHalves). */
  halves(): InductionHalves;
}

function positiveInt(name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new DataError(`inductionTask: ${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** FNV-1a over the token ids, as a fraction in [0, 1). */
function hashFraction(tokens: ArrayLike<number>): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    for (let shift = 0; shift < 32; shift += 8) {
      h ^= (t >>> shift) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  }
  return (h >>> 0) / 2 ** 32;
}

/** Rejection sampling gives up after this many draws in a row outside the split. */
const MAX_REJECTIONS = 100_000;

/** Builds the task; throws a DataError naming the option for an impossible configuration. */
export function inductionTask(config: InductionConfig = {}): InductionTask {
  const vocabSize = positiveInt('vocabSize', config.vocabSize ?? 64, 2);
  const halfLength = positiveInt('halfLength', config.halfLength ?? 16, 2);
  const bos = config.bos ?? true;
  const distinct = config.distinct ?? false;
  const heldoutFraction = config.heldoutFraction ?? 0.1;
  if (typeof bos !== 'boolean') throw new DataError(`inductionTask: bos must be true or false, got ${JSON.stringify(bos)}`);
  if (typeof distinct !== 'boolean') throw new DataError(`inductionTask: distinct must be true or false, got ${JSON.stringify(distinct)}`);
  if (!(typeof heldoutFraction === 'number' && heldoutFraction > 0 && heldoutFraction < 1)) {
    throw new DataError(`inductionTask: heldoutFraction must be in (0, 1), got ${JSON.stringify(heldoutFraction)}`);
  }
  if (distinct && halfLength > vocabSize) {
    throw new DataError(`inductionTask: distinct halves of ${halfLength} tokens need vocabSize >= ${halfLength}, got ${vocabSize}`);
  }
  const offset = bos ? 1 : 0;
  const sequenceLength = offset + 2 * halfLength;
  const splitOf = (half: ArrayLike<number>): InductionSplit => (hashFraction(half) < heldoutFraction ? 'heldout' : 'train');

  const drawHalf = (rng: Rng, into: Int32Array): void => {
    if (!distinct) {
      for (let i = 0; i < halfLength; i++) into[i] = rng.int(vocabSize);
      return;
    }
    // The first halfLength steps of a Fisher-Yates shuffle of 0 .. vocabSize - 1.
    const pool = Int32Array.from({ length: vocabSize }, (_, i) => i);
    for (let i = 0; i < halfLength; i++) {
      const j = i + rng.int(vocabSize - i);
      [pool[i], pool[j]] = [pool[j], pool[i]];
      into[i] = pool[i];
    }
  };

  const sequences = (split: InductionSplit, count: number, rng: Rng): Int32Array => {
    if (split !== 'train' && split !== 'heldout') throw new DataError(`inductionTask: split must be "train" or "heldout", got ${JSON.stringify(split)}`);
    positiveInt('count', count);
    const out = new Int32Array(count * sequenceLength); // (count, sequenceLength)
    const half = new Int32Array(halfLength);
    for (let s = 0; s < count; s++) {
      let rejections = 0;
      do {
        drawHalf(rng, half);
        if (++rejections > MAX_REJECTIONS) {
          throw new DataError(`inductionTask: found no ${split} sequence in ${MAX_REJECTIONS} draws; increase vocabSize or halfLength, or change heldoutFraction`);
        }
      } while (splitOf(half) !== split);
      const row = s * sequenceLength;
      if (bos) out[row] = vocabSize;
      out.set(half, row + offset);
      out.set(half, row + offset + halfLength);
    }
    return out;
  };

  const batch = (split: InductionSplit, batchSize: number, rng: Rng): Batch => {
    const all = sequences(split, positiveInt('batchSize', batchSize), rng);
    const T = sequenceLength - 1;
    const x = new Int32Array(batchSize * T); // (B, T)
    const y = new Int32Array(batchSize * T); // (B, T)
    for (let b = 0; b < batchSize; b++) {
      x.set(all.subarray(b * sequenceLength, b * sequenceLength + T), b * T);
      y.set(all.subarray(b * sequenceLength + 1, (b + 1) * sequenceLength), b * T);
    }
    return { x, y };
  };

  const halves = (): InductionHalves => {
    // Position t predicts token t + 1. First half: tokens offset .. offset + n - 1;
    // repeated half: offset + n .. offset + 2n - 1, of which the first is not copyable.
    const first: number[] = [];
    const repeated: number[] = [];
    for (let t = 0; t < sequenceLength - 1; t++) {
      const target = t + 1;
      if (target < offset + halfLength) first.push(t);
      else if (target > offset + halfLength) repeated.push(t);
    }
    return { first, repeated };
  };

  return {
    vocabSize,
    modelVocabSize: vocabSize + offset,
    bosId: bos ? vocabSize : null,
    halfLength,
    sequenceLength,
    distinct,
    heldoutFraction,
    splitOf,
    sequences,
    batch,
    halves,
  };
}
