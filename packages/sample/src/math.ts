// Small numeric helpers shared by the strategies. Probabilities are computed in
// float64 (plain numbers) so that sums over large vocabularies stay accurate.

/** Index of the largest logit; ties go to the lowest index. Throws if every logit is -Infinity. */
export function argmax(logits: ArrayLike<number>, op = 'argmax'): number {
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] > bestValue) {
      bestValue = logits[i];
      best = i;
    }
  }
  if (best < 0) throw new RangeError(`${op}: every token is masked out (all logits are -Infinity or the array is empty)`);
  return best;
}

/** Numerically stable softmax in float64: exp(l - max) / sum. Masked (-Infinity) logits get probability 0. */
export function softmax(logits: ArrayLike<number>, op = 'softmax'): Float64Array {
  const max = logits[argmax(logits, op)];
  const probs = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp(logits[i] - max);
    probs[i] = e;
    sum += e;
  }
  for (let i = 0; i < probs.length; i++) probs[i] /= sum;
  return probs;
}

/**
 * Token ids ordered by `key` descending; ties keep ascending id order, so every
 * strategy breaks ties the same way (lower id first).
 */
export function idsByDescending(key: ArrayLike<number>): Uint32Array {
  const ids = new Uint32Array(key.length);
  for (let i = 0; i < ids.length; i++) ids[i] = i;
  return ids.sort((a, b) => key[b] - key[a] || a - b);
}

/** Copy of `logits` with every id not in `keep` set to -Infinity. */
export function maskAllBut(logits: Float32Array, keep: ArrayLike<number>): Float32Array {
  const out = new Float32Array(logits.length).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < keep.length; i++) out[keep[i]] = logits[keep[i]];
  return out;
}

/**
 * The `rank`-th largest value (1-based) of `values`, by quickselect: average
 * O(n) instead of the O(n log n) of a full sort. Reorders `values` in place,
 * so pass a copy.
 */
export function kthLargest(values: Float64Array, rank: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = rank - 1; // index in descending order
  while (lo < hi) {
    // Hoare partition around the middle value, descending: [lo, j] >= pivot >= [i, hi].
    const pivot = values[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] > pivot) i++;
      while (values[j] < pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i++] = values[j];
        values[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target];
  }
  return values[target];
}

/**
 * Copy of `logits` keeping only the `count` ids with the largest `key` (ties:
 * lower id first) and masking the rest. Same result as the readable
 * maskAllBut(logits, idsByDescending(key).subarray(0, count)), but it finds the
 * count-th largest key by quickselect and keeps what is above it, instead of
 * sorting 50k ids with a comparator (~50x slower at GPT-2's vocabulary size).
 */
export function keepLargest(logits: Float32Array, key: ArrayLike<number>, count: number): Float32Array {
  if (count >= key.length) return logits.slice();
  const threshold = kthLargest(Float64Array.from(key), count);
  let above = 0;
  for (let i = 0; i < key.length; i++) if (key[i] > threshold) above++;
  let tiesLeft = count - above; // how many ids equal to the threshold still fit
  const out = new Float32Array(logits.length).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < key.length; i++) {
    if (key[i] > threshold || (key[i] === threshold && tiesLeft-- > 0)) out[i] = logits[i];
  }
  return out;
}
