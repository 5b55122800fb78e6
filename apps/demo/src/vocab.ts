// Typed text against a model's vocabulary and context: which pieces the model
// can read, which it cannot (not in its vocabulary) and which fall outside its
// context window. The page marks these in the input's preview and reports them;
// the worker tokenizes with the same function, so what is shown is what runs.
import { type BpeJson, BpeTokenizer } from '@attn/tokenizer';

/**
 * A model's vocabulary: characters (ids = positions), whitespace-separated words, or a
 * byte-level BPE (GPT-2's), which can encode every text: nothing is ever "not in the
 * vocabulary", but one character may become several tokens (an emoji, 2-4 bytes).
 */
export type VocabularyInfo =
  | { kind: 'char'; chars: string[] }
  | { kind: 'word'; words: string[] }
  | { kind: 'byte-bpe'; size: number; bpe: BpeJson };

/** What one token is called: "character", "word" or "token". */
export function vocabularyUnit(vocabulary: VocabularyInfo): string {
  return vocabulary.kind === 'char' ? 'character' : vocabulary.kind === 'word' ? 'word' : 'token';
}

/** How many tokens a vocabulary has. */
export function vocabularySize(vocabulary: VocabularyInfo): number {
  return vocabulary.kind === 'char' ? vocabulary.chars.length : vocabulary.kind === 'word' ? vocabulary.words.length : vocabulary.size;
}

/**
 * The label of every id: a character, a word, or a BPE piece's text; a BPE token that is not whole
 * UTF-8 (part of an emoji's bytes) or is a control character is labelled by its bytes ("<F0 9F>",
 * "<13>"). Built once per vocabulary.
 */
const labelLists = new WeakMap<VocabularyInfo, readonly string[]>();
export function vocabularyLabels(vocabulary: VocabularyInfo): readonly string[] {
  if (vocabulary.kind === 'char') return vocabulary.chars;
  if (vocabulary.kind === 'word') return vocabulary.words;
  let labels = labelLists.get(vocabulary);
  if (!labels) {
    const tokenizer = bpeOf(vocabulary);
    const strict = new TextDecoder('utf-8', { fatal: true });
    labels = Array.from({ length: vocabulary.size }, (_, id) => {
      if (id >= tokenizer.vocabSize) return `<unused:${id}>`;
      const bytes = tokenizer.tokenToBytes(id);
      try {
        const text = strict.decode(bytes);
        // A control character other than a newline or tab (GPT-2 has a token for each byte) has no glyph in most fonts: its byte reads better.
        return Array.from(text).some(isControl) ? bytesLabel(bytes) : text;
      } catch {
        return bytesLabel(bytes);
      }
    });
    labelLists.set(vocabulary, labels);
  }
  return labels;
}

/** A control character other than a newline or a tab. */
function isControl(c: string): boolean {
  const code = c.charCodeAt(0);
  return (code < 0x20 && code !== 0x0a && code !== 0x09) || code === 0x7f;
}

/** "<F0 9F>": bytes that are not whole UTF-8, as a label. */
function bytesLabel(bytes: Uint8Array): string {
  return `<${Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')}>`;
}

/** The BPE tokenizer of a byte-bpe vocabulary, built once per vocabulary object. */
const bpeTokenizers = new WeakMap<BpeJson, BpeTokenizer>();
function bpeOf(vocabulary: { bpe: BpeJson }): BpeTokenizer {
  let tokenizer = bpeTokenizers.get(vocabulary.bpe);
  if (!tokenizer) {
    tokenizer = BpeTokenizer.fromJSON(vocabulary.bpe);
    bpeTokenizers.set(vocabulary.bpe, tokenizer);
  }
  return tokenizer;
}

/** One piece of the typed text, in order. */
export interface TextPiece {
  text: string;
  /**
   * known: read by the model; unknown: not in the vocabulary (left out);
   * beyond: in the vocabulary but before the last `blockSize` tokens (left out);
   * gap: whitespace between words of a word-level vocabulary (not a token).
   */
  status: 'known' | 'unknown' | 'beyond' | 'gap';
}

