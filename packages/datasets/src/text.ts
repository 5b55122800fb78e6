// Bytes -> normalised text. Everything downstream (tokenizers, batching) assumes
// UTF-8-decoded strings with LF line ends, so every loader funnels through here.

import { DataError } from './errors';

/** Turn CRLF and lone CR into LF and drop a leading byte-order mark. */
export function normalizeText(text: string): string {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return withoutBom.replace(/\r\n?/g, '\n');
}

/**
 * Byte offset of the first invalid UTF-8 sequence, or -1 if the bytes are valid.
 * TextDecoder (fatal) tells us *that* decoding failed but not *where*, and a user
 * with a broken file needs the offset to find it. Rules follow RFC 3629: no
 * overlong forms, no surrogates (U+D800..DFFF), nothing above U+10FFFF.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i];
    if (b0 < 0x80) {
      i += 1;
      continue;
    }
    let need: number; // continuation bytes that follow b0
    let lo = 0x80; // allowed range of the first continuation byte
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      if (b0 === 0xe0) lo = 0xa0; // overlong
      if (b0 === 0xed) hi = 0x9f; // surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      if (b0 === 0xf0) lo = 0x90; // overlong
      if (b0 === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return i; // truncated sequence
      const b = bytes[i + k];
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (b < min || b > max) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Decode UTF-8 strictly; on failure the error names `source` and the byte offset. */
export function decodeUtf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const offset = invalidUtf8Offset(bytes);
    throw new DataError(
      `${source}: not valid UTF-8 (first invalid byte 0x${bytes[Math.max(offset, 0)]?.toString(16).padStart(2, '0')} at byte offset ${offset}); save the file as UTF-8`,
    );
  }
}

/**
 * Decode ISO-8859-1 (Latin-1): every byte is the code point of the same value.
 * Written out by hand because TextDecoder('latin1') is really windows-1252,
 * which remaps 0x80..0x9f.
 */
export function decodeLatin1(bytes: Uint8Array): string {
  let out = '';
  const chunk = 8192; // keep String.fromCharCode's argument list small
  for (let i = 0; i < bytes.length; i += chunk) {
    out += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return out;
}

/** Options for {@link textFromBytes}. */
export interface TextFromBytesOptions {
  /** Name shown in error messages (a file path or an upload's name). */
  source: string;
  /**
   * Training context length. When given, the text must hold at least
   * blockSize + 1 characters: one window x plus its one-step-shifted target y.
   */
  blockSize?: number;
}

/**
 * A user's own text: strict UTF-8, normalised line ends, and clear errors for
 * empty input, invalid UTF-8 and text too short for one training window.
 * Works in the browser too (for uploaded files).
 */
export function textFromBytes(bytes: Uint8Array, options: TextFromBytesOptions): string {
  const { source, blockSize } = options;
  if (blockSize !== undefined && (!Number.isInteger(blockSize) || blockSize < 1)) {
    throw new DataError(`${source}: blockSize must be a positive integer, got ${blockSize}`);
  }
  if (bytes.length === 0) throw new DataError(`${source}: file is empty; expected UTF-8 text`);
  const text = normalizeText(decodeUtf8(bytes, source));
  if (text.length === 0) throw new DataError(`${source}: file holds only a byte-order mark; expected UTF-8 text`);
  if (blockSize !== undefined) {
    // Count code points, not UTF-16 units: that is what a character tokenizer sees.
    let chars = 0;
    for (const _ of text) chars++;
    if (chars < blockSize + 1) {
      throw new DataError(
        `${source}: too short for one training window: ${chars} characters, need at least blockSize + 1 = ${blockSize + 1}`,
      );
    }
  }
  return text;
}
