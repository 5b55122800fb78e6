// A small seeded random number generator (mulberry32), so initialisation and
// dropout are reproducible in Node and browsers alike.

/** A saved Rng position (see Rng.getState). */
export interface RngState {
  state: number;
  /** The second normal of a Box-Muller pair not yet returned, or null. */
  spare: number | null;
}

export class Rng {
  private state: number;
  /** Second normal from the last Box-Muller pair, or null. */
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    this.state = Math.floor(seed) >>> 0;
  }

  /** Uniform in [0, 1). */
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

  /** The generator's position, to save (JSON-safe) and restore with setState(): resuming gives the same numbers. */
  getState(): RngState {
    return { state: this.state, spare: this.spare };
  }

  /** Restores a position from getState(). */
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

  /** Integer uniform in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }
}
