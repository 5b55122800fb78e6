// Shared test helpers: seeded random operands and a float32 rounding bound.

/** Deterministic uniform values in [-1, 1) (mulberry32), so failures reproduce. */
export function randomArray(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/**
 * Largest error float32 summation of K products may make, relative to
 * sum_k |a_ik b_kj| (the standard bound gamma_K = K u / (1 - K u), u = 2^-24,
 * plus one rounding for each product and for the final store).
 */
export function float32Bound(K: number): number {
  const u = 2 ** -24;
  return ((K + 2) * u) / (1 - (K + 2) * u);
}
