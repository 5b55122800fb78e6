// Where a trainer's batches come from. A source owns the data stream and its
// position (a cursor that survives a trip through JSON, so a checkpoint resumes
// the stream exactly where it stopped, with nothing replayed), and knows how to
// turn one of its batches into a loss for the model it feeds, which is what lets
// one Trainer train a GPT on token windows, on padded sentences, or an
// encoder-decoder on source/target pairs.
import type { Tensor } from '@attn/tensor';

/** A JSON value (what cursors and settings are made of). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface BatchSource<M, B = unknown> {
  /** What kind of stream this is: 'token-windows', 'sentence-rows', 'seq2seq-pairs', or your own. */
  readonly kind: string;
  /**
   * What defines the stream (batch size, block size, seed, a fingerprint of the data): saved with a
   * checkpoint, and a resumed run must have the same.
   */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  /** Tokens one training batch trains on (for tokens per second). */
  readonly tokensPerBatch: number;
  /** The next training batch; moves the cursor on. */
  next(): B;
  /** The mean loss of `batch` under `model`: a one-element tensor, recorded for backward. */
  loss(model: M, batch: B): Tensor;
  /** The evaluation batches: the same every call, so evaluations compare. */
  evalBatches(): readonly B[];
  /** Where the stream stands. */
  cursor(): JsonValue;
  /** Continues from a cursor saved by cursor() (checked before anything changes). */
  seek(cursor: unknown): void;
}

/** A 32-bit FNV-1a fingerprint of token ids, so a resumed run can tell its data changed. */
export function fingerprint(...arrays: ArrayLike<number>[]): string {
  let h = 0x811c9dc5;
  for (const values of arrays) {
    for (let i = 0; i < values.length; i++) {
      h ^= values[i] & 0xffff;
      h = Math.imul(h, 0x01000193);
      h ^= (values[i] >>> 16) & 0xffff;
      h = Math.imul(h, 0x01000193);
    }
    h ^= values.length;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function positiveInt(who: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${who}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}
