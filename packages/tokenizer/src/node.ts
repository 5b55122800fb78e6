// Node-only helpers (file system): `import { ... } from '@attn/tokenizer/node'`.
// The main entry never touches the file system so it runs in browsers; this one
// reads GPT-2's files from a directory and saves tokenizers atomically.
import fs from 'node:fs';
import path from 'node:path';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { CharTokenizer } from './char-tokenizer.js';
import { TokenizerError } from './errors.js';
import { loadGpt2 } from './gpt2.js';

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new TokenizerError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** GPT-2's tokenizer from a directory holding encoder.json and vocab.bpe. */
export function loadGpt2FromDirectory(directory: string): BpeTokenizer {
  const encoderPath = path.join(directory, 'encoder.json');
  const mergesPath = path.join(directory, 'vocab.bpe');
  return loadGpt2({ encoder: readText(encoderPath), merges: readText(mergesPath), encoderName: encoderPath, mergesName: mergesPath });
}

/** Reads a tokenizer saved by saveTokenizer (either kind), naming the file in any error. */
export function loadTokenizer(file: string): BpeTokenizer | CharTokenizer {
  const text = readText(file);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new TokenizerError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  const format = (data as { format?: unknown } | null)?.format;
  if (format === 'attn-char') return CharTokenizer.fromJSON(data, file);
  if (format === 'attn-bpe') return BpeTokenizer.fromJSON(data, { source: file });
  throw new TokenizerError(`${file}: expected a saved tokenizer ("format": "attn-bpe" or "attn-char"), got format ${JSON.stringify(format)}`);
}

/** Writes a tokenizer as JSON via a temporary file and a rename, so no half-written file is left. */
export function saveTokenizer(file: string, tokenizer: BpeTokenizer | CharTokenizer): void {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(temp, JSON.stringify(tokenizer.toJSON()));
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw new TokenizerError(`${file}: cannot save tokenizer (${(err as Error).message})`);
  }
}
