// A hash table from a token pair (left id, right id) to its merge rank. Encoding
// looks up every adjacent pair again and again, so this is the hottest structure
// in the tokenizer. A JS Map keyed by `left * vocab + right` would overflow V8's
// small-integer range for GPT-2 (50257^2 > 2^31) and fall back to slow heap
// numbers; open addressing over typed arrays keeps every probe to a few integer ops.
export class PairTable {
  private readonly mask: number;
  private readonly lefts: Int32Array;
  private readonly rights: Int32Array;
  private readonly ranks: Int32Array;

  constructor(capacityHint: number) {
    let size = 16;
    while (size < capacityHint * 2) size *= 2; // load factor <= 0.5
    this.mask = size - 1;
    this.lefts = new Int32Array(size).fill(-1);
    this.rights = new Int32Array(size);
    this.ranks = new Int32Array(size);
  }

  private static hash(left: number, right: number): number {
    return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)) >>> 0;
  }

  /** Stores the rank of (left, right); returns false if the pair was already present. */
  set(left: number, right: number, rank: number): boolean {
    let slot = PairTable.hash(left, right) & this.mask;
    while (this.lefts[slot] !== -1) {
      if (this.lefts[slot] === left && this.rights[slot] === right) return false;
      slot = (slot + 1) & this.mask;
    }
    this.lefts[slot] = left;
    this.rights[slot] = right;
    this.ranks[slot] = rank;
    return true;
  }

  /** The merge rank of (left, right), or -1 if the pair never merges. */
  get(left: number, right: number): number {
    let slot = PairTable.hash(left, right) & this.mask;
    for (;;) {
      const l = this.lefts[slot];
      if (l === -1) return -1;
      if (l === left && this.rights[slot] === right) return this.ranks[slot];
      slot = (slot + 1) & this.mask;
    }
  }
}
