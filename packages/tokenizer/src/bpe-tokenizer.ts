// A byte-level BPE tokenizer: pre-tokenize with a regex, turn each piece into
// bytes (WTF-8, so every JS string works), merge byte pairs by rank. The same
// class serves GPT-2's published vocabulary (see gpt2.ts) and vocabularies
// trained here (see train.ts).
import { TokenizerError } from './errors.js';
import { type MergeRules, mergePiece } from './merge.js';
import { gpt2PieceEnd } from './gpt2-scanner.js';
import { PairTable } from './pair-table.js';
import { PieceCache } from './piece-cache.js';
import { GPT2_PATTERN, compilePattern, pretokenize } from './pretokenize.js';
import type { Tokenizer } from './tokenizer.js';
import { wtf8Decode, wtf8Encode } from './wtf8.js';

/** Everything that defines a byte-level BPE vocabulary; also its JSON form. */
export interface BpeModel {
  /** Pre-tokenization regex source (compiled with the `gu` flags). */
  pattern: string;
  /** byteIds[b] = the id of the single-byte token for byte b (256 distinct ids). */
  byteIds: number[];
  /** Merges in rank order: [left id, right id, id of the merged token]. */
  merges: [number, number, number][];
  /** Special tokens: text -> id. They are never produced by merging. */
  specialTokens: Record<string, number>;
}

/** The saved file: the model plus a format tag and version. */
export interface BpeJson extends BpeModel {
  format: 'attn-bpe';
  version: 1;
}

/** How special-token text inside the input is treated (the same rules as tiktoken). */
export interface SpecialOptions {
  /** Specials encoded as their special id when they appear in the text (default none). */
  allowedSpecial?: 'all' | readonly string[];
  /**
   * Specials whose appearance in the text is an error (default 'all': every special
   * not allowed). Pass [] to encode unlisted specials as ordinary text instead.
   */
  disallowedSpecial?: 'all' | readonly string[];
}

/** One token of an encoding, for showing how text was cut ("dough" + "nuts"). */
export interface TokenPiece {
  id: number;
  /** The token's bytes as text (U+FFFD where a token holds part of a character). */
  text: string;
  /** Byte span [start, end) in the WTF-8 (= UTF-8 for well-formed text) encoding of the input. */
  start: number;
  end: number;
  /**
   * UTF-16 span [charStart, charEnd) of the input characters this token's bytes
   * touch, for highlighting the source text. Tokens that split a character (parts of
   * an emoji) each report that whole character.
   */
  charStart: number;
  charEnd: number;
}

export interface BpeOptions {
  /** Name used in error messages, e.g. the file the model came from. */
  source?: string;
  /** Most pre-token pieces remembered between calls (default 100,000; 0 disables the cache). */
  cacheSize?: number;
  /**
   * How GPT-2's pattern splits text: 'fast' (default) uses the hand-written ASCII
   * scanner with the regex as fallback; 'regex' always runs the regex (the reference).
   */
  scanner?: 'fast' | 'regex';
}

/** Pieces longer than this are not cached: they are rare and could hold a lot of memory. */
const MAX_CACHED_PIECE_LENGTH = 256;

export class BpeTokenizer implements Tokenizer {
  /** Byte-level BPE (GPT-2's scheme, whatever the merges). */
  readonly kind = 'byte-bpe' as const;
  readonly pattern: string;
  /** One more than the largest id, special tokens included. */
  readonly vocabSize: number;
  private readonly regex: RegExp;
  private readonly byteIds: Int32Array;
  private readonly merges: [number, number, number][];
  private readonly rules: MergeRules;
  /** tokenBytes[id] = the bytes that token stands for (undefined for unused ids). */
  private readonly tokenBytes: (Uint8Array | undefined)[];
  private readonly specials: Map<string, number>;
  private readonly specialIds: Set<number>;
  /** Pre-token piece -> its ids (a number when the piece is a single token). */
  private readonly cache: PieceCache;
  /** The same pattern with the sticky flag, for the GPT-2 scanner's non-ASCII fallback. */
  private readonly sticky: RegExp;
  /** True when the pattern is GPT-2's, so the hand-written scanner may be used. */
  private readonly useGpt2Scanner: boolean;

