// The default source: random windows of blockSize tokens from one long stream of
// token ids (nanoGPT's get_batch), the targets the same windows shifted by one.
// The cursor is the state of the window sampler's generator; evaluation always
// uses the same windows from the held-out stream.
import { type Batch, sampleBatch } from '@attn/datasets/browser'; // the fs-free entry: the trainer bundles for browsers and workers
import { Rng, type RngState, type Tensor } from '@attn/tensor';
import { TrainingError } from '../errors.js';
import { type BatchSource, fingerprint, positiveInt } from './batch-source.js';

/** What a language-model source needs from its model: @attn/model's GPT fits. */
export interface LanguageModel {
  forward(ids: Int32Array, options: { batch: number; targets: Int32Array }): { loss?: Tensor };
}

/** B sequences of T ids, row-major, and their next-token targets (-100 = no target). */
export interface LMBatch extends Batch {
  /** B */
  batch: number;
}

export interface TokenWindowsOptions {
  /** The training token ids. */
  train: Int32Array | Uint16Array;
  /** Held-out token ids, for evaluation. */
  val: Int32Array | Uint16Array;
  /** Windows per batch. */
  batchSize: number;
  /** Tokens per window (at most the model's context). */
  blockSize: number;
  /** Seed of the window sampler. Default 1337. */
  seed?: number;
  /** Batches averaged per evaluation (the same windows every time). Default 10. */
  evalBatches?: number;
  /** Where the tokens came from (a corpus name, a file), kept in the settings so a resumed run can find them again. */
  name?: string;
}

/** The mean next-token loss of an LM batch. */
export function lmBatchLoss(model: LanguageModel, batch: LMBatch): Tensor {
  const { loss } = model.forward(batch.x, { batch: batch.batch, targets: batch.y });
  if (!loss) throw new TrainingError('the model returned no loss although targets were given');
  return loss;
}

export function tokenWindows(options: TokenWindowsOptions): BatchSource<LanguageModel, LMBatch> {
  const who = 'tokenWindows';
  const batchSize = positiveInt(who, 'batchSize', options.batchSize);
  const blockSize = positiveInt(who, 'blockSize', options.blockSize);
  const evalCount = positiveInt(who, 'evalBatches', options.evalBatches ?? 10);
  const seed = options.seed ?? 1337;
  for (const [name, tokens] of [['train', options.train], ['val', options.val]] as const) {
    if (!(tokens instanceof Int32Array || tokens instanceof Uint16Array)) throw new TrainingError(`${who}: ${name} must be an Int32Array or Uint16Array of token ids`);
    if (tokens.length < blockSize + 1) throw new TrainingError(`${who}: ${name} has ${tokens.length} tokens, need at least blockSize + 1 = ${blockSize + 1}`);
  }
  const rng = new Rng(seed);
  let evalSet: LMBatch[] | null = null;
  return {
    kind: 'token-windows',
    settings: {
      ...(options.name === undefined ? {} : { name: options.name }),
      batchSize,
      blockSize,
      seed,
      evalBatches: evalCount,
      trainTokens: options.train.length,
      valTokens: options.val.length,
      data: fingerprint(options.train, options.val),
    },
    tokensPerBatch: batchSize * blockSize,
    next: () => ({ ...sampleBatch(options.train, batchSize, blockSize, rng), batch: batchSize }),
    loss: lmBatchLoss,
    evalBatches() {
      // A fresh generator each run would give these same windows; they are made once.
      if (!evalSet) {
        const evalRng = new Rng(seed ^ 0x5eed);
        evalSet = Array.from({ length: evalCount }, () => ({ ...sampleBatch(options.val, batchSize, blockSize, evalRng), batch: batchSize }));
      }
      return evalSet;
    },
    cursor: () => ({ ...rng.getState() }),
    seek(cursor) {
      try {
        rng.setState(cursor as RngState);
      } catch (err) {
        throw new TrainingError(`token-windows cursor: ${(err as Error).message}`);
      }
    },
  };
}
