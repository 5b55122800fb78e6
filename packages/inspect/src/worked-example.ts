// Heads explained without a checkpoint: the seed documents' worked example ("it" asks with
// Q = [0, 1]; cat, sat and mat answer with keys [2, 1], [1, 1], [1, 2] and values [2, 1],
// [1, 3], [1, 2]: weights 0.248 / 0.248 / 0.503, output [1.248, 1.998], i.e. [0.25, 0.25, 0.5]
// and [1.25, 2] to two places), and a small seeded random head for any other sentence.
// Both have the same six steps as a trained GPT's head (explain-head.ts).
import { Rng } from '@attn/tensor';
import { fail } from './errors.js';
import { attendOnce, buildSteps, excerpt, type HeadExplanation, rowTimes, stepNames } from './explanation.js';

/** The seed example's 3-d embeddings. */
const SEED_EMBEDDINGS: Record<string, number[]> = { cat: [1, 0, 1], sat: [0, 1, 1], mat: [1, 1, 0], it: [0, 1, 0] };

// Projections (3 -> 2) that give exactly the seed's numbers:
// Q(it) = [0, 1]; K: cat [2, 1], sat [1, 1], mat [1, 2]; V: cat [2, 1], sat [1, 3], mat [1, 2].
const SEED_W_Q = [
  [1, 0],
  [0, 1],
  [0, 0],
];
const SEED_W_K = [
  [1, 1],
  [0, 1],
  [1, 0],
];
const SEED_W_V = [
  [1, 0],
  [0, 2],
  [1, 1],
];

/** Splits a sentence into lower-case words (letters, digits, apostrophes). */
export function words(sentence: string): string[] {
  return sentence
    .toLowerCase()
    .split(/[^\p{L}\p{N}']+/u)
    .filter((w) => w.length > 0);
}

/** Whether a sentence holds the seed example's words (cat, sat, mat and it). */
export function isSeedSentence(sentence: string): boolean {
  const all = words(sentence);
  return ['cat', 'sat', 'mat', 'it'].every((w) => all.includes(w));
}

/** A toy head (no positions, no output projection) on given embeddings and projections. */
function toyHead(
  source: HeadExplanation['source'],
  tokens: string[],
  embeddings: number[][],
  w: { q: number[][]; k: number[][]; v: number[][] },
  queryIndex: number,
  keys: number[],
  maskWhy: string,
): HeadExplanation {
  const queries = embeddings.map((x) => rowTimes(x, w.q));
  const keysByToken = embeddings.map((x) => rowTimes(x, w.k));
  const valuesByToken = embeddings.map((x) => rowTimes(x, w.v));
  const q = queries[queryIndex];
  const k = keys.map((j) => keysByToken[j]);
  const v = keys.map((j) => valuesByToken[j]);
  const { scores, scale, scaledScores, weights, output } = attendOnce(q, k, v);
  const projections = { query: excerpt('W_Q', w.q), key: excerpt('W_K', w.k), value: excerpt('W_V', w.v) };
  const masked = tokens.map((_, i) => i).filter((i) => !keys.includes(i));
  const numbers = { projections, queries, keysByToken, valuesByToken, q, scores, scale, scaledScores, weights, output };
  const steps = buildSteps(
    {
      tokens: stepNames(tokens),
      queryIndex,
      keys,
      masked,
      headSize: q.length,
      embeddingsWhy:
        source === 'seed worked example'
          ? `Each word starts as a vector of ${embeddings[0].length} numbers (this small example has no position embeddings). "${tokens[queryIndex]}" is the word whose meaning we want to resolve.`
          : `Each word starts as a vector of ${embeddings[0].length} random numbers, the same vector for the same word (no position embeddings here).`,
      embeddingRows: stepNames(tokens).map((t, i): [string, number[]] => [t, embeddings[i]]),
      maskWhy,
      projectionRow: null,
      projectionMatrix: null,
    },
    numbers,
  );
  return {
    source,
    tokens,
    ids: null,
    layer: 0,
    head: 0,
    queryIndex,
    query: tokens[queryIndex],
    modelWidth: embeddings[0].length,
    headSize: q.length,
    embeddings: { token: embeddings, position: null, sum: embeddings },
    input: embeddings,
    ...numbers,
    keys,
    masked,
    k,
    v,
    projection: null,
    steps,
  };
}

/**
 * The seed documents' worked example: "it" attends over "cat", "sat" and "mat", with
 * hand-picked 3-d embeddings and 3 -> 2 projections. Weights [0.248, 0.248, 0.503], output
 * [1.248, 1.998].
 */
export function workedExample(): HeadExplanation {
  const tokens = ['cat', 'sat', 'mat', 'it'];
  return toyHead(
    'seed worked example',
    tokens,
    tokens.map((t) => SEED_EMBEDDINGS[t]),
    { q: SEED_W_Q, k: SEED_W_K, v: SEED_W_V },
    3,
    [0, 1, 2],
    'In this example "it" looks only at the three words before it (a trained GPT lets a token look at itself too, and never at later tokens).',
  );
}

/**
 * A small random head (4-d embeddings, head size 2, values rounded to one decimal so they
 * can be followed by hand) for the last word of any sentence of 2 to 12 words, seeded.
 */
export function randomHeadExample(sentence: string, seed = 0): HeadExplanation {
  const all = words(sentence);
  if (all.length < 2) fail('randomHeadExample', `expected a sentence of at least two words, got ${JSON.stringify(sentence)}`);
  const tokens = all.slice(0, 12);
  const d = 4; // embedding width
  const hs = 2; // head size
  const rng = new Rng(seed);
  const round = (x: number) => Math.round(x * 10) / 10;
  const vocab = new Map<string, number[]>();
  const embeddings = tokens.map((t) => {
    if (!vocab.has(t)) vocab.set(t, Array.from({ length: d }, () => round(rng.normal())));
    return vocab.get(t)!;
  });
  const matrix = () => Array.from({ length: d }, () => Array.from({ length: hs }, () => round(rng.normal() * 0.7)));
  const w = { q: matrix(), k: matrix(), v: matrix() };
  const queryIndex = tokens.length - 1;
  return toyHead(
    'seeded random head',
    tokens,
    embeddings,
    w,
    queryIndex,
    tokens.map((_, i) => i),
    'The last word may look at every word, itself included (nothing comes after it).',
  );
}

/** The explanation to show without a checkpoint: the seed example for its sentence, else a seeded random head. */
export function exampleExplanation(sentence: string, seed = 0): HeadExplanation {
  return isSeedSentence(sentence) ? workedExample() : randomHeadExample(sentence, seed);
}
