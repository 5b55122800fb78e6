// A small seeded pseudo-random generator, so sampling is reproducible from a
// seed on every platform (Math.random cannot be seeded).
//
// Algorithm: xoshiro128** (Blackman & Vigna), 128 bits of state, seeded by
// running splitmix32 over the seed so that nearby seeds give unrelated streams.

export interface Rng {
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number;
}

/** Creates a generator from any 32-bit integer seed (other numbers are truncated to 32 bits). */
export function createRng(seed: number): Rng {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new RangeError(`createRng: seed must be a finite number, got ${String(seed)}`);
  }
  let s = seed >>> 0;
  // splitmix32: expands one 32-bit seed into the four state words.
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  return {
    next() {
      const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
      const t = (b << 9) >>> 0;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
      a >>>= 0;
      b >>>= 0;
      c >>>= 0;
      return result / 4294967296;
    },
  };
}
