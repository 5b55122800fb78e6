// Byte-pair merging of one pre-token piece. Start from one token per byte, then
// repeatedly merge the adjacent pair with the lowest merge rank (the leftmost one
// on ties) until no adjacent pair has a rank. This is the rule both OpenAI's GPT-2
// encoder and tiktoken follow.
import type { PairTable } from './pair-table.js';

/** What merging needs: the rank of a pair and the token a rank produces. */
export interface MergeRules {
  pairs: PairTable;
  /** mergedIds[rank] = the id of the token that merge `rank` creates. */
  mergedIds: Int32Array;
}

/**
 * Reference path: rescan every adjacent pair after each merge. O(n^2) in the
 * piece length, which is fine for words (a handful of bytes) and is easy to read.
 */
export function mergeSimple(ids: number[], rules: MergeRules): number[] {
  const parts = ids.slice();
  for (;;) {
    let bestRank = -1;
    let bestAt = -1;
    for (let i = 0; i + 1 < parts.length; i++) {
      const rank = rules.pairs.get(parts[i], parts[i + 1]);
      if (rank !== -1 && (bestRank === -1 || rank < bestRank)) {
        bestRank = rank;
        bestAt = i;
      }
    }
    if (bestAt === -1) return parts;
    parts.splice(bestAt, 2, rules.mergedIds[bestRank]);
  }
}

/**
 * Fast path for short pieces: keep each adjacent pair's rank in an array and only
 * recompute the two ranks next to a merge (as tiktoken does).
 */
export function mergeWithRankArray(ids: number[], rules: MergeRules): number[] {
  const parts = ids.slice();
  const ranks: number[] = new Array(Math.max(parts.length - 1, 0));
  for (let i = 0; i + 1 < parts.length; i++) ranks[i] = rules.pairs.get(parts[i], parts[i + 1]);
  for (;;) {
    let bestRank = -1;
    let bestAt = -1;
    for (let i = 0; i < ranks.length; i++) {
      const rank = ranks[i];
      if (rank !== -1 && (bestRank === -1 || rank < bestRank)) {
        bestRank = rank;
        bestAt = i;
      }
    }
    if (bestAt === -1) return parts;
    parts[bestAt] = rules.mergedIds[bestRank];
    parts.splice(bestAt + 1, 1);
    ranks.splice(bestAt, 1);
    if (bestAt > 0) ranks[bestAt - 1] = rules.pairs.get(parts[bestAt - 1], parts[bestAt]);
    if (bestAt < ranks.length) ranks[bestAt] = rules.pairs.get(parts[bestAt], parts[bestAt + 1]);
  }
}

/**
 * Fast path for long pieces (a megabyte of spaces is one piece): a linked list of
 * parts plus a min-heap of candidate merges, O(n log n). Heap entries are never
 * removed when they go stale; instead an entry is checked when popped and skipped
 * if its pair no longer has that rank. Keys pack (rank, position) into one number
 * so the heap compares doubles: rank first, then leftmost position.
 */
export function mergeWithHeap(ids: number[], rules: MergeRules): number[] {
  const n = ids.length;
  const tokens = Int32Array.from(ids);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  const alive = new Uint8Array(n).fill(1);
  const POSITIONS = 2 ** 32; // positions < 2^32 and ranks < 2^21 keep keys exact
  const heap: number[] = [];
  const push = (key: number) => {
    heap.push(key);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent] <= key) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = key;
  };
  const pop = (): number => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const r = l + 1;
        const c = r < heap.length && heap[r] < heap[l] ? r : l;
        if (heap[c] >= last) break;
        heap[i] = heap[c];
        i = c;
      }
      heap[i] = last;
    }
    return top;
  };
  const consider = (at: number) => {
    const right = next[at];
    if (right === -1) return;
    const rank = rules.pairs.get(tokens[at], tokens[right]);
    if (rank !== -1) push(rank * POSITIONS + at);
  };
  for (let i = 0; i + 1 < n; i++) consider(i);
  while (heap.length > 0) {
    const key = pop();
    const at = key % POSITIONS;
    const rank = (key - at) / POSITIONS;
    const right = next[at];
    if (!alive[at] || right === -1 || rules.pairs.get(tokens[at], tokens[right]) !== rank) continue; // stale
    tokens[at] = rules.mergedIds[rank];
    alive[right] = 0;
    next[at] = next[right];
    if (next[right] !== -1) prev[next[right]] = at;
    if (prev[at] !== -1) consider(prev[at]);
    consider(at);
  }
  const out: number[] = [];
  for (let i = 0; i !== -1 && i < n; i = next[i]) out.push(tokens[i]);
  return out;
}

/** Pieces longer than this many bytes use the heap; shorter ones the rank array. */
export const HEAP_THRESHOLD = 64;

export function mergePiece(ids: number[], rules: MergeRules): number[] {
  return ids.length > HEAP_THRESHOLD ? mergeWithHeap(ids, rules) : mergeWithRankArray(ids, rules);
}
