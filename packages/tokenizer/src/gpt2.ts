// Loading GPT-2's own vocabulary files: encoder.json (token string -> id) and
// vocab.bpe (the merges, one "left right" pair per line, in rank order). Token
// strings are bytes written in GPT-2's printable byte alphabet (byte 0x20, the
// space, is "Ġ", and so on). The files are taken as text or objects, not paths,
// so this works in browsers too; file names are only used in error messages.
import { BpeTokenizer } from './bpe-tokenizer.js';
import { TokenizerError, lineAndColumn } from './errors.js';
import { GPT2_PATTERN } from './pretokenize.js';

/** GPT-2's byte -> printable character table (bytes_to_unicode in OpenAI's encoder.py). */
export function gpt2ByteAlphabet(): string[] {
  const alphabet: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    alphabet[b] = String.fromCharCode(printable ? b : 256 + extra++);
  }
  return alphabet;
}

export interface Gpt2Files {
  /** encoder.json: its text, or the already parsed object. */
  encoder: string | Record<string, number>;
  /** vocab.bpe: its text. */
  merges: string;
  /** Names for error messages (default "encoder.json" and "vocab.bpe"). */
  encoderName?: string;
  mergesName?: string;
}

interface EncoderEntry {
  token: string;
  id: number;
  /** Where the entry starts in the encoder text, when it was given as text. */
  offset?: number;
}

/**
 * Builds a BpeTokenizer from GPT-2's encoder.json and vocab.bpe. Encoder entries
 * that are neither a single byte nor made by a merge are the special tokens (for
 * GPT-2, exactly "<|endoftext|>").
 */
export function loadGpt2(files: Gpt2Files): BpeTokenizer {
  const encoderName = files.encoderName ?? 'encoder.json';
  const mergesName = files.mergesName ?? 'vocab.bpe';
  const entries = typeof files.encoder === 'string' ? parseFlatJson(files.encoder, encoderName) : objectEntries(files.encoder, encoderName);
  const where = (e: EncoderEntry) => {
    if (e.offset === undefined || typeof files.encoder !== 'string') return `${encoderName}, token ${JSON.stringify(e.token)}`;
    const { line, column } = lineAndColumn(files.encoder, e.offset);
    return `${encoderName} line ${line}, column ${column}`;
  };

  const alphabet = gpt2ByteAlphabet();
  const byteOf = new Map(alphabet.map((ch, b) => [ch, b]));
  const idOf = new Map<string, number>();
  const tokenOfId = new Map<number, string>();
  const byteIds: number[] = new Array(256).fill(-1);
  for (const e of entries) {
    if (!Number.isInteger(e.id) || e.id < 0 || e.id >= 2 ** 24) throw new TokenizerError(`${where(e)}: id of ${JSON.stringify(e.token)} must be a non-negative integer, got ${e.id}`);
    if (idOf.has(e.token)) throw new TokenizerError(`${where(e)}: token ${JSON.stringify(e.token)} appears twice`);
    const other = tokenOfId.get(e.id);
    if (other !== undefined) throw new TokenizerError(`${where(e)}: id ${e.id} is given to both ${JSON.stringify(other)} and ${JSON.stringify(e.token)}`);
    idOf.set(e.token, e.id);
    tokenOfId.set(e.id, e.token);
    if (e.token.length === 1 && byteOf.has(e.token)) byteIds[byteOf.get(e.token)!] = e.id;
  }
  const missing = byteIds.indexOf(-1);
  if (missing !== -1) {
    throw new TokenizerError(`${encoderName}: no token for byte 0x${missing.toString(16).padStart(2, '0')} (written ${JSON.stringify(alphabet[missing])}); is this a GPT-2 byte-level encoder.json?`);
  }

  const merges: [number, number, number][] = [];
  const made = new Set<number>(byteIds);
  const lines = files.merges.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    const lineNo = i + 1;
    if (text === '' || (i === 0 && text.startsWith('#'))) continue; // "#version: 0.2" header, trailing newline
    const parts = text.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new TokenizerError(`${mergesName} line ${lineNo}: expected two tokens separated by one space, got ${JSON.stringify(text)}`);
    }
    const [left, right] = parts;
    const ids = [left, right, left + right].map((token) => {
      const id = idOf.get(token);
      if (id === undefined) {
        throw new TokenizerError(`${mergesName} line ${lineNo}: ${JSON.stringify(token)} is not a token in ${encoderName} (are the two files from the same model?)`);
      }
      return id;
    });
    if (!made.has(ids[0]) || !made.has(ids[1])) {
      const early = made.has(ids[0]) ? right : left;
      throw new TokenizerError(`${mergesName} line ${lineNo}: ${JSON.stringify(early)} is used before the line that creates it`);
    }
    if (made.has(ids[2])) throw new TokenizerError(`${mergesName} line ${lineNo}: ${JSON.stringify(left + right)} is created a second time`);
    made.add(ids[2]);
    merges.push([ids[0], ids[1], ids[2]]);
  }

  const specialTokens: Record<string, number> = {};
  const unmade: string[] = [];
  for (const [token, id] of idOf) {
    if (made.has(id)) continue;
    if (looksSpecial(token)) specialTokens[token] = id;
    else unmade.push(token);
  }
  if (unmade.length > 0) {
    // A merges file cut short (or empty) leaves the tokens of its missing lines unmade. Loading
    // anyway would make them "special tokens" and encode text differently from the real model.
    const lastLine = lines.length - (lines.at(-1) === '' ? 1 : 0); // the trailing newline ends the last line
    const where = merges.length === 0 ? `${mergesName} line ${Math.max(1, lastLine)}: the file has no merges` : `${mergesName} line ${lastLine}: the merges stop after ${merges.length} rules`;
    throw new TokenizerError(
      `${where}, but ${encoderName} has ${unmade.length} tokens that no merge creates (e.g. ${unmade.slice(0, 3).map((t) => JSON.stringify(t)).join(', ')}); the file is truncated, or the two files come from different models`,
    );
  }
  return new BpeTokenizer({ pattern: GPT2_PATTERN, byteIds, merges, specialTokens }, { source: `${encoderName} + ${mergesName}` });
}