  constructor(model: BpeModel, options: BpeOptions = {}) {
    const source = options.source ?? 'BpeTokenizer';
    validateModel(model, source);
    this.cache = new PieceCache(options.cacheSize ?? 100_000);
    this.pattern = model.pattern;
    this.regex = compilePattern(model.pattern, source);
    this.sticky = new RegExp(model.pattern, 'uy');
    this.useGpt2Scanner = model.pattern === GPT2_PATTERN && options.scanner !== 'regex';
    this.byteIds = Int32Array.from(model.byteIds);
    this.merges = model.merges.map((m) => [m[0], m[1], m[2]]);
    const pairs = new PairTable(this.merges.length);
    const mergedIds = new Int32Array(this.merges.length);
    let maxId = 255;
    const tokenBytes: (Uint8Array | undefined)[] = [];
    for (let b = 0; b < 256; b++) {
      tokenBytes[this.byteIds[b]] = Uint8Array.of(b);
      maxId = Math.max(maxId, this.byteIds[b]);
    }
    this.merges.forEach(([left, right, merged], rank) => {
      pairs.set(left, right, rank);
      mergedIds[rank] = merged;
      const l = tokenBytes[left]!;
      const r = tokenBytes[right]!;
      const bytes = new Uint8Array(l.length + r.length);
      bytes.set(l);
      bytes.set(r, l.length);
      tokenBytes[merged] = bytes;
      maxId = Math.max(maxId, merged);
    });
    this.specials = new Map(Object.entries(model.specialTokens));
    this.specialIds = new Set(this.specials.values());
    for (const [text, id] of this.specials) {
      tokenBytes[id] = wtf8Encode(text);
      maxId = Math.max(maxId, id);
    }
    this.rules = { pairs, mergedIds };
    this.tokenBytes = tokenBytes;
    this.vocabSize = maxId + 1;
  }

  /** Loads a tokenizer saved with toJSON (a parsed object or the file's text). */
  static fromJSON(json: unknown, options: BpeOptions = {}): BpeTokenizer {
    const source = options.source ?? 'tokenizer.json';
    let data = json;
    if (typeof json === 'string') {
      try {
        data = JSON.parse(json);
      } catch (err) {
        throw new TokenizerError(`${source}: not valid JSON: ${(err as Error).message}`);
      }
    }
    const d = data as Partial<BpeJson> | null;
    if (typeof d !== 'object' || d === null || d.format !== 'attn-bpe') {
      throw new TokenizerError(`${source}: expected an object with "format": "attn-bpe" (a file saved by BpeTokenizer.toJSON)`);
    }
    if (d.version !== 1) throw new TokenizerError(`${source}: unsupported version ${JSON.stringify(d.version)}, expected 1`);
    return new BpeTokenizer(d as BpeModel, { ...options, source });
  }

  /** The model as plain JSON data; BpeTokenizer.fromJSON reads it back. */
  toJSON(): BpeJson {
    const specialTokens: Record<string, number> = {};
    for (const [text, id] of this.specials) specialTokens[text] = id;
    return {
      format: 'attn-bpe',
      version: 1,
      pattern: this.pattern,
      byteIds: Array.from(this.byteIds),
      merges: this.merges.map((m) => [m[0], m[1], m[2]]),
      specialTokens,
    };
  }

  /** The special tokens, text -> id. */
  get specialTokens(): ReadonlyMap<string, number> {
    return this.specials;
  }

  /** Encodes text, treating special-token text as ordinary text. Never throws. */
  encodeOrdinary(text: string): number[] {
    expectString(text, 'encodeOrdinary');
    const out: number[] = [];
    this.encodeText(text, out);
    return out;
  }

  /**
   * Encodes text. Special tokens in `allowedSpecial` become their ids; any other
   * special token found in the text is an error unless `disallowedSpecial: []`.
   */
  encode(text: string, options: SpecialOptions = {}): number[] {
    expectString(text, 'encode');
    const out: number[] = [];
    for (const segment of this.segments(text, options)) {
      if (segment.special !== undefined) out.push(segment.special);
      else this.encodeText(segment.text, out);
    }
    return out;
  }

