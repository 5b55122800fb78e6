// Naming the head that does a job, scored on held-out data:
// - a pointer score: on how many examples a head's attention from one position peaks on
//   another (the coreference test: from "it" to the noun it refers to);
// - the induction score: TransformerLens's induction score (head-detector.ts) averaged over
//   fresh random sequences repeated twice.
import type { GPT } from '@attn/model';
import { attentionMaps } from './attention.js';
import { checkIndex, fail } from './errors.js';
import { bestPossibleScore, type DetectionOptions, detectHeads, inductionPattern, repeatedRandomTokens } from './head-detector.js';

/** A score for every head and the best one. */
export interface HeadRanking {
  /** perHead[layer][head]. */
  perHead: number[][];
  /** The head with the highest score (the first such head on ties). */
  layer: number;
  head: number;
  score: number;
}

function rank(perHead: number[][]): HeadRanking {
  let best = { layer: 0, head: 0, score: Number.NEGATIVE_INFINITY };
  for (const [layer, heads] of perHead.entries()) {
    for (const [head, score] of heads.entries()) if (score > best.score) best = { layer, head, score };
  }
  return { perHead, ...best };
}

/** One test of a pointing head: in sequence `ids`, attention from position `from` should peak on position `to`. */
export interface PointerExample {
  ids: ArrayLike<number>;
  from: number;
  to: number;
}

/**
 * For every head, the share of examples where the attention row of `from` peaks at `to`:
 * more weight there than on any other position (a tie is no peak, so a head that attends
 * uniformly scores 0).
 */
export async function pointerScore(model: GPT, examples: PointerExample[]): Promise<HeadRanking & { examples: number }> {
  if (!Array.isArray(examples) || examples.length === 0) fail('pointerScore', 'needs at least one example');
  const { nLayer, nHead } = model.config;
  const hits = Array.from({ length: nLayer }, () => new Array<number>(nHead).fill(0));
  for (const [n, ex] of examples.entries()) {
    const T = ex.ids.length;
    checkIndex(`pointerScore (example ${n})`, 'from', ex.from, T);
    checkIndex(`pointerScore (example ${n})`, 'to', ex.to, ex.from + 1);
    const maps = await attentionMaps(model, Array.from(ex.ids).slice(0, ex.from + 1)); // a causal row needs nothing after `from`
    for (const [l, heads] of maps.entries()) {
      for (const [h, w] of heads.entries()) {
        const row = w[ex.from];
        if (row.every((x, j) => j === ex.to || x < row[ex.to])) hits[l][h]++;
      }
    }
  }
  return { ...rank(hits.map((heads) => heads.map((n) => n / examples.length))), examples: examples.length };
}

/** A coreference example as @attn/datasets' coreference language makes them. */
export interface CorefExampleLike {
  tokens: readonly string[];
  /** Position of "it". */
  itIndex: number;
  /** Position of the noun "it" refers to. */
  referentIndex: number;
}

/** The coreference score of every head, as `pnpm demo` reports it. */
export interface CorefScore {
  /** Share of sentences whose attention from "it" peaks on the referent, for the best head. */
  share: number;
  layer: number;
  head: number;
  /** Share for every [layer][head]. */
  perHead: number[][];
  sentences: number;
}

/**
 * On how many held-out sentences each head's attention from "it" peaks on the noun it refers
 * to; the best head is the one that tracks "who refers to whom". `encode` turns words into ids.
 */
export async function corefScore(model: GPT, examples: CorefExampleLike[], encode: (words: readonly string[]) => ArrayLike<number>): Promise<CorefScore> {
  const pointers = examples.map((ex) => ({ ids: encode(ex.tokens.slice(0, ex.itIndex + 1)), from: ex.itIndex, to: ex.referentIndex }));
  const r = await pointerScore(model, pointers);
  return { share: r.score, layer: r.layer, head: r.head, perHead: r.perHead, sentences: r.examples };
}

