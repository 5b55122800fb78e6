// The one seedable random generator of attn (mulberry32: 32 bits of state,
// identical in every JavaScript engine), used by weight initialisation and
// dropout here, by @attn/datasets (shuffles, batch windows, synthetic
// languages), @attn/sample (multinomial draws) and @attn/train (batch order).
// Its whole position is getState(): a checkpoint saves it and setState()
// continues the same stream, so resuming never replays draws to catch up.

/** A saved Rng position (see Rng.getState); plain JSON. */
export interface RngState {
  state: number;
  /** The second normal of a Box-Muller pair not yet returned, or null. */
  spare: number | null;
}

export class Rng {
  private state: number;
  /** Second normal from the last Box-Muller pair, or null. */
  private spare: number | null = null;

  /** Any finite number (reduced to an unsigned 32-bit integer); the same seed gives the same stream. */
  constructor(seed: number) {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${String(seed)}`);
    this.state = Math.floor(seed) >>> 0;
  }

  /** A generator at `saved` (from getState()). */
  static fromState(saved: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(saved);
    return rng;
  }

  /** Uniform in [0, 1), 32 bits of randomness. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next(); // log(0) would be -Infinity
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Integer uniform in [0, n), n up to 2^32 (floor of a uniform float: the bias is below n / 2^32). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty array');
    return items[this.int(items.length)];
  }

  /** A Fisher-Yates shuffled copy of `items` (the input is left alone). */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }

  /** The generator's position, to save (JSON-safe) and restore with setState(): resuming gives the same numbers. */
  getState(): RngState {
    return { state: this.state, spare: this.spare };
  }

  /** Restores a position from getState() (validated first: a bad state changes nothing). */
  setState(saved: RngState): void {
    const ok =
      saved !== null &&
      typeof saved === 'object' &&
      Number.isInteger(saved.state) &&
      saved.state >= 0 &&
      saved.state <= 0xffffffff &&
      (saved.spare === null || Number.isFinite(saved.spare));
    if (!ok) throw new Error(`Rng.setState: expected { state: uint32, spare: number | null }, got ${JSON.stringify(saved)}`);
    this.state = saved.state;
    this.spare = saved.spare;
  }
}