/**
 * Whether a vocabulary entry no merge makes is a special token ("<|endoftext|>", "<pad>", "[CLS]")
 * rather than a token whose merge line is missing.
 */
function looksSpecial(token: string): boolean {
  return /^<[^\s<>]+>$/.test(token) || /^\[[^\s[\]]+\]$/.test(token);
}

/**
 * The GPT-2 files of a byte-level BPE tokenizer: vocab.json (token string in GPT-2's byte
 * alphabet -> id) and merges.txt ("#version: 0.2", then one "left right" merge per line in
 * rank order), as Hugging Face's GPT2Tokenizer reads them. Needs GPT-2's pre-tokenizer
 * pattern: the files cannot say which pattern splits the text.
 */
export function gpt2Files(tokenizer: BpeTokenizer): { vocab: string; merges: string } {
  const model = tokenizer.toJSON();
  if (model.pattern !== GPT2_PATTERN) {
    throw new TokenizerError('gpt2Files: only a tokenizer with GPT-2\'s pre-tokenizer pattern can be written as vocab.json + merges.txt');
  }
  const alphabet = gpt2ByteAlphabet();
  const stringOf = new Map<number, string>();
  model.byteIds.forEach((id, b) => {
    stringOf.set(id, alphabet[b]);
  });
  const lines = ['#version: 0.2'];
  for (const [left, right, merged] of model.merges) {
    const l = stringOf.get(left)!;
    const r = stringOf.get(right)!;
    stringOf.set(merged, l + r);
    lines.push(`${l} ${r}`);
  }
  for (const [text, id] of Object.entries(model.specialTokens)) stringOf.set(id, text);
  const vocab: Record<string, number> = {};
  for (const [id, token] of [...stringOf].sort((a, b) => a[0] - b[0])) {
    if (token in vocab) throw new TokenizerError(`gpt2Files: ids ${vocab[token]} and ${id} are both ${JSON.stringify(token)}; vocab.json cannot hold both`);
    vocab[token] = id;
  }
  return { vocab: `${JSON.stringify(vocab)}\n`, merges: `${lines.join('\n')}\n` };
}