export interface TextAnalysis {
  pieces: TextPiece[];
  /** Ids of the tokens the model reads (at most blockSize). */
  ids: number[];
  /** Their labels (the characters or words). */
  labels: string[];
  /** Distinct pieces not in the vocabulary, in order of appearance. */
  unknown: string[];
  /** How many pieces are not in the vocabulary (repeats counted). */
  unknownCount: number;
  /** Known tokens left out because the context holds only the last blockSize. */
  beyondCount: number;
}

/** Splits `text` as the vocabulary does and marks each piece. */
export function analyseText(text: string, vocabulary: VocabularyInfo, blockSize: number): TextAnalysis {
  if (vocabulary.kind === 'byte-bpe') return analyseBpe(text, vocabulary, blockSize);
  const entries = vocabulary.kind === 'char' ? vocabulary.chars : vocabulary.words;
  const idOf = new Map(entries.map((entry, i) => [entry, i]));
  // Characters are code points (what CharTokenizer sees); words are runs of non-space.
  const raw: TextPiece[] =
    vocabulary.kind === 'char'
      ? Array.from(text, (ch) => ({ text: ch, status: idOf.has(ch) ? 'known' : 'unknown' }))
      : (text.match(/\s+|\S+/g) ?? []).map((part) => ({ text: part, status: /^\s/.test(part) ? 'gap' : idOf.has(part) ? 'known' : 'unknown' }));
  const knownCount = raw.filter((p) => p.status === 'known').length;
  let toSkip = Math.max(0, knownCount - blockSize);
  const beyondCount = toSkip;
  const ids: number[] = [];
  const labels: string[] = [];
  const unknown: string[] = [];
  let unknownCount = 0;
  for (const piece of raw) {
    if (piece.status === 'unknown') {
      unknownCount++;
      if (!unknown.includes(piece.text)) unknown.push(piece.text);
    } else if (piece.status === 'known') {
      if (toSkip > 0) {
        piece.status = 'beyond';
        toSkip--;
      } else {
        ids.push(idOf.get(piece.text) as number);
        labels.push(piece.text);
      }
    }
  }
  return { pieces: raw, ids, labels, unknown, unknownCount, beyondCount };
}

/**
 * Byte-level BPE: every text encodes. Tokens are cut as the tokenizer cuts them (special-token
 * text such as <|endoftext|> is read as ordinary text); the last blockSize are read. A preview
 * piece is one token, or several when they split one character (an emoji's bytes), so the
 * pieces always spell the text. A token holding part of a character is labelled by its bytes.
 */
function analyseBpe(text: string, vocabulary: { bpe: BpeJson }, blockSize: number): TextAnalysis {
  const tokens = bpeOf(vocabulary).pieces(text, { disallowedSpecial: [] });
  const skip = Math.max(0, tokens.length - blockSize);
  const pieces: TextPiece[] = [];
  let groupStart = 0;
  let groupEnd = 0;
  let groupBeyond = false;
  const close = () => {
    if (groupEnd > groupStart) pieces.push({ text: text.slice(groupStart, groupEnd), status: groupBeyond ? 'beyond' : 'known' });
  };
  tokens.forEach((token, i) => {
    if (token.charStart >= groupEnd) {
      close();
      groupStart = token.charStart;
      groupBeyond = false;
    }
    groupEnd = Math.max(groupEnd, token.charEnd);
    groupBeyond ||= i < skip;
  });
  close();
  const kept = tokens.slice(skip);
  return {
    pieces,
    ids: kept.map((t) => t.id),
    labels: kept.map((t) => (t.text.includes('\uFFFD') && !text.slice(t.charStart, t.charEnd).includes('\uFFFD') ? bytesLabel(bpeOf(vocabulary).tokenToBytes(t.id)) : t.text)),
    unknown: [],
    unknownCount: 0,
    beyondCount: skip,
  };
}