export interface InductionScoreOptions extends DetectionOptions {
  /** Held-out sequences to average over (default 20). */
  sequences?: number;
  /** Random tokens per half (default: half the context, at most 32; one less for bosId). */
  halfLength?: number;
  /** Seed of the first sequence; sequence n uses seed + n (default 12345, away from training seeds). */
  seed?: number;
  /** Smallest token id drawn (default 0). */
  low?: number;
  /** Random tokens are drawn from [low, high) (default: the model's whole vocabulary). */
  high?: number;
  /**
   * A token put in front of every sequence, as TransformerLens's `prepend_bos` does: the BOS id a
   * model was trained with (e.g. @attn/datasets' inductionTask). It must lie outside [low, high),
   * so it is never drawn as one of the random tokens.
   */
  bosId?: number;
  /**
   * Keep only the first `length` tokens of each sequence (BOS included). A model trained on
   * next-token windows of these sequences has a context one shorter than a whole one, since a
   * window's input leaves out the last token; cut to the context, it is scored on what it saw.
   */
  length?: number;
}

/** The induction score of every head, the best head, and what a perfect head would score. */
export interface InductionScore extends HeadRanking {
  sequences: number;
  halfLength: number;
  /**
   * The best score possible with these sequences for the default "mul" measure without
   * exclusions (the mean of bestPossibleScore over their induction patterns): about 0.5, since
   * only the repeated half has targets.
   */
  ceiling: number;
  /** The first held-out sequence (with bosId in front when given), for a front end to draw. */
  sample: number[];
}

/**
 * TransformerLens's induction score of every head, averaged over fresh random sequences
 * repeated twice, and the best head. With the "mul" measure a perfect induction head scores
 * about 0.5 here (only the second half's rows have a target; see head-detector.ts): `ceiling`
 * says exactly, so a score can be shown against what is reachable.
 */
export async function inductionScore(model: GPT, options: InductionScoreOptions = {}): Promise<InductionScore> {
  const fn = 'inductionScore';
  const count = options.sequences ?? 20;
  if (!Number.isInteger(count) || count < 1) fail(fn, `sequences must be a positive integer, got ${count}`);
  const bos = options.bosId;
  const low = options.low ?? 0;
  const high = options.high ?? model.vocabSize;
  if (!Number.isInteger(high) || high <= low || high > model.vocabSize) fail(fn, `high must be an integer in ${low + 1}..${model.vocabSize} (above low, within the vocabulary), got ${high}`);
  if (bos !== undefined) {
    checkIndex(fn, 'bosId (a token id)', bos, model.vocabSize);
    if (bos >= low && bos < high) fail(fn, `bosId ${bos} lies in [${low}, ${high}), so it could also be drawn as a random token; pass high <= ${bos} or low > ${bos}`);
  }
  const front = bos === undefined ? 0 : 1;
  const cut = options.length;
  // Without a cut both halves must fit the context; with one, the cut must (and leave a repeated token).
  const room = cut === undefined ? model.blockSize - front : Number.POSITIVE_INFINITY;
  const halfLength = options.halfLength ?? Math.min(32, Math.floor((Math.min(room, model.blockSize - front)) / 2));
  if (!Number.isInteger(halfLength) || halfLength < 1 || 2 * halfLength > room) {
    const what = bos === undefined ? '' : ' after the BOS token';
    fail(fn, `halfLength must be an integer in 1..${Math.floor(room / 2)} (two halves fit the context of ${model.blockSize}${what}), got ${halfLength}`);
  }
  if (cut !== undefined && (!Number.isInteger(cut) || cut < front + halfLength + 1 || cut > front + 2 * halfLength || cut > model.blockSize)) {
    fail(fn, `length must be an integer in ${front + halfLength + 1}..${Math.min(front + 2 * halfLength, model.blockSize)} (past the first half, within the sequence and the context of ${model.blockSize}), got ${cut}`);
  }
  const seed = options.seed ?? 12345;
  const sequences = Array.from({ length: count }, (_, n) => {
    const repeated = repeatedRandomTokens({ vocabSize: high, halfLength, seed: seed + n, low });
    const whole = bos === undefined ? repeated : [bos, ...repeated];
    return cut === undefined ? whole : whole.slice(0, cut);
  });
  const scores = await detectHeads(model, sequences, options);
  const perHead = Array.from({ length: model.config.nLayer }, () => new Array<number>(model.config.nHead).fill(0));
  for (const s of scores) perHead[s.layer][s.head] = s.induction;
  const ceiling = sequences.reduce((sum, ids) => sum + bestPossibleScore(inductionPattern(ids)), 0) / count;
  return { ...rank(perHead), sequences: count, halfLength, ceiling, sample: sequences[0] };
}
