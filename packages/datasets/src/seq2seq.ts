// Synthetic sequence-to-sequence tasks for the encoder-decoder model. All are
// character-level: every character of source and target is one token.

import { DataError } from './errors';
import { Rng } from '@attn/tensor';
import { Vocabulary } from './vocabulary';

/** Special tokens at the start of every seq2seq vocabulary (ids 0, 1, 2). */
export const SEQ2SEQ_SPECIALS = ['<pad>', '<bos>', '<eos>'] as const;

/** One source/target pair. */
export interface Seq2SeqExample {
  /** Input text; one character per token. */
  source: string;
  /** Expected output text; one character per token. */
  target: string;
}

/** A task: its vocabulary and a seeded generator. */
export interface Seq2SeqTask {
  /** Task name. */
  name: 'reverse' | 'sort' | 'date';
  /** '<pad>', '<bos>', '<eos>', then every character the task can produce. */
  vocabulary: Vocabulary;
  /** `count` examples, deterministic in `seed`. */
  generate(count: number, seed: number): Seq2SeqExample[];
}

/** Settings of the reversal and sorting tasks. */
export interface SequenceTaskConfig {
  /** Characters a sequence is drawn from; sorting orders them by their place here. */
  alphabet?: string;
  /** Shortest sequence length. */
  minLength?: number;
  /** Longest sequence length. */
  maxLength?: number;
}

function vocabularyOf(chars: Iterable<string>): Vocabulary {
  return new Vocabulary([...SEQ2SEQ_SPECIALS, ...[...new Set(chars)].sort()]);
}

function checkCount(count: number, op: string): void {
  if (!Number.isInteger(count) || count < 0) throw new DataError(`${op}: count must be a non-negative integer, got ${count}`);
}

function sequenceTask(
  name: 'reverse' | 'sort',
  config: SequenceTaskConfig,
  transform: (chars: string[], alphabet: string) => string[],
): Seq2SeqTask {
  const { alphabet = '0123456789', minLength = 1, maxLength = 12 } = config;
  const symbols = Array.from(alphabet);
  if (symbols.length === 0 || new Set(symbols).size !== symbols.length) {
    throw new DataError(`${name} task: alphabet must be non-empty without repeated characters, got '${alphabet}'`);
  }
  if (!Number.isInteger(minLength) || !Number.isInteger(maxLength) || minLength < 1 || maxLength < minLength) {
    throw new DataError(`${name} task: need integers 1 <= minLength <= maxLength, got ${minLength}, ${maxLength}`);
  }
  return {
    name,
    vocabulary: vocabularyOf(symbols),
    generate(count, seed) {
      checkCount(count, `${name} task`);
      const rng = new Rng(seed);
      return Array.from({ length: count }, () => {
        const length = minLength + rng.int(maxLength - minLength + 1);
        const chars = Array.from({ length }, () => rng.pick(symbols));
        return { source: chars.join(''), target: transform(chars, alphabet).join('') };
      });
    },
  };
}

/** Reverse a random sequence: "1234" -> "4321". */
export function reversalTask(config: SequenceTaskConfig = {}): Seq2SeqTask {
  return sequenceTask('reverse', config, (chars) => chars.slice().reverse());
}

/** Sort a random sequence by alphabet order: "3141" -> "1134". */
export function sortingTask(config: SequenceTaskConfig = {}): Seq2SeqTask {
  return sequenceTask('sort', config, (chars, alphabet) => {
    const rank = new Map(Array.from(alphabet, (c, i) => [c, i]));
    return chars.slice().sort((p, q) => rank.get(p)! - rank.get(q)!);
  });
}

/** English month names, January first. */
export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** How the date task writes its source dates. */
export const DATE_FORMATS = {
  /** "23 November 2026" */
  'day-month-year': (day: number, month: string, year: number) => `${day} ${month} ${year}`,
  /** "November 23, 2026" */
  'month-day-year': (day: number, month: string, year: number) => `${month} ${day}, ${year}`,
} as const;
export type DateFormat = keyof typeof DATE_FORMATS;

/** Settings of the date task. */
export interface DateTaskConfig {
  /** First year, inclusive. */
  minYear?: number;
  /** Last year, inclusive (at most 9999: targets use four-digit years). */
  maxYear?: number;
  /**
   * Source formats, each example drawn uniformly from them (default ['day-month-year']). With
   * more than one the model has to find the month wherever it stands, which is what its
   * cross-attention shows.
   */
  formats?: DateFormat[];
}

/** Days in a month of the proleptic Gregorian calendar (month 1..12). */
export function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** Translate a date from "23 November 2026" (or "November 23, 2026") to ISO 8601 "2026-11-23". */
export function dateTask(config: DateTaskConfig = {}): Seq2SeqTask {
  const { minYear = 1900, maxYear = 2099, formats = ['day-month-year'] } = config;
  if (!Number.isInteger(minYear) || !Number.isInteger(maxYear) || minYear < 1000 || maxYear > 9999 || maxYear < minYear) {
    throw new DataError(`date task: need integer years 1000 <= minYear <= maxYear <= 9999, got ${minYear}, ${maxYear}`);
  }
  if (!Array.isArray(formats) || formats.length === 0 || formats.some((f) => !Object.hasOwn(DATE_FORMATS, f)) || new Set(formats).size !== formats.length) {
    throw new DataError(`date task: formats must be a non-empty list of distinct names from ${Object.keys(DATE_FORMATS).join(', ')}, got ${JSON.stringify(formats)}`);
  }
  const chars = new Set<string>(['-', ' ', ...'0123456789']);
  for (const m of MONTHS) for (const c of m) chars.add(c);
  if (formats.includes('month-day-year')) chars.add(',');
  const one = (rng: Rng): Seq2SeqExample => {
    const year = minYear + rng.int(maxYear - minYear + 1);
    const month = 1 + rng.int(12);
    const day = 1 + rng.int(daysInMonth(year, month));
    // One format draws nothing, so the default task's examples stay what they always were.
    const format = formats.length === 1 ? formats[0] : formats[rng.int(formats.length)];
    const pad = (n: number) => String(n).padStart(2, '0');
    return { source: DATE_FORMATS[format](day, MONTHS[month - 1], year), target: `${year}-${pad(month)}-${pad(day)}` };
  };
  return {
    name: 'date',
    vocabulary: vocabularyOf(chars),
    generate(count, seed) {
      checkCount(count, 'date task');
      const rng = new Rng(seed);
      return Array.from({ length: count }, () => one(rng));
    },
  };
}

/** Encode an example as ids: source, and target wrapped in '<bos>' ... '<eos>'. */
export function encodeSeq2Seq(example: Seq2SeqExample, vocabulary: Vocabulary): { source: Int32Array; target: Int32Array } {
  return {
    source: vocabulary.encode(Array.from(example.source)),
    target: vocabulary.encode(['<bos>', ...Array.from(example.target), '<eos>']),
  };
}
