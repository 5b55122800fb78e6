// Whole words from a fixed list (the coreference language of @attn/datasets):
// text is split on whitespace and every word must be in the list; ids are
// positions in the list.
import { TokenizerError } from './errors.js';
import type { Tokenizer } from './tokenizer.js';

export interface WordTokenizerJson {
  format: 'attn-word';
  version: 1;
  /** The words, in id order. */
  words: string[];
}

export class WordTokenizer implements Tokenizer {
  readonly kind = 'word' as const;
  /** The words, in id order. */
  readonly words: readonly string[];
  private readonly idOf: Map<string, number>;

  /** Every word non-empty, without whitespace, and listed once. */
  constructor(words: readonly string[], source = 'WordTokenizer') {
    if (!Array.isArray(words) || words.length === 0) throw new TokenizerError(`${source}: expected a non-empty array of words`);
    this.idOf = new Map();
    words.forEach((w, i) => {
      if (typeof w !== 'string' || w.length === 0 || /\s/.test(w)) {
        throw new TokenizerError(`${source}: words[${i}] must be a non-empty string without whitespace, got ${JSON.stringify(w)}`);
      }
      if (this.idOf.has(w)) throw new TokenizerError(`${source}: words[${i}] repeats ${JSON.stringify(w)} (first at ${this.idOf.get(w)})`);
      this.idOf.set(w, i);
    });
    this.words = [...words];
  }

  static fromJSON(json: unknown, source = 'word-tokenizer.json'): WordTokenizer {
    const d = json as Partial<WordTokenizerJson> | null;
    if (typeof d !== 'object' || d === null || d.format !== 'attn-word') {
      throw new TokenizerError(`${source}: expected an object with "format": "attn-word" (a file saved by WordTokenizer.toJSON)`);
    }
    if (d.version !== 1) throw new TokenizerError(`${source}: unsupported version ${JSON.stringify(d.version)}, expected 1`);
    return new WordTokenizer(d.words as string[], source);
  }

  toJSON(): WordTokenizerJson {
    return { format: 'attn-word', version: 1, words: [...this.words] };
  }

  get vocabSize(): number {
    return this.words.length;
  }

  /** Splits on whitespace; a word outside the list throws, naming it and a few known words. */
  encode(text: string): number[] {
    if (typeof text !== 'string') throw new TokenizerError(`WordTokenizer.encode: expected the text as a string, got ${text === null ? 'null' : typeof text}`);
    return text
      .trim()
      .split(/\s+/)
      .filter((w) => w.length > 0)
      .map((w) => {
        const id = this.idOf.get(w);
        if (id === undefined) {
          throw new TokenizerError(`the word ${JSON.stringify(w)} is not in this vocabulary (${this.words.length} words, e.g. ${this.words.slice(1, 6).join(', ')})`);
        }
        return id;
      });
  }

  /** Ids -> words joined by single spaces. */
  decode(ids: ArrayLike<number>): string {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) out.push(this.label(ids[i]));
    return out.join(' ');
  }

  label(id: number): string {
    const w = Number.isInteger(id) ? this.words[id] : undefined;
    if (w === undefined) throw new TokenizerError(`WordTokenizer: id ${id} is not in the vocabulary (ids 0..${this.words.length - 1})`);
    return w;
  }
}