/** "😀" U+1F600: a character as a person can find it, with its code point. */
export function describePiece(piece: string): string {
  const points = Array.from(piece);
  if (points.length !== 1) return JSON.stringify(piece);
  const code = (piece.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
  const shown = /\s/.test(piece) || /\p{C}/u.test(piece) ? '' : `"${piece}" `;
  return `${shown}U+${code}`;
}

/** What the model will leave out, in one sentence (empty when it reads everything). */
export function describeLeftOut(analysis: TextAnalysis, vocabulary: VocabularyInfo, blockSize: number): string {
  const unit = vocabularyUnit(vocabulary);
  const parts: string[] = [];
  if (analysis.unknownCount > 0) {
    const listed = analysis.unknown.slice(0, 5).map(describePiece).join(', ');
    const more = analysis.unknown.length > 5 ? ` and ${analysis.unknown.length - 5} more` : '';
    parts.push(
      `${analysis.unknownCount} ${unit}${analysis.unknownCount === 1 ? ' is' : 's are'} not in this model's vocabulary and left out (${listed}${more})`,
    );
  }
  if (analysis.beyondCount > 0) {
    parts.push(`the model reads at most ${blockSize} ${unit}s, so the first ${analysis.beyondCount} ${analysis.beyondCount === 1 ? 'is' : 'are'} left out`);
  }
  if (parts.length === 0) return '';
  const sentence = parts.join('; ');
  return `${sentence[0].toUpperCase()}${sentence.slice(1)}.`;
}

/** The page model's default sentence when its text can spell it. */
export const DEFAULT_SENTENCE = 'The cat sat on the mat.';

/**
 * A sentence a character model trained on `text` can read whole: the default one
 * when every character is in its vocabulary and it fits the context, else the
 * start of the text's first non-empty line, cut at a word boundary to fit.
 */
export function sampleSentence(text: string, chars: readonly string[], blockSize: number): string {
  const known = new Set(chars);
  const fits = (s: string) => Array.from(s).length <= blockSize && Array.from(s).every((c) => known.has(c));
  if (fits(DEFAULT_SENTENCE)) return DEFAULT_SENTENCE;
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  const points = Array.from(line);
  if (points.length <= blockSize) return line;
  const cut = points.slice(0, blockSize).join('');
  const space = cut.lastIndexOf(' ');
  return space > blockSize / 2 ? cut.slice(0, space) : cut;
}

/** What a byte-level BPE model (GPT-2) is asked about by default: the indirect-object sentence heads were first named on. */
export const BPE_SENTENCE = 'When Mary and John went to the store, John gave a drink to';

/**
 * A sentence a model with this vocabulary reads whole, when nothing better is known (a model the
 * user opened): for a byte-level BPE, an English sentence; for characters, the default sentence
 * when it can spell it, else the vocabulary's first letters and spaces; for words, its first words.
 * Words are dropped from its end until it fits the model's context.
 */
export function vocabularySentence(vocabulary: VocabularyInfo, blockSize: number): string {
  return fitToContext(anySentence(vocabulary, blockSize), vocabulary, blockSize);
}

function anySentence(vocabulary: VocabularyInfo, blockSize: number): string {
  if (vocabulary.kind === 'byte-bpe') return BPE_SENTENCE;
  if (vocabulary.kind === 'word') return vocabulary.words.filter((w) => !/^<.*>$/.test(w)).slice(0, Math.min(8, blockSize)).join(' ');
  const chars = vocabulary.chars;
  const sentence = sampleSentence(DEFAULT_SENTENCE, chars, blockSize);
  if (analyseText(sentence, vocabulary, blockSize).unknownCount === 0) return sentence;
  return chars.filter((c) => /\p{L}| /u.test(c)).slice(0, Math.min(24, blockSize)).join('');
}

/** `sentence` without as many of its last words as it takes to fit `blockSize` tokens (at least one word stays). */
function fitToContext(sentence: string, vocabulary: VocabularyInfo, blockSize: number): string {
  let words = sentence.split(' ');
  while (words.length > 1 && analyseText(words.join(' '), vocabulary, blockSize).beyondCount > 0) words = words.slice(0, -1);
  return words.join(' ');
}
