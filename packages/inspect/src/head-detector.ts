// A head detector: how much of each head's attention goes where a previous-token, a
// duplicate-token or an induction head would look. The definitions are TransformerLens's
// (transformer_lens/head_detector.py), restated here:
//
// Detection patterns, (T, T) matrices of 0s and 1s, lower triangular (row = query):
//   previous token   P[i][j] = 1 iff j = i - 1
//   duplicate token  D[i][j] = 1 iff j < i and ids[j] = ids[i]       (earlier copies of my token)
//   induction        I[i][j] = 1 iff 1 <= j <= i and ids[j - 1] = ids[i], j - 1 < i
//                    (the token right after an earlier copy of my token: D shifted one column right)
//
// Score of an attention pattern A against a detection pattern P:
//   "mul" (the default):  sum(A * P) / sum(A), after zeroing A's first column when excludeBos
//                         and A's diagonal when excludeCurrentToken (both default false).
//                         sum(A) is T for an unmodified pattern, so the score is the share of all
//                         attention that lands on the pattern's cells, averaged over every row.
//   "abs":                1 - round(sum|A - P| / T, 3), with the same exclusions applied to |A - P|.
//
// A consequence worth knowing: rows with no 1 in P (every row of the first half of a repeated
// sequence, for induction) still count in sum(A), so even a perfect head scores only the share
// of rows that have a target. bestPossibleScore() says what that ceiling is for a pattern.
// For several sequences TransformerLens averages the per-sequence scores; so do we.
import type { GPT } from '@attn/model';
import { Rng } from '@attn/tensor';
import { type AttentionMaps, attentionMaps } from './attention.js';
import { checkIds, fail } from './errors.js';

export type ErrorMeasure = 'mul' | 'abs';

export interface DetectionOptions {
  /** Leave out attention to position 0 (a beginning-of-sequence token). Default false, as TransformerLens. */
  excludeBos?: boolean;
  /** Leave out attention of each token to itself. Default false, as TransformerLens. */
  excludeCurrentToken?: boolean;
  /** "mul" (default) or "abs"; see the file comment. */
  errorMeasure?: ErrorMeasure;
}

/** The three kinds of head the detector knows, by their JSON names. */
export const HEAD_KINDS = ['previousToken', 'duplicateToken', 'induction'] as const;
export type HeadKind = (typeof HEAD_KINDS)[number];

/** One head's scores. */
export interface HeadScores {
  layer: number;
  head: number;
  previousToken: number;
  duplicateToken: number;
  induction: number;
}

function square(T: number): number[][] {
  return Array.from({ length: T }, () => new Array<number>(T).fill(0));
}

/** P[i][i - 1] = 1: attend to the token just before. */
export function previousTokenPattern(length: number): number[][] {
  if (!Number.isInteger(length) || length < 1) fail('previousTokenPattern', `length must be a positive integer, got ${length}`);
  const p = square(length);
  for (let i = 1; i < length; i++) p[i][i - 1] = 1;
  return p;
}

/** D[i][j] = 1 for every earlier j holding the same token as i. */
export function duplicateTokenPattern(ids: ArrayLike<number>): number[][] {
  const T = ids.length;
  const p = square(T);
  for (let i = 0; i < T; i++) for (let j = 0; j < i; j++) if (ids[j] === ids[i]) p[i][j] = 1;
  return p;
}

/** I[i][j] = 1 when the token before j is an earlier copy of token i: attend to what followed it last time. */
export function inductionPattern(ids: ArrayLike<number>): number[][] {
  const duplicate = duplicateTokenPattern(ids);
  const T = ids.length;
  const p = square(T);
  // Shift the duplicate pattern one column right (column 0 stays empty), keep the lower triangle.
  for (let i = 0; i < T; i++) for (let j = 1; j <= i; j++) p[i][j] = duplicate[i][j - 1];
  return p;
}

/** The detection pattern of one kind for a sequence. */
export function detectionPattern(kind: HeadKind, ids: ArrayLike<number>): number[][] {
  if (kind === 'previousToken') return previousTokenPattern(ids.length);
  if (kind === 'duplicateToken') return duplicateTokenPattern(ids);
  if (kind === 'induction') return inductionPattern(ids);
  return fail('detectionPattern', `unknown head kind ${JSON.stringify(kind)}; expected one of ${HEAD_KINDS.join(', ')}`);
}

function checkSquare(fn: string, what: string, m: number[][], T: number): void {
  if (!Array.isArray(m) || m.length !== T || m.some((row) => !Array.isArray(row) || row.length !== T)) {
    fail(fn, `${what} must be a ${T} x ${T} matrix`);
  }
}