  /** The tokens of `text` with their text, byte spans and character spans, e.g. for a token viewer. */
  pieces(text: string, options: SpecialOptions = {}): TokenPiece[] {
    const ids = this.encode(text, options);
    // For each byte of the input, the UTF-16 range of the character it belongs to.
    const { charStartAt, charEndAt } = characterSpansOfBytes(text);
    const out: TokenPiece[] = [];
    let at = 0;
    for (const id of ids) {
      const bytes = this.tokenBytes[id]!;
      const end = at + bytes.length;
      out.push({ id, text: wtf8Decode(bytes), start: at, end, charStart: charStartAt[at], charEnd: charEndAt[end - 1] });
      at = end;
    }
    return out;
  }

  /** Ids -> text. Inverse of encode for every string, lone surrogates included. */
  decode(ids: ArrayLike<number>): string {
    return wtf8Decode(this.decodeBytes(ids));
  }

  /** One token as text, for display: its bytes decoded (U+FFFD where it holds part of a character). */
  label(id: number): string {
    return new TextDecoder().decode(this.tokenToBytes(id));
  }

  /** Ids -> the bytes they stand for (WTF-8 of the text). */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    let length = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = Number.isInteger(ids[i]) ? this.tokenBytes[ids[i]] : undefined;
      if (bytes === undefined) {
        throw new TokenizerError(`decode: token id ${ids[i]} at index ${i} is not in the vocabulary (ids 0..${this.vocabSize - 1})`);
      }
      length += bytes.length;
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = this.tokenBytes[ids[i]]!;
      out.set(bytes, at);
      at += bytes.length;
    }
    return out;
  }

  /** The bytes of one token (a copy). */
  tokenToBytes(id: number): Uint8Array {
    const bytes = this.tokenBytes[id];
    if (bytes === undefined) throw new TokenizerError(`tokenToBytes: token id ${id} is not in the vocabulary`);
    return bytes.slice();
  }

  /** True for ids of special tokens. */
  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  /** Appends the ids of ordinary text (no special tokens) to `out`. */
  private encodeText(text: string, out: number[]): void {
    if (!this.useGpt2Scanner) {
      // Reference path: the regex cuts the text, each piece is looked up or merged.
      for (const piece of pretokenize(text, this.regex)) this.encodePiece(piece, 0, piece.length, out);
      return;
    }
    // Fast path: the scanner finds piece ends in place; cache hits allocate nothing.
    let i = 0;
    while (i < text.length) {
      let end = gpt2PieceEnd(text, i);
      if (end < 0) {
        this.sticky.lastIndex = i;
        const m = this.sticky.exec(text);
        end = m === null || m[0].length === 0 ? i + 1 : i + m[0].length; // GPT-2's pattern always matches
      }
      this.encodePiece(text, i, end, out);
      i = end;
    }
  }

  /** Appends the ids of the piece text[start, end) to `out`. */
  private encodePiece(text: string, start: number, end: number, out: number[]): void {
    const cached = this.cache.get(text, start, end);
    if (cached !== undefined) {
      if (typeof cached === 'number') out.push(cached);
      else for (let i = 0; i < cached.length; i++) out.push(cached[i]);
      return;
    }
    const piece = start === 0 && end === text.length ? text : text.slice(start, end);
    const ids: number[] = [];
    let ascii = true;
    for (let i = 0; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      ids.push(this.byteIds[c]);
    }
    if (!ascii) {
      ids.length = 0;
      for (const b of wtf8Encode(piece)) ids.push(this.byteIds[b]);
    }
    const merged = ids.length > 1 ? mergePiece(ids, this.rules) : ids;
    for (let i = 0; i < merged.length; i++) out.push(merged[i]);
    if (piece.length <= MAX_CACHED_PIECE_LENGTH) this.cache.set(piece, merged.length === 1 ? merged[0] : merged);
  }

  /** Splits text into ordinary runs and allowed special tokens, enforcing the deny list. */
  private *segments(text: string, options: SpecialOptions): Generator<{ text: string; special?: number }> {
    const all = [...this.specials.keys()];
    const allowed = new Set(options.allowedSpecial === 'all' ? all : (options.allowedSpecial ?? []));
    for (const s of allowed) {
      if (!this.specials.has(s)) throw new TokenizerError(`encode: allowedSpecial lists ${JSON.stringify(s)}, which is not a special token of this tokenizer`);
    }
    const disallowed = options.disallowedSpecial === undefined || options.disallowedSpecial === 'all' ? all.filter((s) => !allowed.has(s)) : options.disallowedSpecial;
    for (const s of disallowed) {
      const at = text.indexOf(s);
      if (at !== -1) {
        throw new TokenizerError(
          `encode: the text contains the special token ${JSON.stringify(s)} at index ${at}; pass it in allowedSpecial to encode it as a special token, or disallowedSpecial: [] to encode it as ordinary text`,
        );
      }
    }
    if (allowed.size === 0) {
      yield { text };
      return;
    }
    // Longest first, so a special that contains another wins.
    const alternatives = [...allowed].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const splitter = new RegExp(alternatives.join('|'), 'g');
    let at = 0;
    for (const m of text.matchAll(splitter)) {
      if (m.index > at) yield { text: text.slice(at, m.index) };
      yield { text: m[0], special: this.specials.get(m[0])! };
      at = m.index + m[0].length;
    }
    if (at < text.length) yield { text: text.slice(at) };
  }
}

