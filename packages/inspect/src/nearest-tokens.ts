// The nearest tokens of a few tokens in a GPT's whole vocabulary: cosine similarity of their
// rows of the embedding table wte against every row. embeddingMap compares the vectors it is
// given with each other, which for GPT-2's 50,257 tokens would be 2.5 billion pairs and a host
// copy of the whole table; this compares only the asked-for tokens with the table, a block of
// rows at a time on the model's backend, so what is read back is a (rows, queries) block of
// similarities and nothing the size of the table is copied.
import type { GPT } from '@attn/model';
import { indexSelect, noGrad, type Tensor, tidy } from '@attn/tensor';
import { readTensor } from './cache.js';
import { checkIds, fail } from './errors.js';

/** A token of the vocabulary and its cosine similarity to the token asked about. */
export interface NearToken {
  id: number;
  /** In [-1, 1]; 0 when either row is all zeros. */
  similarity: number;
}

export interface NearestTokensOptions {
  /** Neighbours per token (default 5). */
  k?: number;
  /** Compare with ids below this only (default: the whole vocabulary), e.g. the ids a padded vocabulary's tokenizer has. */
  among?: number;
  /** Rows of the table compared at once (default 4,096: 12 MB of GPT-2's table). */
  rowsPerBlock?: number;
}

/**
 * For each of `ids`, the k tokens of the vocabulary whose embedding rows are most similar to its
 * own by cosine similarity, most similar first (ties: lower id first), itself left out.
 */
export async function nearestTokens(model: GPT, ids: ArrayLike<number>, options: NearestTokensOptions = {}): Promise<NearToken[][]> {
  const fn = 'nearestTokens';
  const V = model.config.vocabSize;
  const wanted = checkIds(fn, ids, V, Number.POSITIVE_INFINITY);
  const among = options.among ?? V;
  if (!Number.isInteger(among) || among < 1 || among > V) fail(fn, `among must be a whole number from 1 to the vocabulary size ${V}, got ${among}`);
  const k = options.k ?? 5;
  if (!Number.isInteger(k) || k < 0) fail(fn, `k must be a non-negative integer, got ${k}`);
  const block = options.rowsPerBlock ?? 4096;
  if (!Number.isInteger(block) || block < 1) fail(fn, `rowsPerBlock must be a positive integer, got ${block}`);
  const wte = model.transformer.wte.weight; // (V, C)
  const n = wanted.length;
  // The asked-for rows, each divided by its length: (n, C).
  const queries = tidy(() => noGrad(() => unitRows(indexSelect(wte, 0, wanted))));
  const best: NearToken[][] = wanted.map(() => []);
  try {
    for (let start = 0; start < among; start += block) {
      const end = Math.min(among, start + block);
      // (end - start, C) @ (n, C)^T -> (end - start, n): every row of the block against every query.
      const similarity = tidy(() => noGrad(() => unitRows(wte.slice(0, start, end)).matmul(queries, { transB: true })));
      let host: Awaited<ReturnType<typeof readTensor>>;
      try {
        host = await readTensor(similarity);
      } finally {
        similarity.dispose();
      }
      for (let r = 0; r < end - start; r++) {
        const id = start + r;
        for (let q = 0; q < n; q++) if (id !== wanted[q]) keep(best[q], { id, similarity: host.data[r * n + q] }, k);
      }
    }
  } finally {
    queries.dispose();
  }
  return best;
}

/** Rows of `x` (R, C) divided by their length; an all-zero row stays zero (as cosineSimilarity gives 0). */
function unitRows(x: Tensor): Tensor {
  const length = x.mul(x).sum(1, true).sqrt(); // (R, 1)
  return x.div(length.add(1e-30));
}

/** Inserts `token` into `list` (most similar first, at most k; ties: lower id first). */
function keep(list: NearToken[], token: NearToken, k: number): void {
  if (k === 0) return;
  if (list.length === k && !(token.similarity > list[k - 1].similarity)) return; // ids come in ascending order: a tie keeps the earlier
  let at = list.length;
  while (at > 0 && token.similarity > list[at - 1].similarity) at--;
  list.splice(at, 0, token);
  if (list.length > k) list.pop();
}
