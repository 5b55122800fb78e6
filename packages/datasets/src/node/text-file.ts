// Node-only: a user's own UTF-8 text file as training text.

import { DataError } from '../errors';
import { readFileSync, statSync } from 'node:fs';
import { textFromBytes } from '../text';

/** Options for {@link loadTextFile}. */
export interface LoadTextFileOptions {
  /** Training context length; the file must hold at least blockSize + 1 characters. */
  blockSize?: number;
}

/** Read a UTF-8 text file, normalise line ends, and fail clearly on bad input. */
export function loadTextFile(path: string, options: LoadTextFileOptions = {}): string {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (err) {
    throw new DataError(`${path}: cannot read text file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!isFile) throw new DataError(`${path}: not a regular file; expected a UTF-8 text file`);
  return textFromBytes(readFileSync(path), { source: path, blockSize: options.blockSize });
}
