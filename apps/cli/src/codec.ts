// The CLI's two tokenizers behind one interface, so checkpoints can carry either:
// characters (Shakespeare, any text file) or whole words (the coreference language).
import { CharTokenizer } from '@attn/tokenizer';
import { fail } from './errors.js';

export interface Codec {
  /** 'char' or 'word'. */
  readonly kind: 'char' | 'word';
  readonly vocabSize: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** One display label per id (a character or a word). */
  label(id: number): string;
  toJSON(): unknown;
}

export function charCodec(tokenizer: CharTokenizer): Codec {
  return {
    kind: 'char',
    vocabSize: tokenizer.vocabSize,
    encode: (text) => tokenizer.encode(text),
    decode: (ids) => tokenizer.decode(ids),
    label: (id) => tokenizer.decode([id]),
    toJSON: () => ({ kind: 'char', tokenizer: tokenizer.toJSON() }),
  };
}

export function wordCodec(words: readonly string[]): Codec {
  const idOf = new Map(words.map((w, i) => [w, i]));
  return {
    kind: 'word',
    vocabSize: words.length,
    encode(text) {
      return text
        .trim()
        .split(/\s+/)
        .filter((w) => w.length > 0)
        .map((w) => {
          const id = idOf.get(w);
          if (id === undefined) fail(`the word '${w}' is not in this model's vocabulary (${words.length} words, e.g. ${words.slice(1, 6).join(', ')})`);
          return id;
        });
    },
    decode: (ids) => ids.map((id) => words[id]).join(' '),
    label: (id) => words[id],
    toJSON: () => ({ kind: 'word', words }),
  };
}

/** Rebuilds a codec from tokenizer.json contents; `source` names the file in errors. */
export function codecFromJSON(json: unknown, source: string): Codec {
  const j = json as { kind?: unknown; tokenizer?: unknown; words?: unknown };
  if (j?.kind === 'char') return charCodec(CharTokenizer.fromJSON(j.tokenizer, source));
  if (j?.kind === 'word' && Array.isArray(j.words) && j.words.every((w) => typeof w === 'string')) return wordCodec(j.words);
  fail(`${source}: expected {"kind": "char" | "word", ...}, got something else`);
}
