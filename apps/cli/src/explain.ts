// `attn explain`: one attention head stepped through with real numbers. For the seed
// documents' sentence (cat, sat, mat, it) it uses their hand-picked Q, K and V so the
// numbers match the worked example; any other sentence gets a small seeded head.
// Every number after Q, K, V comes from @attn/layers' scaledDotProductAttention.
import { scaledDotProductAttention } from '@attn/layers';
import { Rng, tensor } from '@attn/tensor';
import { fail } from './errors.js';

export interface Explanation {
  tokens: string[];
  /** The token whose attention is explained (the last one). */
  query: string;
  embeddings: number[][];
  q: number[];
  k: number[][];
  v: number[][];
  scores: number[];
  scaledScores: number[];
  weights: number[];
  output: number[];
  source: 'seed worked example' | 'seeded random head';
}

const SEED_EMBEDDINGS: Record<string, number[]> = { cat: [1, 0, 1], sat: [0, 1, 1], mat: [1, 1, 0], it: [0, 1, 0] };
const SEED_Q_IT = [0, 1];
const SEED_K: Record<string, number[]> = { cat: [2, 1], sat: [1, 1], mat: [1, 2] };
const SEED_V: Record<string, number[]> = { cat: [2, 1], sat: [1, 3], mat: [1, 2] };

function words(sentence: string): string[] {
  return sentence
    .toLowerCase()
    .split(/[^\p{L}\p{N}']+/u)
    .filter((w) => w.length > 0);
}

export function explain(sentence: string, seed = 0): Explanation {
  const all = words(sentence);
  if (all.length < 2) fail(`explain: expected a sentence of at least two words, got '${sentence}'`);
  const isSeed = ['cat', 'sat', 'mat', 'it'].every((w) => all.includes(w));
  let tokens: string[];
  let embeddings: number[][];
  let q: number[];
  let k: number[][];
  let v: number[][];
  if (isSeed) {
    // The seed example: "it" attends over the three content words.
    tokens = ['cat', 'sat', 'mat', 'it'];
    embeddings = tokens.map((t) => SEED_EMBEDDINGS[t]);
    q = SEED_Q_IT;
    k = tokens.slice(0, 3).map((t) => SEED_K[t]);
    v = tokens.slice(0, 3).map((t) => SEED_V[t]);
  } else {
    tokens = all.slice(0, 12);
    const d = 4; // embedding width
    const hs = 2; // head size
    const rng = new Rng(seed);
    const round = (x: number) => Math.round(x * 10) / 10;
    const vocab = new Map<string, number[]>();
    embeddings = tokens.map((t) => {
      if (!vocab.has(t)) vocab.set(t, Array.from({ length: d }, () => round(rng.normal())));
      return vocab.get(t)!;
    });
    const matrix = () => Array.from({ length: d }, () => Array.from({ length: hs }, () => round(rng.normal() * 0.7)));
    const [wq, wk, wv] = [matrix(), matrix(), matrix()];
    const project = (x: number[], w: number[][]) => Array.from({ length: hs }, (_, j) => x.reduce((s, xi, i) => s + xi * w[i][j], 0));
    q = project(embeddings[embeddings.length - 1], wq);
    k = embeddings.map((e) => project(e, wk));
    v = embeddings.map((e) => project(e, wv));
  }
  const dk = q.length;
  const scores = k.map((key) => key.reduce((s, x, i) => s + x * q[i], 0));
  const { weights, output } = scaledDotProductAttention(tensor([q]), tensor(k), tensor(v)); // (1, dk), (Tk, dk), (Tk, dv)
  return {
    tokens,
    query: tokens[tokens.length - 1],
    embeddings,
    q,
    k,
    v,
    scores,
    scaledScores: scores.map((s) => s / Math.sqrt(dk)),
    weights: Array.from(weights.dataSync()),
    output: Array.from(output.dataSync()),
    source: isSeed ? 'seed worked example' : 'seeded random head',
  };
}

const f = (x: number) => x.toFixed(2);
const vec = (xs: number[]) => `[${xs.map(f).join(', ')}]`;

export function formatExplanation(e: Explanation): string {
  const keys = e.tokens.slice(0, e.k.length);
  const pad = Math.max(...e.tokens.map((t) => t.length));
  const lines = [`One attention head (${e.source}), query = "${e.query}"`, '', '1. embeddings (one row per token)'];
  for (const [i, t] of e.tokens.entries()) lines.push(`   ${t.padEnd(pad)}  ${vec(e.embeddings[i])}`);
  lines.push('', `2. query of "${e.query}": Q = ${vec(e.q)}`, '', '3. keys K and values V');
  for (const [i, t] of keys.entries()) lines.push(`   ${t.padEnd(pad)}  K = ${vec(e.k[i])}  V = ${vec(e.v[i])}`);
  lines.push('', '4. scores Q·K, scaled by 1/sqrt(d_k) = 1/sqrt(' + e.q.length + '), softmax weights');
  for (const [i, t] of keys.entries()) lines.push(`   ${t.padEnd(pad)}  score ${f(e.scores[i])}  scaled ${f(e.scaledScores[i])}  weight ${f(e.weights[i])}`);
  lines.push('', `5. output = sum of weight × V = ${vec(e.output)}`);
  const top = e.weights.indexOf(Math.max(...e.weights));
  lines.push(`   "${e.query}" attends most to "${keys[top]}" (${(e.weights[top] * 100).toFixed(0)}%).`);
  return lines.join('\n');
}