/** How well one head's attention pattern A (T x T, row = query) matches a detection pattern P. */
export function headSimilarity(attention: number[][], detection: number[][], options: DetectionOptions = {}): number {
  const T = attention.length;
  checkSquare('headSimilarity', 'attention', attention, T);
  checkSquare('headSimilarity', 'detection', detection, T);
  for (let i = 0; i < T; i++) {
    for (let j = i + 1; j < T; j++) if (detection[i][j] !== 0) fail('headSimilarity', `the detection pattern must be lower triangular, but [${i}][${j}] is ${detection[i][j]}`);
  }
  const { excludeBos = false, excludeCurrentToken = false, errorMeasure = 'mul' } = options;
  const excluded = (i: number, j: number) => (excludeBos && j === 0) || (excludeCurrentToken && i === j);
  if (errorMeasure === 'mul') {
    let matched = 0;
    let total = 0;
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        if (excluded(i, j)) continue;
        matched += attention[i][j] * detection[i][j];
        total += attention[i][j];
      }
    }
    return matched / total;
  }
  if (errorMeasure === 'abs') {
    let sum = 0;
    for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) if (!excluded(i, j)) sum += Math.abs(attention[i][j] - detection[i][j]);
    // mean(|A - P|) * T over the T x T cells, rounded to 3 decimals as TransformerLens does.
    return 1 - Math.round((sum / T) * 1000) / 1000;
  }
  return fail('headSimilarity', `errorMeasure must be 'mul' or 'abs', got ${JSON.stringify(errorMeasure)}`);
}

/**
 * The score a perfect head would get with the "mul" measure and no exclusions: it puts all
 * of every row's attention on the pattern's cells, so it scores the share of rows that have one.
 */
export function bestPossibleScore(detection: number[][]): number {
  if (detection.length === 0) return 0;
  return detection.filter((row) => row.some((x) => x !== 0)).length / detection.length;
}

/** Scores every head of precomputed attention maps ([layer][head][q][k]) on one sequence. */
export function scoreHeads(maps: AttentionMaps, ids: ArrayLike<number>, options: DetectionOptions = {}): HeadScores[] {
  const patterns = Object.fromEntries(HEAD_KINDS.map((kind) => [kind, detectionPattern(kind, ids)])) as Record<HeadKind, number[][]>;
  const out: HeadScores[] = [];
  maps.forEach((heads, layer) => {
    heads.forEach((attention, head) => {
      const s = { layer, head } as HeadScores;
      for (const kind of HEAD_KINDS) s[kind] = headSimilarity(attention, patterns[kind], options);
      out.push(s);
    });
  });
  return out;
}

/**
 * Runs the model on each sequence and scores every head, averaging over the sequences as
 * TransformerLens does for a list of prompts. Each sequence needs at least 2 tokens.
 */
export async function detectHeads(model: GPT, sequences: ArrayLike<number> | ArrayLike<number>[], options: DetectionOptions = {}): Promise<HeadScores[]> {
  const list: ArrayLike<number>[] = isListOfSequences(sequences) ? sequences : [sequences];
  if (list.length === 0) fail('detectHeads', 'needs at least one sequence');
  let sum: HeadScores[] | null = null;
  for (const [n, seq] of list.entries()) {
    const ids = checkIds(`detectHeads (sequence ${n})`, seq, model.vocabSize, model.blockSize, 2);
    const scores = scoreHeads(await attentionMaps(model, ids), ids, options);
    if (!sum) sum = scores;
    else for (const [i, s] of scores.entries()) for (const kind of HEAD_KINDS) sum[i][kind] += s[kind];
  }
  return sum!.map((s) => ({ ...s, previousToken: s.previousToken / list.length, duplicateToken: s.duplicateToken / list.length, induction: s.induction / list.length }));
}

function isListOfSequences(x: ArrayLike<number> | ArrayLike<number>[]): x is ArrayLike<number>[] {
  return Array.isArray(x) && x.length > 0 && typeof x[0] !== 'number';
}

export interface RepeatedTokensOptions {
  /** Token ids are drawn from [low, vocabSize). */
  vocabSize: number;
  /** Length of the random half (the sequence is twice as long). */
  halfLength: number;
  /** Seed of the draw (default 0). */
  seed?: number;
  /** Smallest id drawn (default 0); e.g. 1 to keep a padding id 0 out. */
  low?: number;
}

/**
 * halfLength random tokens followed by the same tokens again: the classic test of an
 * induction head, which in the second half attends to the token after the earlier copy.
 * The half holds distinct tokens when the vocabulary allows, so each row has one target.
 */
export function repeatedRandomTokens(options: RepeatedTokensOptions): number[] {
  const { vocabSize, halfLength, seed = 0, low = 0 } = options;
  if (!Number.isInteger(vocabSize) || !Number.isInteger(low) || low < 0 || vocabSize - low < 1) {
    fail('repeatedRandomTokens', `needs integers 0 <= low < vocabSize, got low ${low}, vocabSize ${vocabSize}`);
  }
  if (!Number.isInteger(halfLength) || halfLength < 1) fail('repeatedRandomTokens', `halfLength must be a positive integer, got ${halfLength}`);
  const rng = new Rng(seed);
  const span = vocabSize - low;
  const half: number[] = [];
  const used = new Set<number>();
  while (half.length < halfLength) {
    const id = low + rng.int(span);
    if (used.has(id) && used.size < span) continue; // distinct while there are unused ids left
    used.add(id);
    half.push(id);
  }
  return [...half, ...half];
}
