// Pre-tokenization: before byte-pair merging, text is cut into pieces (words with
// their leading space, runs of digits, runs of punctuation, runs of whitespace)
// and merges never cross a piece boundary. This is GPT-2's pattern; \p{L} and
// \p{N} need the `u` flag. With `u`, a lone surrogate is one "character" that is
// neither a letter, a digit nor whitespace, so it lands in the punctuation branch.

/** GPT-2's pre-tokenization pattern, exactly as OpenAI published it. */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** Compiles a pre-tokenization pattern, with a clear error if it is not a valid regex. */
export function compilePattern(pattern: string, source = 'pattern'): RegExp {
  try {
    return new RegExp(pattern, 'gu');
  } catch (err) {
    throw new Error(`${source}: invalid pre-tokenization regex ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
}

/**
 * The pieces of `text`, in order; joined they always give back `text`. GPT-2's
 * pattern matches every character, but a user pattern may skip some: any text
 * between matches becomes a piece of its own so nothing is ever dropped.
 */
export function pretokenize(text: string, pattern: RegExp): string[] {
  const pieces = text.match(pattern) ?? [];
  let covered = 0;
  for (const piece of pieces) covered += piece.length;
  if (covered === text.length) return pieces;
  // Slow path with positions, only for patterns that leave gaps.
  const out: string[] = [];
  let at = 0;
  for (const m of text.matchAll(pattern)) {
    if (m.index > at) out.push(text.slice(at, m.index));
    if (m[0].length > 0) out.push(m[0]);
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}
