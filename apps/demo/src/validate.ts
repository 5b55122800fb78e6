// Input checks of the page, as pure functions so unit tests can reach every
// message: number fields (with the rule each one states), and a user's own
// training text (size limit, binary files, invalid UTF-8, too short to train).
import { decodeUtf8, normalizeText } from '@attn/datasets/browser';
import { VALIDATION_FRACTION } from './protocol';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** What a number field accepts. */
export interface NumberRule {
  /** The field's name as the label shows it ("Top-p"). */
  name: string;
  /** Whole numbers only. */
  integer?: boolean;
  /** Smallest value allowed (inclusive unless minExclusive). */
  min: number;
  minExclusive?: boolean;
  /** Largest value allowed (inclusive). */
  max: number;
}

export const RULES = {
  steps: { name: 'Steps', integer: true, min: 1, max: 100_000 },
  temperature: { name: 'Temperature', min: 0, minExclusive: true, max: 3 },
  topK: { name: 'Top-k', integer: true, min: 1, max: 200 },
  topP: { name: 'Top-p', min: 0, minExclusive: true, max: 1 },
  maxTokens: { name: 'Max tokens', integer: true, min: 1, max: 2000 },
} satisfies Record<string, NumberRule>;

/** The rule in words: "a whole number from 1 to 2,000", "greater than 0 and at most 1". */
export function describeRule(rule: NumberRule): string {
  const n = (x: number) => x.toLocaleString('en');
  if (rule.integer) return `a whole number from ${n(rule.minExclusive ? rule.min + 1 : rule.min)} to ${n(rule.max)}`;
  return `a number ${rule.minExclusive ? 'greater than' : 'of at least'} ${n(rule.min)} and at most ${n(rule.max)}`;
}

/**
 * Reads a number field. `raw` is the input's value; `badInput` is true when the
 * browser could not read what was typed as a number (a number input's value is then "").
 */
export function checkNumber(raw: string, rule: NumberRule, badInput = false): Checked<number> {
  const must = `${rule.name} must be ${describeRule(rule)}`;
  if (badInput) return { ok: false, message: `${must}; what is typed is not a number.` };
  const text = raw.trim();
  if (text === '') return { ok: false, message: `${must}; the field is empty.` };
  const value = Number(text);
  if (!Number.isFinite(value)) return { ok: false, message: `${must}; "${text}" is not a number.` };
  const tooLow = rule.minExclusive ? value <= rule.min : value < rule.min;
  if (tooLow || value > rule.max || (rule.integer && !Number.isInteger(value))) {
    return { ok: false, message: `${must}, not ${text}.` };
  }
  return { ok: true, value };
}

/** Largest text (UTF-8 bytes) the page trains on: tokenizing and batching stay quick, and the tab stays small. */
export const MAX_TEXT_BYTES = 2_000_000;

/** "1.5 MB (1,523,000 bytes)": rounded for reading, exact for a size near the limit. */
export function formatBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString('en')} byte${bytes === 1 ? '' : 's'}`;
  if (bytes < 1000) return exact;
  const rounded = bytes < 1_000_000 ? `${Number((bytes / 1000).toFixed(1))} kB` : `${Number((bytes / 1_000_000).toFixed(1))} MB`;
  return `${rounded} (${exact})`;
}

const LIMIT = formatBytes(MAX_TEXT_BYTES);

/** Checks a file's size before reading it, so a huge file is refused without loading it. */
export function checkFileSize(name: string, size: number): Checked<null> {
  if (size === 0) return { ok: false, message: `${name} is empty; choose a UTF-8 text file.` };
  if (size > MAX_TEXT_BYTES) return { ok: false, message: `${name} is ${formatBytes(size)}; the limit is ${LIMIT}.` };
  return { ok: true, value: null };
}

/** Bytes of a file (or pasted text) -> text to train on: size limit, NUL bytes (binary files), strict UTF-8. */
export function textFromUserBytes(bytes: Uint8Array, name: string): Checked<string> {
  const size = checkFileSize(name, bytes.length);
  if (!size.ok) return size;
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    return { ok: false, message: `${name} looks like a binary file, not text (a NUL byte at byte ${nul.toLocaleString('en')}); choose a UTF-8 text file.` };
  }
  let text: string;
  try {
    text = decodeUtf8(bytes, name);
  } catch (err) {
    return { ok: false, message: `${(err as Error).message}.` };
  }
  text = normalizeText(text);
  if (text.trim() === '') return { ok: false, message: `${name} holds only whitespace; it needs text to learn from.` };
  return { ok: true, value: text };
}

/** Pasted text: the same checks as a file (its UTF-8 size, NUL characters). */
export function textFromPaste(text: string): Checked<string> {
  if (text.trim() === '') return { ok: false, message: 'Paste some text to train on first (the box is empty).' };
  return textFromUserBytes(new TextEncoder().encode(text), 'The pasted text');
}

/**
 * Fewest characters a model with context `blockSize` can train on: the held-out
 * last VALIDATION_FRACTION must hold one window plus its shifted target.
 */
export function minTrainingChars(blockSize: number): number {
  return Math.ceil((blockSize + 1) / VALIDATION_FRACTION);
}

/** Text long enough for training and validation windows of `blockSize`. */
export function checkTrainingLength(text: string, blockSize: number, name: string): Checked<string> {
  let chars = 0;
  for (const _ of text) chars++;
  const need = minTrainingChars(blockSize);
  if (chars < need) {
    return {
      ok: false,
      message:
        `${name} has ${chars.toLocaleString('en')} characters; a model reading ${blockSize} at a time needs at least ` +
        `${need.toLocaleString('en')}, because the last ${Math.round(VALIDATION_FRACTION * 100)}% is held out for validation.`,
    };
  }
  return { ok: true, value: text };
}
