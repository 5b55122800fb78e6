// Fast path for GPT-2's pre-tokenization pattern (see pretokenize.ts, the
// reference): a hand-written scanner that finds where the piece starting at `i`
// ends, without running the regex or creating a substring. It only decides
// ASCII cases; whenever the answer could depend on a non-ASCII character (is it
// a letter? a Unicode space?) it returns -1 and the caller asks the regex.
// Tests check it gives the regex's pieces on a megabyte of mixed text.

const LETTER = 1;
const DIGIT = 2;
const SPACE = 3; // what JS's \s matches in ASCII: \t \n \v \f \r and ' '
const OTHER = 4;

const ASCII_CLASS = new Uint8Array(128).map((_, c) => {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return LETTER;
  if (c >= 48 && c <= 57) return DIGIT;
  if (c === 32 || (c >= 9 && c <= 13)) return SPACE;
  return OTHER;
});

/** End (exclusive) of the GPT-2 piece that starts at `i`, or -1 if the regex must decide. */
export function gpt2PieceEnd(text: string, i: number): number {
  const n = text.length;
  const c = text.charCodeAt(i);
  if (c >= 128) return -1;
  // 's|'t|'re|'ve|'m|'ll|'d come first in the alternation.
  if (c === 39 && i + 1 < n) {
    const d = text.charCodeAt(i + 1);
    if (d === 115 || d === 116 || d === 109 || d === 100) return i + 2; // 's 't 'm 'd
    const e = text.charCodeAt(i + 2);
    if ((d === 114 && e === 101) || (d === 118 && e === 101) || (d === 108 && e === 108)) return i + 3; // 're 've 'll
  }
  let cls = ASCII_CLASS[c];
  let start = i;
  // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': a space joins the run after it.
  if (c === 32 && i + 1 < n) {
    const next = text.charCodeAt(i + 1);
    if (next >= 128) return -1;
    if (ASCII_CLASS[next] !== SPACE) {
      cls = ASCII_CLASS[next];
      start = i + 1;
    }
  }
  let j = start + 1;
  while (j < n) {
    const d = text.charCodeAt(j);
    if (d >= 128) return -1; // might continue the run (a letter, a Unicode space...)
    if (ASCII_CLASS[d] !== cls) break;
    j++;
  }
  if (cls !== SPACE) return j;
  // '\s+(?!\S)|\s+': a whitespace run leaves its last character for the next piece
  // (so " word" keeps its space), unless the run ends the text or is one character.
  if (j === n || j - i === 1) return j;
  return j - 1;
}
