// A fixed token <-> id table for the synthetic tasks (word-level for the
// coreference language, character-level for the seq2seq tasks).

import { DataError } from './errors';

/** An immutable mapping between tokens and integer ids 0..size-1. */
export class Vocabulary {
  /** Token of each id. */
  readonly tokens: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;

  constructor(tokens: readonly string[]) {
    const ids = new Map<string, number>();
    tokens.forEach((token, id) => {
      if (ids.has(token)) throw new DataError(`Vocabulary: duplicate token '${token}'`);
      ids.set(token, id);
    });
    this.tokens = Object.freeze(tokens.slice());
    this.ids = ids;
  }

  /** Number of tokens. */
  get size(): number {
    return this.tokens.length;
  }

  /** Id of one token; throws for tokens outside the vocabulary. */
  id(token: string): number {
    const id = this.ids.get(token);
    if (id === undefined) throw new DataError(`Vocabulary: unknown token '${token}'`);
    return id;
  }

  /** Whether `token` is in the vocabulary. */
  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** Ids of a token sequence. */
  encode(tokens: Iterable<string>): Int32Array {
    return Int32Array.from(tokens, (t) => this.id(t));
  }

  /** Tokens of an id sequence; throws for ids out of range. */
  decode(ids: ArrayLike<number>): string[] {
    return Array.from(ids, (id) => {
      const token = this.tokens[id];
      if (token === undefined) throw new DataError(`Vocabulary: id ${id} out of range [0, ${this.size})`);
      return token;
    });
  }
}
