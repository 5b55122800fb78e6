// One error type for every tokenizer failure, so callers can tell bad input
// (a corrupt file, an unknown character, a forbidden special token) from bugs.
export class TokenizerError extends Error {
  override name = 'TokenizerError';
}

/** 1-based line and column of a character offset in `text`, for error messages. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** How a character is shown in an error: the character itself and its code point. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return `${JSON.stringify(ch)} (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}
