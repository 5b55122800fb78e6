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