function expectString(text: unknown, op: string): void {
  if (typeof text !== 'string') throw new TokenizerError(`${op}: expected the text as a string, got ${text === null ? 'null' : typeof text}`);
}

/** charStartAt[b] / charEndAt[b]: UTF-16 span of the character that WTF-8 byte b belongs to. */
function characterSpansOfBytes(text: string): { charStartAt: Int32Array; charEndAt: Int32Array } {
  const total = wtf8Encode(text).length;
  const charStartAt = new Int32Array(total);
  const charEndAt = new Int32Array(total);
  let b = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const units = pair ? 2 : 1;
    const bytes = pair ? 4 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3; // as wtf8Encode writes it
    charStartAt.fill(i, b, b + bytes);
    charEndAt.fill(i + units, b, b + bytes);
    b += bytes;
    i += units;
  }
  return { charStartAt, charEndAt };
}

/** Checks a model before anything is allocated from it, naming `source` and the offending field. */
function validateModel(model: BpeModel, source: string): void {
  const fail = (what: string): never => {
    throw new TokenizerError(`${source}: ${what}`);
  };
  if (typeof model !== 'object' || model === null) fail('expected a BPE model object');
  if (typeof model.pattern !== 'string') fail('"pattern" must be a string (a pre-tokenization regex)');
  const isId = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) < 2 ** 24;
  if (!Array.isArray(model.byteIds) || model.byteIds.length !== 256) fail('"byteIds" must be an array of 256 token ids, one per byte');
  const defined = new Set<number>();
  model.byteIds.forEach((id, b) => {
    if (!isId(id)) fail(`byteIds[${b}] must be a token id (an integer from 0 to 2^24), got ${JSON.stringify(id)}`);
    if (defined.has(id)) fail(`byteIds[${b}] reuses token id ${id}`);
    defined.add(id);
  });
  if (!Array.isArray(model.merges)) fail('"merges" must be an array of [left, right, merged] id triples');
  if (model.merges.length >= 2 ** 21) fail(`too many merges (${model.merges.length}); at most 2^21 are supported`);
  model.merges.forEach((m, rank) => {
    if (!Array.isArray(m) || m.length !== 3 || !m.every(isId)) fail(`merges[${rank}] must be [left, right, merged] token ids, got ${JSON.stringify(m)}`);
    const [left, right, merged] = m;
    if (!defined.has(left)) fail(`merges[${rank}] uses token ${left} before any byte or earlier merge defines it`);
    if (!defined.has(right)) fail(`merges[${rank}] uses token ${right} before any byte or earlier merge defines it`);
    if (defined.has(merged)) fail(`merges[${rank}] creates token ${merged}, which already exists`);
    defined.add(merged);
  });
  const specials = model.specialTokens;
  if (typeof specials !== 'object' || specials === null || Array.isArray(specials)) fail('"specialTokens" must be an object mapping text to id');
  for (const [text, id] of Object.entries(specials)) {
    if (text.length === 0) fail('specialTokens: a special token cannot be the empty string');
    if (!isId(id)) fail(`specialTokens[${JSON.stringify(text)}] must be a token id, got ${JSON.stringify(id)}`);
    if (defined.has(id)) fail(`specialTokens[${JSON.stringify(text)}] uses id ${id}, which another token already has`);
    defined.add(id);
  }
}
