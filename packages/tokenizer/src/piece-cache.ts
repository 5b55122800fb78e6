// Remembers the ids of pre-token pieces. Keys are looked up by a range of the
// input text (text, start, end), so a cache hit never allocates a substring:
// on English prose nearly every piece is a hit, and creating and hashing a
// quarter of a million short strings per megabyte was most of the encode time.
// Open addressing; when it is full it simply starts over.

export class PieceCache {
  private readonly mask: number;
  private readonly keys: (string | undefined)[];
  private readonly hashes: Int32Array;
  private readonly values: (number | number[])[];
  private size = 0;

  /** `maxEntries` pieces at most; 0 disables caching. */
  constructor(readonly maxEntries: number) {
    let slots = 16;
    while (slots < maxEntries * 2) slots *= 2; // load factor <= 0.5
    this.mask = slots - 1;
    this.keys = new Array(maxEntries > 0 ? slots : 0);
    this.hashes = new Int32Array(maxEntries > 0 ? slots : 0);
    this.values = new Array(maxEntries > 0 ? slots : 0);
  }

  private static hash(text: string, start: number, end: number): number {
    let h = 0x811c9dc5 ^ (end - start);
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return h;
  }

  /** The cached ids of text[start, end), or undefined. */
  get(text: string, start: number, end: number): number | number[] | undefined {
    if (this.maxEntries === 0) return undefined;
    const h = PieceCache.hash(text, start, end);
    const length = end - start;
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const key = this.keys[slot];
      if (key === undefined) return undefined;
      if (this.hashes[slot] !== h || key.length !== length) continue;
      let same = true;
      for (let k = 0; k < length; k++) {
        if (key.charCodeAt(k) !== text.charCodeAt(start + k)) {
          same = false;
          break;
        }
      }
      if (same) return this.values[slot];
    }
  }

  /** Stores the ids of `piece` (a piece not yet in the cache). */
  set(piece: string, ids: number | number[]): void {
    if (this.maxEntries === 0) return;
    if (this.size >= this.maxEntries) this.clear();
    const h = PieceCache.hash(piece, 0, piece.length);
    let slot = h & this.mask;
    while (this.keys[slot] !== undefined) slot = (slot + 1) & this.mask;
    this.keys[slot] = piece;
    this.hashes[slot] = h;
    this.values[slot] = ids;
    this.size++;
  }

  clear(): void {
    this.keys.fill(undefined);
    this.values.fill(0);
    this.size = 0;
  }
}
