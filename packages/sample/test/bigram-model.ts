// A fake IncrementalLM for the tests: a bigram table (the next-token logits
// depend only on the last token), plus bookkeeping that lets tests check how
// `generate` used the cache.
import type { DecodingState, IncrementalLM } from '../src/index.js';

export class BigramModel implements IncrementalLM {
  /** Every call to feed, in order: which state and which ids. */
  readonly feeds: { state: number; ids: number[] }[] = [];
  /** Largest cache length any state reached. */
  maxLength = 0;
  /** The states whose dispose() was called, in order. */
  readonly disposed: number[] = [];
  private states = 0;

  /** `table[a]` = logits of the token after `a`. */
  constructor(
    readonly table: number[][],
    readonly blockSize: number,
  ) {}

  get vocabSize(): number {
    return this.table.length;
  }

  get statesStarted(): number {
    return this.states;
  }

  startDecoding(): DecodingState {
    const model = this;
    const id = this.states++;
    let length = 0;
    return {
      get length() {
        return length;
      },
      feed(ids) {
        if (ids.length === 0) throw new Error('fed nothing');
        length += ids.length;
        if (length > model.blockSize) throw new Error(`cache overflow: ${length} > ${model.blockSize}`);
        model.maxLength = Math.max(model.maxLength, length);
        model.feeds.push({ state: id, ids: [...ids] });
        return Float32Array.from(model.table[ids[ids.length - 1]]);
      },
      dispose() {
        model.disposed.push(id);
        length = 0;
      },
    };
  }
}

/** A cycle 0 -> 1 -> 2 -> ... -> n-1 -> 0 under greedy decoding. */
export function cycleTable(n: number): number[][] {
  return Array.from({ length: n }, (_, a) => Array.from({ length: n }, (_, b) => (b === (a + 1) % n ? 5 : 0)));
}
