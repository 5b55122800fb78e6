// One sentence per row, padded to blockSize: the shape of the coreference
// language's data, where a window across two sentences would teach nothing. Row
// b holds a sentence's tokens as inputs and the next tokens as targets; the rest
// of the row is padding with target -100 (ignored by the loss). The sentences of
// batch i come from a function of i, so the cursor is just the batch count.
import { TrainingError } from '../errors.js';
import type { BatchSource } from './batch-source.js';
import { positiveInt } from './batch-source.js';
import { type LanguageModel, type LMBatch, lmBatchLoss } from './token-windows.js';

export interface SentenceRowsOptions {
  /**
   * The sentences (token ids) of training batch `index` (0, 1, 2, ...): the same index must give the
   * same sentences, which is what makes the stream resumable from its index.
   */
  batch(index: number): readonly ArrayLike<number>[];
  /** The evaluation batches, each a list of sentences. */
  evalBatches: readonly (readonly ArrayLike<number>[])[];
  /** Row length: sentences longer than blockSize + 1 tokens are cut. */
  blockSize: number;
  /** Id written into the padding of the inputs. Default 0. */
  padId?: number;
  /** What defines the stream (seed, sentences per batch, the language): saved, and compared on resume. */
  settings: Readonly<Record<string, string | number | boolean>>;
}

/** Sentences as (B, T) rows: inputs padded with padId, targets -100 where there is no next token. */
export function sentenceRows(sentences: readonly ArrayLike<number>[], blockSize: number, padId = 0): LMBatch {
  const B = sentences.length;
  const x = new Int32Array(B * blockSize).fill(padId); // (B, T)
  const y = new Int32Array(B * blockSize).fill(-100); // (B, T)
  sentences.forEach((ids, b) => {
    const n = Math.min(ids.length, blockSize + 1);
    for (let t = 0; t < n - 1; t++) {
      x[b * blockSize + t] = ids[t];
      y[b * blockSize + t] = ids[t + 1];
    }
  });
  return { x, y, batch: B };
}

export function sentenceRowsSource(options: SentenceRowsOptions): BatchSource<LanguageModel, LMBatch> {
  const blockSize = positiveInt('sentenceRowsSource', 'blockSize', options.blockSize);
  const padId = options.padId ?? 0;
  let index = 0;
  let evalSet: LMBatch[] | null = null;
  const first = options.batch(0);
  if (first.length === 0) throw new TrainingError('sentenceRowsSource: batch(0) gave no sentences');
  return {
    kind: 'sentence-rows',
    settings: { ...options.settings, blockSize, padId },
    tokensPerBatch: first.length * blockSize,
    next: () => sentenceRows(options.batch(index++), blockSize, padId),
    loss: lmBatchLoss,
    evalBatches() {
      evalSet ??= options.evalBatches.map((sentences) => sentenceRows(sentences, blockSize, padId));
      return evalSet;
    },
    cursor: () => ({ batch: index }),
    seek(cursor) {
      const at = (cursor as { batch?: unknown } | null)?.batch;
      if (typeof at !== 'number' || !Number.isInteger(at) || at < 0) throw new TrainingError(`sentence-rows cursor: expected { batch: integer >= 0 }, got ${JSON.stringify(cursor)}`);
      index = at;
    },
  };
}