/**
 * A byte-level BPE from Hugging Face's tokenizer.json (a fast tokenizer's one file): its
 * model.vocab and model.merges ("left right" strings or [left, right] pairs), read as loadGpt2 reads
 * vocab.json and merges.txt. `name` is used in errors.
 */
export function loadGpt2FromTokenizerJson(text: string, name = 'tokenizer.json'): BpeTokenizer {
  let json: { model?: { type?: unknown; vocab?: unknown; merges?: unknown } };
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TokenizerError(`${name}: not valid JSON (${(err as Error).message})`);
  }
  const model = json?.model;
  if (model?.type !== 'BPE' || typeof model.vocab !== 'object' || !Array.isArray(model.merges)) {
    throw new TokenizerError(`${name}: expected a byte-level BPE tokenizer ("model": {"type": "BPE", "vocab": {...}, "merges": [...]})`);
  }
  const merges = (model.merges as unknown[]).map((m, i) => {
    if (typeof m === 'string') return m;
    if (Array.isArray(m) && m.length === 2 && m.every((x) => typeof x === 'string')) return `${m[0]} ${m[1]}`;
    throw new TokenizerError(`${name}: model.merges[${i}] must be "left right" or [left, right], got ${JSON.stringify(m)}`);
  });
  return loadGpt2({
    encoder: model.vocab as Record<string, number>,
    merges: ['#version: 0.2', ...merges].join('\n'),
    encoderName: `${name} (model.vocab)`,
    mergesName: `${name} (model.merges)`,
  });
}

function objectEntries(encoder: Record<string, number>, name: string): EncoderEntry[] {
  if (typeof encoder !== 'object' || encoder === null || Array.isArray(encoder)) {
    throw new TokenizerError(`${name}: expected an object mapping token strings to ids`);
  }
  return Object.entries(encoder).map(([token, id]) => ({ token, id }));
}

/**
 * Parses a JSON object whose values are all integers, remembering where each
 * entry starts, so that errors can name a line and column (JSON.parse cannot).
 */
function parseFlatJson(text: string, name: string): EncoderEntry[] {
  let i = 0;
  const fail = (what: string, at = i): never => {
    const { line, column } = lineAndColumn(text, at);
    throw new TokenizerError(`${name} line ${line}, column ${column}: ${what}`);
  };
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const readString = (): string => {
    if (text[i] !== '"') fail(`expected a string in double quotes, found ${describe(text[i])}`);
    const start = i;
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const ch = text[i];
      if (ch === '"') {
        i++;
        return out;
      }
      if (ch === '\\') {
        const esc = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (esc === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail(`bad \\u escape ${JSON.stringify(text.slice(i, i + 6))}`);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
        } else if (esc !== undefined && esc in simple) {
          out += simple[esc];
          i += 2;
        } else fail(`bad escape ${JSON.stringify(text.slice(i, i + 2))}`);
        continue;
      }
      if (ch.charCodeAt(0) < 0x20) fail('control character inside a string');
      out += ch;
      i++;
    }
  };
  const entries: EncoderEntry[] = [];
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte order mark
  skipSpace();
  if (text[i] !== '{') fail(`expected "{" to start the token -> id object, found ${describe(text[i])}`);
  i++;
  skipSpace();
  if (text[i] === '}') i++;
  else {
    for (;;) {
      skipSpace();
      const offset = i;
      const token = readString();
      skipSpace();
      if (text[i] !== ':') fail(`expected ":" after ${JSON.stringify(token)}, found ${describe(text[i])}`);
      i++;
      skipSpace();
      const numStart = i;
      while (i < text.length && /[-+.eE0-9]/.test(text[i])) i++;
      const raw = text.slice(numStart, i);
      if (!/^(0|[1-9][0-9]*)$/.test(raw)) fail(`the id of ${JSON.stringify(token)} must be a non-negative integer, found ${raw === '' ? describe(text[numStart]) : raw}`, numStart);
      entries.push({ token, id: Number(raw), offset });
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        break;
      }
      fail(`expected "," or "}" after an entry, found ${describe(text[i])}`);
    }
  }
  skipSpace();
  if (i < text.length) fail(`unexpected ${describe(text[i])} after the end of the object`);
  return entries;
}

function describe(ch: string | undefined): string {
  return ch === undefined ? 'the end of the file' : JSON.stringify(ch);
}
