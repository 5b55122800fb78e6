// The embedding map: token embeddings projected to 2-D with PCA (@attn/viz's pca2d), each
// token's nearest neighbours by cosine similarity in the full space, and, for groups of
// tokens, whether they lie together: the mean cosine distance within the groups against the
// mean between them, measured in the full space (the 2-D map only pictures it).
import type { GPT } from '@attn/model';
import { noGrad, type Tensor, tidy } from '@attn/tensor';
import { pca2d } from '@attn/viz';
import { readTensor } from './cache.js';
import { checkIds, fail } from './errors.js';

export interface Neighbour {
  /** Index into the map's points. */
  index: number;
  label: string;
  /** Cosine similarity, in [-1, 1]. */
  similarity: number;
}

export interface TokenGroup {
  name: string;
  /** Indices into the map's points. */
  members: number[];
}

export interface GroupSeparation {
  /** Mean cosine distance (1 - cosine similarity) over pairs of tokens in the same group. */
  within: number;
  /** Mean cosine distance over pairs of tokens in different groups. */
  between: number;
  /** between / within: above 1 when groups sit apart from each other. */
  ratio: number;
  /** The mean within each group, by name. */
  perGroup: Record<string, number>;
  /** Pairs counted. */
  withinPairs: number;
  betweenPairs: number;
}

export interface EmbeddingMap {
  /** One [x, y] per vector: its coordinates on the first two principal axes. */
  points: [number, number][];
  labels: string[];
  /** Share of the variance each of the two axes shows. */
  explainedVarianceRatio: [number, number];
  /** neighbours[i]: the k most similar other tokens to token i, most similar first. */
  neighbours: Neighbour[][];
  /** Present when groups were given. */
  separation?: GroupSeparation;
}

export interface EmbeddingMapOptions {
  /** Neighbours per token (default 5). */
  neighbours?: number;
  /** Groups whose separation to measure. */
  groups?: TokenGroup[];
}

/** Cosine similarity of two vectors (0 when either is all zeros). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** Mean cosine distance within and between groups of vectors. */
export function groupSeparation(vectors: number[][], groups: TokenGroup[]): GroupSeparation {
  const fn = 'groupSeparation';
  const groupOf = new Map<number, number>();
  groups.forEach((g, gi) => {
    if (!g || typeof g.name !== 'string' || !Array.isArray(g.members)) fail(fn, `groups[${gi}] must be { name, members: number[] }`);
    for (const m of g.members) {
      if (!Number.isInteger(m) || m < 0 || m >= vectors.length) fail(fn, `group '${g.name}' has member ${m}, outside 0..${vectors.length - 1}`);
      if (groupOf.has(m)) fail(fn, `token ${m} is in two groups ('${groups[groupOf.get(m)!].name}' and '${g.name}')`);
      groupOf.set(m, gi);
    }
    if (g.members.length < 2) fail(fn, `group '${g.name}' needs at least 2 members to have a distance within it`);
  });
  if (groups.length < 2) fail(fn, `needs at least 2 groups, got ${groups.length}`);
  const members = [...groupOf.keys()];
  let within = 0;
  let withinPairs = 0;
  let between = 0;
  let betweenPairs = 0;
  const perGroupSum = groups.map(() => 0);
  const perGroupPairs = groups.map(() => 0);
  for (let a = 0; a < members.length; a++) {
    for (let b = a + 1; b < members.length; b++) {
      const distance = 1 - cosineSimilarity(vectors[members[a]], vectors[members[b]]);
      const ga = groupOf.get(members[a])!;
      if (ga === groupOf.get(members[b])) {
        within += distance;
        withinPairs++;
        perGroupSum[ga] += distance;
        perGroupPairs[ga]++;
      } else {
        between += distance;
        betweenPairs++;
      }
    }
  }
  within /= withinPairs;
  between /= betweenPairs;
  return {
    within,
    between,
    ratio: between / within,
    perGroup: Object.fromEntries(groups.map((g, gi) => [g.name, perGroupSum[gi] / perGroupPairs[gi]])),
    withinPairs,
    betweenPairs,
  };
}

/** PCA points, cosine neighbours and (with groups) their separation, for labelled vectors. */
export function embeddingMap(vectors: number[][], labels: string[], options: EmbeddingMapOptions = {}): EmbeddingMap {
  const fn = 'embeddingMap';
  if (!Array.isArray(vectors) || vectors.length < 2) fail(fn, `needs at least 2 vectors, got ${Array.isArray(vectors) ? vectors.length : typeof vectors}`);
  if (!Array.isArray(labels) || labels.length !== vectors.length) fail(fn, `needs one label per vector (${vectors.length}), got ${Array.isArray(labels) ? labels.length : typeof labels}`);
  const k = Math.min(options.neighbours ?? 5, vectors.length - 1);
  if (!Number.isInteger(k) || k < 0) fail(fn, `neighbours must be a non-negative integer, got ${options.neighbours}`);
  const pca = pca2d(vectors);
  const n = vectors.length;
  const similarity = Array.from({ length: n }, () => new Float64Array(n));
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) similarity[a][b] = similarity[b][a] = cosineSimilarity(vectors[a], vectors[b]);
  }
  const neighbours = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .sort((a, b) => similarity[i][b] - similarity[i][a] || a - b)
      .slice(0, k)
      .map((j) => ({ index: j, label: labels[j], similarity: similarity[i][j] })),
  );
  const map: EmbeddingMap = { points: pca.points, labels: [...labels], explainedVarianceRatio: pca.explainedVarianceRatio, neighbours };
  if (options.groups) map.separation = groupSeparation(vectors, options.groups);
  return map;
}

/** Rows of a GPT's token embedding table wte for `ids` (default: every token), read from the device. */
export async function tokenEmbeddings(model: GPT, ids?: ArrayLike<number>): Promise<number[][]> {
  const { vocabSize: V, nEmbd: C } = model.config;
  const wanted = ids === undefined ? null : checkIds('tokenEmbeddings', ids, V, Number.POSITIVE_INFINITY);
  const rows: Tensor[] = tidy(() =>
    noGrad(() => {
      const wte = model.transformer.wte.weight; // (V, C)
      return wanted ? wanted.map((id) => wte.slice(0, id, id + 1)) : [wte.add(0)]; // (1, C) each, or the whole (V, C)
    }),
  );
  try {
    const out: number[][] = [];
    for (const row of rows) {
      const host = await readTensor(row);
      for (let r = 0; r < host.shape[0]; r++) out.push(Array.from(host.data.subarray(r * C, (r + 1) * C)));
    }
    return out;
  } finally {
    for (const row of rows) row.dispose();
  }
}
