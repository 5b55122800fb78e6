// Train/validation splits. Two flavours for token streams (nanoGPT's in-order
// 90/10, and a seeded split of contiguous chunks) and one for lists of examples.

import { DataError } from './errors';
import { Rng } from '@attn/tensor';

/** Anything we can split: token arrays (split as views, no copy) or text. */
export type Sliceable = Int32Array | Uint16Array | string;

/** A train/validation pair. */
export interface Split<T> {
  /** Training part. */
  train: T;
  /** Validation part. */
  val: T;
}

function checkFraction(valFraction: number, op: string): void {
  if (!(valFraction > 0 && valFraction < 1)) {
    throw new DataError(`${op}: valFraction must be in (0, 1), got ${valFraction}`);
  }
}

function part<T extends Sliceable>(data: T, start: number, end: number): T {
  return (typeof data === 'string' ? data.slice(start, end) : data.subarray(start, end)) as T;
}

/** The first (1 - valFraction) for training, the rest for validation, as nanoGPT does for Shakespeare. */
export function splitInOrder<T extends Sliceable>(data: T, valFraction = 0.1): Split<T> {
  checkFraction(valFraction, 'splitInOrder');
  const n = Math.floor(data.length * (1 - valFraction));
  return { train: part(data, 0, n), val: part(data, n, data.length) };
}

/** Options for {@link splitSeeded}. */
export interface SeededSplitOptions {
  /** Share of chunks that go to validation, in (0, 1). */
  valFraction?: number;
  /** Seed of the chunk shuffle. */
  seed?: number;
  /** Length of one contiguous chunk; make it a few times your block size. */
  chunkSize?: number;
}

/**
 * Cut the stream into contiguous chunks and send a seeded random
 * round(chunks * valFraction) of them to validation; each side keeps the original
 * order of its chunks. Windows that cross a seam between two non-adjacent chunks
 * are slightly unnatural, which is why chunks should be much longer than a window.
 */
export function splitSeeded<T extends Sliceable>(data: T, options: SeededSplitOptions = {}): Split<T> {
  const { valFraction = 0.1, seed = 0, chunkSize = 1024 } = options;
  checkFraction(valFraction, 'splitSeeded');
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new DataError(`splitSeeded: chunkSize must be a positive integer, got ${chunkSize}`);
  }
  const chunks = Math.ceil(data.length / chunkSize);
  if (chunks < 2) throw new DataError(`splitSeeded: need at least 2 chunks of ${chunkSize}, data has length ${data.length}`);
  const valCount = Math.min(chunks - 1, Math.max(1, Math.round(chunks * valFraction)));
  const order = new Rng(seed).shuffled(Array.from({ length: chunks }, (_, i) => i));
  const isVal = new Uint8Array(chunks);
  for (const c of order.slice(0, valCount)) isVal[c] = 1;
  const pieces: [T[], T[]] = [[], []]; // [train, val]
  for (let c = 0; c < chunks; c++) {
    pieces[isVal[c]].push(part(data, c * chunkSize, Math.min(data.length, (c + 1) * chunkSize)));
  }
  return { train: concat(data, pieces[0]), val: concat(data, pieces[1]) };
}

function concat<T extends Sliceable>(like: T, pieces: T[]): T {
  if (typeof like === 'string') return (pieces as string[]).join('') as T;
  const length = pieces.reduce((sum, p) => sum + p.length, 0);
  const out = like instanceof Int32Array ? new Int32Array(length) : new Uint16Array(length);
  let offset = 0;
  for (const p of pieces as (Int32Array | Uint16Array)[]) {
    out.set(p, offset);
    offset += p.length;
  }
  return out as T;
}

/** Seeded shuffle of a list of examples, then the last round(n * valFraction) go to validation. */
export function splitExamples<T>(items: readonly T[], valFraction = 0.1, seed = 0): Split<T[]> {
  checkFraction(valFraction, 'splitExamples');
  const shuffled = new Rng(seed).shuffled(items);
  const n = shuffled.length - Math.round(shuffled.length * valFraction);
  return { train: shuffled.slice(0, n), val: shuffled.slice(n) };
}
