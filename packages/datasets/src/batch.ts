// Random-window batching for next-token training, as in nanoGPT's get_batch:
// pick batchSize random starts, x is the window, y the same window shifted by one.

import { DataError } from './errors';
import type { Rng } from '@attn/tensor';

/** A batch of inputs and next-token targets, both row-major (B, T). */
export interface Batch {
  /** Input ids, (B*T), row b holds tokens[start_b .. start_b + T). */
  x: Int32Array;
  /** Target ids, (B*T), row b holds tokens[start_b + 1 .. start_b + T + 1). */
  y: Int32Array;
}

/** Sample `batchSize` windows of `blockSize` tokens uniformly from `tokens`. */
export function sampleBatch(tokens: Int32Array | Uint16Array, batchSize: number, blockSize: number, rng: Rng): Batch {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new DataError(`sampleBatch: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new DataError(`sampleBatch: blockSize must be a positive integer, got ${blockSize}`);
  }
  if (tokens.length < blockSize + 1) {
    throw new DataError(
      `sampleBatch: need at least blockSize + 1 = ${blockSize + 1} tokens for one window, got ${tokens.length}`,
    );
  }
  const x = new Int32Array(batchSize * blockSize); // (B, T)
  const y = new Int32Array(batchSize * blockSize); // (B, T)
  const starts = tokens.length - blockSize; // valid starts: 0 .. length - blockSize - 1
  for (let b = 0; b < batchSize; b++) {
    const start = rng.int(starts);
    x.set(tokens.subarray(start, start + blockSize), b * blockSize);
    y.set(tokens.subarray(start + 1, start + blockSize + 1), b * blockSize);
  }
  return { x, y };
}
