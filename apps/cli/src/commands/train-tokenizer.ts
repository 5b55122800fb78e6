// `attn train --tokenizer`: which tokenizer a text is cut with. "char" (the default) makes one
// token per character seen in the text; "bpe:N" trains a byte-level BPE of N tokens on the text
// (@attn/tokenizer's trainBpe, GPT-2's pre-tokenizer, <|endoftext|> as the last id), which the
// checkpoint stores as vocab.json + merges.txt: the files Hugging Face's GPT2TokenizerFast reads,
// so `attn export --hf` gives a directory transformers loads whole.
import { CharTokenizer, type Tokenizer, TokenizerError, tokenizerToFiles, trainBpe } from '@attn/tokenizer';
import { fail } from '../errors.js';

/** What --tokenizer asked for. */
export type TokenizerChoice = { kind: 'char' } | { kind: 'bpe'; vocabSize: number };

/** GPT-2's end-of-text token: bos/eos/unk for Hugging Face, and a separator attn never puts inside text. */
export const END_OF_TEXT = '<|endoftext|>';
/** 256 byte tokens + <|endoftext|>: the smallest byte-level vocabulary. */
const MIN_BPE = 257;
/** Larger vocabularies than GPT-2's 50257 are allowed, within reason for a text trained on here. */
const MAX_BPE = 100_000;

/** Parses --tokenizer: "char" or "bpe:N". */
export function parseTokenizerFlag(value: string | undefined): TokenizerChoice {
  if (value === undefined || value === 'char') return { kind: 'char' };
  const m = /^bpe:(\d+)$/.exec(value);
  if (!m) fail(`--tokenizer ${value}: expected char or bpe:N (a byte-level BPE of N tokens, e.g. bpe:512)`);
  const vocabSize = Number(m[1]);
  if (vocabSize < MIN_BPE || vocabSize > MAX_BPE) fail(`--tokenizer ${value}: N must be from ${MIN_BPE} (256 bytes + ${END_OF_TEXT}) to ${MAX_BPE}`);
  return { kind: 'bpe', vocabSize };
}

/** How a choice is written in messages, the way the flag is typed. */
export function describeChoice(choice: TokenizerChoice): string {
  return choice.kind === 'char' ? 'char' : `bpe:${choice.vocabSize}`;
}

/**
 * The tokenizer for `text` (`name` says where it came from, in errors). A BPE vocabulary stops
 * short of N when no pair of tokens occurs twice any more; it is also checked to be writable as
 * vocab.json + merges.txt now, so a vocabulary Hugging Face's files cannot hold (two merges that
 * spell the same token) fails before training rather than at the save.
 */
export function textTokenizer(text: string, choice: TokenizerChoice, name: string): Tokenizer {
  if (choice.kind === 'char') return CharTokenizer.fromText(text);
  const tokenizer = trainBpe(text, { vocabSize: choice.vocabSize, specialTokens: [END_OF_TEXT] });
  try {
    tokenizerToFiles(tokenizer);
  } catch (err) {
    if (err instanceof TokenizerError) fail(`--tokenizer ${describeChoice(choice)}: the vocabulary trained on ${name} cannot be written as vocab.json + merges.txt (${err.message}); try another N`);
    throw err;
  }
  return tokenizer;
}
