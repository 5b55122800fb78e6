// The simplest tokenizer: one token per character (per Unicode code point; a lone
// surrogate counts as one character), ids in code-point order, as in nanoGPT's
// Shakespeare example. Optional special tokens (a sequence-to-sequence model's
// <pad>, <bos> and <eos>) take the first ids: text never encodes to them, and they
// decode to their names.
import { TokenizerError, describeChar } from './errors.js';
import type { Tokenizer } from './tokenizer.js';

/** The token that unknown characters map to when asked. */
export const UNK = '<unk>';

export interface CharTokenizerOptions {
  /** Add an `<unk>` token (the last id) that unknown characters can map to. */
  unk?: boolean;
  /** Special tokens before the characters (ids 0 .. specials.length - 1), e.g. ['<pad>', '<bos>', '<eos>']. Default none. */
  specials?: readonly string[];
}

export interface CharEncodeOptions {
  /** 'error' (default): an unknown character throws; 'unk': it becomes the `<unk>` id. */
  unknown?: 'error' | 'unk';
}

export interface CharTokenizerJson {
  format: 'attn-char';
  version: 1;
  /** The characters, in id order. */
  chars: string[];
  /** Whether the `<unk>` token exists (the last id). */
  unk: boolean;
  /** Special tokens holding the first ids, before the characters; absent when there are none. */
  specials?: string[];
}

export class CharTokenizer implements Tokenizer {
  readonly kind = 'char' as const;
  /** The characters, in id order (the first has id specials.length). */
  readonly chars: readonly string[];
  /** Special tokens with ids 0 .. specials.length - 1 (none by default). */
  readonly specials: readonly string[];
  /** Id of `<unk>`, or -1 when the tokenizer has none. */
  readonly unkId: number;
  private readonly idOf: Map<string, number>;

  constructor(chars: readonly string[], options: CharTokenizerOptions = {}) {
    this.chars = [...chars];
    this.specials = [...(options.specials ?? [])];
    this.specials.forEach((name, i) => {
      if (typeof name !== 'string' || name.length === 0) throw new TokenizerError(`CharTokenizer: specials[${i}] must be a non-empty string, got ${JSON.stringify(name)}`);
      if (this.specials.indexOf(name) !== i) throw new TokenizerError(`CharTokenizer: specials[${i}] repeats ${JSON.stringify(name)}`);
      if (name === UNK) throw new TokenizerError(`CharTokenizer: specials[${i}] is ${UNK}, which the unk option provides`);
    });
    const offset = this.specials.length;
    this.idOf = new Map(this.chars.map((c, i) => [c, offset + i]));
    this.unkId = options.unk ? offset + this.chars.length : -1;
  }

  /** The id of a special token by name. */
  specialId(name: string): number {
    const id = this.specials.indexOf(name);
    if (id < 0) throw new TokenizerError(`CharTokenizer: no special token ${JSON.stringify(name)} (it has ${this.specials.length === 0 ? 'none' : this.specials.join(', ')})`);
    return id;
  }

  /** A tokenizer whose vocabulary is the distinct characters of `text`. */
  static fromText(text: string, options: CharTokenizerOptions = {}): CharTokenizer {
    if (typeof text !== 'string') throw new TokenizerError(`CharTokenizer.fromText: expected the text as a string, got ${text === null ? 'null' : typeof text}`);
    const distinct = [...new Set(splitChars(text))];
    distinct.sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharTokenizer(distinct, options);
  }

  /** Loads a tokenizer saved with toJSON (parsed object or text); `source` names it in errors. */
  static fromJSON(json: unknown, source = 'char-tokenizer.json'): CharTokenizer {
    let data = json;
    if (typeof json === 'string') {
      try {
        data = JSON.parse(json);
      } catch (err) {
        throw new TokenizerError(`${source}: not valid JSON: ${(err as Error).message}`);
      }
    }
    const d = data as Partial<CharTokenizerJson> | null;
    if (typeof d !== 'object' || d === null || d.format !== 'attn-char') {
      throw new TokenizerError(`${source}: expected an object with "format": "attn-char" (a file saved by CharTokenizer.toJSON)`);
    }
    if (d.version !== 1) throw new TokenizerError(`${source}: unsupported version ${JSON.stringify(d.version)}, expected 1`);
    if (!Array.isArray(d.chars)) throw new TokenizerError(`${source}: "chars" must be an array of single characters`);
    const seen = new Set<string>();
    d.chars.forEach((c, i) => {
      if (typeof c !== 'string' || splitChars(c).length !== 1) throw new TokenizerError(`${source}: chars[${i}] must be exactly one character, got ${JSON.stringify(c)}`);
      if (seen.has(c)) throw new TokenizerError(`${source}: chars[${i}] repeats the character ${describeChar(c)}`);
      seen.add(c);
    });
    if (typeof d.unk !== 'boolean') throw new TokenizerError(`${source}: "unk" must be true or false`);
    if (d.specials !== undefined && (!Array.isArray(d.specials) || d.specials.some((x) => typeof x !== 'string'))) {
      throw new TokenizerError(`${source}: "specials" must be an array of token names when present`);
    }
    try {
      return new CharTokenizer(d.chars, { unk: d.unk, specials: d.specials });
    } catch (err) {
      throw new TokenizerError(`${source}: ${(err as Error).message}`);
    }
  }

  toJSON(): CharTokenizerJson {
    const json: CharTokenizerJson = { format: 'attn-char', version: 1, chars: [...this.chars], unk: this.unkId !== -1 };
    if (this.specials.length > 0) json.specials = [...this.specials];
    return json;
  }

  /** Number of ids: specials, characters and `<unk>`. */
  get vocabSize(): number {
    return this.specials.length + this.chars.length + (this.unkId === -1 ? 0 : 1);
  }

  encode(text: string, options: CharEncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new TokenizerError(`CharTokenizer.encode: expected the text as a string, got ${text === null ? 'null' : typeof text}`);
    const unknown = options.unknown ?? 'error';
    if (unknown === 'unk' && this.unkId === -1) {
      throw new TokenizerError("CharTokenizer.encode: unknown: 'unk' needs a tokenizer built with { unk: true }");
    }
    const out: number[] = [];
    let index = 0; // UTF-16 index, as String.prototype.indexOf would report
    for (const ch of splitChars(text)) {
      const id = this.idOf.get(ch);
      if (id !== undefined) out.push(id);
      else if (unknown === 'unk') out.push(this.unkId);
      else throw new TokenizerError(`CharTokenizer.encode: unknown character ${describeChar(ch)} at index ${index}; build the tokenizer from text that contains it, or encode with { unknown: 'unk' }`);
      index += ch.length;
    }
    return out;
  }

  /** The character of one id ("<unk>" for the unknown id, a special token's name for its id). */
  label(id: number): string {
    return this.decode([id]);
  }

  /** Ids -> text; the `<unk>` id decodes to the string "<unk>", a special token to its name. */
  decode(ids: ArrayLike<number>): string {
    let out = '';
    const offset = this.specials.length;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === this.unkId) out += UNK;
      else if (Number.isInteger(id) && id >= 0 && id < offset) out += this.specials[id];
      else if (Number.isInteger(id) && id >= offset && id < offset + this.chars.length) out += this.chars[id - offset];
      else throw new TokenizerError(`CharTokenizer.decode: id ${id} at index ${i} is not in the vocabulary (ids 0..${this.vocabSize - 1})`);
    }
    return out;
  }
}

/** Code points, with lone surrogates as single characters (what string iteration gives). */
function splitChars(text: string): string[] {
  return Array.from(text);
}
