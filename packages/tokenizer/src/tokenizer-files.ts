// A tokenizer as the files of a checkpoint directory, read and written as plain
// text (no file system here, so the web demo can download and upload the same
// files the CLI writes):
//   byte-bpe:  vocab.json + merges.txt (GPT-2's format, what Hugging Face reads);
//              tokenizer.json (a Hugging Face fast tokenizer) is read when those are absent
//   char/word: attn-tokenizer.json = {"format": "attn-tokenizer", "version": 1, "kind": ..., ...}
import { BpeTokenizer } from './bpe-tokenizer.js';
import { CharTokenizer } from './char-tokenizer.js';
import { TokenizerError } from './errors.js';
import { gpt2Files, loadGpt2, loadGpt2FromTokenizerJson } from './gpt2.js';
import type { Tokenizer, TokenizerKind } from './tokenizer.js';
import { WordTokenizer } from './word-tokenizer.js';

/** attn's own file for character and word tokenizers. */
export const ATTN_TOKENIZER_FILE = 'attn-tokenizer.json';
/** GPT-2's two files for byte-level BPE. */
export const GPT2_VOCAB_FILE = 'vocab.json';
export const GPT2_MERGES_FILE = 'merges.txt';
/** A Hugging Face fast tokenizer's single file (read only). */
export const HF_TOKENIZER_FILE = 'tokenizer.json';

/** The contents of attn-tokenizer.json. */
export type AttnTokenizerJson =
  | { format: 'attn-tokenizer'; version: 1; kind: 'char'; chars: string[]; unk: boolean; specials?: string[] }
  | { format: 'attn-tokenizer'; version: 1; kind: 'word'; words: string[] };

/** File name -> text, as tokenizerToFiles writes them. */
export function tokenizerToFiles(tokenizer: Tokenizer): Map<string, string> {
  if (tokenizer instanceof CharTokenizer) {
    const { chars, unk, specials } = tokenizer.toJSON();
    const json: AttnTokenizerJson = { format: 'attn-tokenizer', version: 1, kind: 'char', chars, unk };
    if (specials) json.specials = specials; // only when there are some, so other files stay as they were
    return new Map([[ATTN_TOKENIZER_FILE, `${JSON.stringify(json)}\n`]]);
  }
  if (tokenizer instanceof WordTokenizer) {
    const json: AttnTokenizerJson = { format: 'attn-tokenizer', version: 1, kind: 'word', words: [...tokenizer.words] };
    return new Map([[ATTN_TOKENIZER_FILE, `${JSON.stringify(json)}\n`]]);
  }
  if (tokenizer instanceof BpeTokenizer) {
    const { vocab, merges } = gpt2Files(tokenizer);
    return new Map([
      [GPT2_VOCAB_FILE, vocab],
      [GPT2_MERGES_FILE, merges],
    ]);
  }
  throw new TokenizerError(`tokenizerToFiles: no file format for a tokenizer of kind ${JSON.stringify((tokenizer as Tokenizer)?.kind)}`);
}

export interface TokenizerFromFilesOptions {
  /** Prefix for file names in error messages (the checkpoint directory, say). */
  source?: string;
  /** The kind config.json says the checkpoint holds; a different kind on disk is an error. */
  kind?: TokenizerKind;
}

/**
 * The tokenizer in a set of checkpoint files (`read(name)` gives a file's text, or undefined when
 * it is absent): attn-tokenizer.json, else vocab.json + merges.txt, else tokenizer.json.
 */
export function tokenizerFromFiles(read: (name: string) => string | undefined, options: TokenizerFromFilesOptions = {}): Tokenizer {
  const name = (file: string) => (options.source ? `${options.source.replace(/\/+$/, '')}/${file}` : file);
  const attn = read(ATTN_TOKENIZER_FILE);
  const vocab = read(GPT2_VOCAB_FILE);
  const merges = read(GPT2_MERGES_FILE);
  const wanted = options.kind;
  let tokenizer: Tokenizer;
  if (attn !== undefined && wanted !== 'byte-bpe') {
    tokenizer = fromAttnJson(attn, name(ATTN_TOKENIZER_FILE));
  } else if (vocab !== undefined || merges !== undefined) {
    if (vocab === undefined) throw new TokenizerError(`${name(GPT2_VOCAB_FILE)}: missing (${name(GPT2_MERGES_FILE)} is there; a byte-level BPE needs both)`);
    if (merges === undefined) throw new TokenizerError(`${name(GPT2_MERGES_FILE)}: missing (${name(GPT2_VOCAB_FILE)} is there; a byte-level BPE needs both)`);
    tokenizer = loadGpt2({ encoder: vocab, merges, encoderName: name(GPT2_VOCAB_FILE), mergesName: name(GPT2_MERGES_FILE) });
  } else {
    const hf = read(HF_TOKENIZER_FILE);
    if (hf === undefined) {
      throw new TokenizerError(
        `${options.source ?? 'checkpoint'}: no tokenizer files (expected ${ATTN_TOKENIZER_FILE}, or ${GPT2_VOCAB_FILE} + ${GPT2_MERGES_FILE}, or ${HF_TOKENIZER_FILE})`,
      );
    }
    tokenizer = loadGpt2FromTokenizerJson(hf, name(HF_TOKENIZER_FILE));
  }
  if (wanted && tokenizer.kind !== wanted) {
    throw new TokenizerError(`${options.source ?? 'checkpoint'}: config.json says the tokenizer is ${JSON.stringify(wanted)} but the files hold a ${JSON.stringify(tokenizer.kind)} tokenizer`);
  }
  return tokenizer;
}

function fromAttnJson(text: string, source: string): Tokenizer {
  let json: Partial<{ format: unknown; version: unknown; kind: unknown; chars: unknown; unk: unknown; specials: unknown; words: unknown }>;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TokenizerError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || json.format !== 'attn-tokenizer') {
    throw new TokenizerError(`${source}: expected {"format": "attn-tokenizer", "version": 1, "kind": "char" | "word", ...}`);
  }
  if (json.version !== 1) throw new TokenizerError(`${source}: unsupported version ${JSON.stringify(json.version)}, expected 1`);
  if (json.kind === 'char') return CharTokenizer.fromJSON({ format: 'attn-char', version: 1, chars: json.chars, unk: json.unk ?? false, specials: json.specials }, source);
  if (json.kind === 'word') return WordTokenizer.fromJSON({ format: 'attn-word', version: 1, words: json.words }, source);
  throw new TokenizerError(`${source}: "kind" must be "char" or "word", got ${JSON.stringify(json.kind)}`);
}
