// Source/target pairs for an encoder-decoder (@attn/model's Transformer) from a
// seq2seq task of @attn/datasets. A batch pads sources with <pad> (the model
// should hide it: srcPadId 0), feeds the decoder <bos> + target and asks it for
// target + <eos>, with -100 on the padding. Batch i is the task's examples for a
// seed derived from i, so the cursor is the batch count.
import { encodeSeq2Seq, type Seq2SeqTask } from '@attn/datasets/browser';
import type { Tensor } from '@attn/tensor';
import { TrainingError } from '../errors.js';
import { type BatchSource, positiveInt } from './batch-source.js';

/** What a seq2seq source needs from its model: @attn/model's Transformer fits. */
export interface Seq2SeqModel {
  forward(src: ArrayLike<number>, tgt: ArrayLike<number>, options: { batch: number; targets: ArrayLike<number> }): { loss?: Tensor };
}

export interface Seq2SeqBatch {
  /** (B, S) source ids, padded with <pad>. */
  src: Int32Array;
  /** (B, T) decoder inputs: <bos> + target, padded with <pad>. */
  tgt: Int32Array;
  /** (B, T) what the decoder should predict: target + <eos>, -100 on padding. */
  targets: Int32Array;
  /** B */
  batch: number;
}

export interface Seq2SeqPairsOptions {
  task: Seq2SeqTask;
  /** Pairs per batch. */
  batchSize: number;
  /** Seed of the example stream. Default 1337. */
  seed?: number;
  /** Evaluation batches (fixed examples from their own seed). Default 4. */
  evalBatches?: number;
}

/** Pads a list of pairs into one batch (exported for tests and custom sources). */
export function seq2seqBatch(task: Seq2SeqTask, examples: readonly { source: string; target: string }[]): Seq2SeqBatch {
  const pad = task.vocabulary.id('<pad>');
  const encoded = examples.map((e) => encodeSeq2Seq(e, task.vocabulary));
  const B = encoded.length;
  const S = Math.max(...encoded.map((e) => e.source.length));
  const T = Math.max(...encoded.map((e) => e.target.length)) - 1;
  const src = new Int32Array(B * S).fill(pad); // (B, S)
  const tgt = new Int32Array(B * T).fill(pad); // (B, T)
  const targets = new Int32Array(B * T).fill(-100); // (B, T)
  encoded.forEach(({ source, target }, b) => {
    src.set(source, b * S);
    tgt.set(target.subarray(0, -1), b * T);
    targets.set(target.subarray(1), b * T);
  });
  return { src, tgt, targets, batch: B };
}

export function seq2seqPairs(options: Seq2SeqPairsOptions): BatchSource<Seq2SeqModel, Seq2SeqBatch> {
  const batchSize = positiveInt('seq2seqPairs', 'batchSize', options.batchSize);
  const evalCount = positiveInt('seq2seqPairs', 'evalBatches', options.evalBatches ?? 4);
  const seed = options.seed ?? 1337;
  const { task } = options;
  // Each batch has a seed of its own (so batch i never depends on the batches before it).
  const batchSeed = (i: number) => (Math.imul(seed, 0x9e3779b1) + i) >>> 0;
  let index = 0;
  let evalSet: Seq2SeqBatch[] | null = null;
  const avgTarget = task.generate(64, seed ^ 0x1234).reduce((n, e) => n + e.target.length + 1, 0) / 64;
  return {
    kind: 'seq2seq-pairs',
    settings: { task: task.name, batchSize, seed, evalBatches: evalCount, vocabulary: task.vocabulary.size },
    tokensPerBatch: Math.round(batchSize * avgTarget),
    next: () => seq2seqBatch(task, task.generate(batchSize, batchSeed(index++))),
    loss(model, batch) {
      const { loss } = model.forward(batch.src, batch.tgt, { batch: batch.batch, targets: batch.targets });
      if (!loss) throw new TrainingError('the model returned no loss although targets were given');
      return loss;
    },
    evalBatches() {
      evalSet ??= Array.from({ length: evalCount }, (_, i) => seq2seqBatch(task, task.generate(batchSize, (seed ^ 0x5eed) + 7919 * (i + 1))));
      return evalSet;
    },
    cursor: () => ({ batch: index }),
    seek(cursor) {
      const at = (cursor as { batch?: unknown } | null)?.batch;
      if (typeof at !== 'number' || !Number.isInteger(at) || at < 0) throw new TrainingError(`seq2seq-pairs cursor: expected { batch: integer >= 0 }, got ${JSON.stringify(cursor)}`);
      index = at;
    },
  };
}
