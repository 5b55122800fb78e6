// The models the worker trains for a task of its own, with @attn/train's Trainer (the
// engine `attn train` and the page's language model use):
// - the encoder-decoder Transformer on @attn/datasets' date task ("23 November 2026" ->
//   "2026-11-23"), through the seq2seqPairs source;
// - a 2-layer GPT on @attn/datasets' induction task (random tokens, then the same tokens
//   again), one sequence per row through sentenceRowsSource.
// Both are small enough to train in seconds on WebAssembly.
import { dateTask, type InductionTask, inductionTask, type Seq2SeqTask } from '@attn/datasets';
import { GPT, Transformer } from '@attn/model';
import { Rng } from '@attn/tensor';
import { type LMBatch, type Seq2SeqBatch, seq2seqPairs, sentenceRowsSource, Trainer } from '@attn/train';
import type { TaskName } from '../inspect-protocol';

/** The encoder-decoder for dates: about 45,000 parameters; 400 steps reach ~99% exact match. */
export const DATE_MODEL = {
  /** Width of the residual stream (the paper's d_model). */
  dModel: 32,
  /** Encoder and decoder layers each: two decoder layers give two layers of cross-attention to look at. */
  layers: 2,
  /** Attention heads per layer. */
  nHead: 2,
  /** Feed-forward hidden width. */
  dFF: 64,
  /** Longest source ("30 September 2026" is 17 characters) or target ("<bos>2026-09-30<eos>" is 12). */
  maxLen: 24,
  /** Pairs per step. */
  batchSize: 32,
  /** Peak learning rate, after `warmup` steps; the cosine reaches lr / 10 at decaySteps. */
  lr: 5e-3,
  warmup: 20,
  decaySteps: 600,
  /** Steps the view proposes. */
  defaultSteps: 400,
} as const;

/**
 * The induction GPT: 2 layers × 2 heads, width 32, on 64 random tokens repeated once after a
 * BOS (33 tokens, so a context of 32). The halves are always 16 long, which lets a head solve
 * the task by position alone ("look 15 tokens back"); the view tests for that on shorter halves.
 */
export const INDUCTION_MODEL = {
  /** Distinct random tokens (ids 0..63); BOS is id 64. */
  vocabSize: 64,
  /** Length of the random half. */
  halfLength: 16,
  nLayer: 2,
  nHead: 2,
  nEmbd: 32,
  batchSize: 32,
  lr: 3e-3,
  warmup: 20,
  decaySteps: 600,
  defaultSteps: 300,
  /** The heads are also scored on halves this long: a head that counts positions fails there. */
  shorterHalf: 10,
} as const;

/** Validation loss every this many steps of a task model, and when a run ends. */
export const TASK_EVAL_EVERY = 50;

export interface DateModel {
  kind: 'date';
  model: Transformer;
  task: Seq2SeqTask;
  trainer: Trainer<Transformer, Seq2SeqBatch>;
  /** Every source string the trainer has drawn (training and evaluation batches): held-out tests leave them out. */
  seen: Set<string>;
}

export interface InductionModel {
  kind: 'induction';
  model: GPT;
  task: InductionTask;
  trainer: Trainer<GPT, LMBatch>;
}

export type TaskModel = DateModel | InductionModel;

/** A new, untrained date model. */
export function newDateModel(seed = 1): DateModel {
  const base = dateTask();
  const seen = new Set<string>();
  // The same task, noting every example it hands the trainer, so accuracy is measured on dates it never saw.
  const task: Seq2SeqTask = {
    ...base,
    generate(count, exampleSeed) {
      const examples = base.generate(count, exampleSeed);
      for (const e of examples) seen.add(e.source);
      return examples;
    },
  };
  const v = task.vocabulary;
  const c = DATE_MODEL;
  const model = new Transformer(
    {
      srcVocabSize: v.size,
      tgtVocabSize: v.size,
      maxLen: c.maxLen,
      nEncoderLayer: c.layers,
      nDecoderLayer: c.layers,
      nHead: c.nHead,
      dModel: c.dModel,
      dFF: c.dFF,
      dropout: 0,
      norm: 'pre',
      bosId: v.id('<bos>'),
      eosId: v.id('<eos>'),
      srcPadId: v.id('<pad>'),
    },
    { seed },
  );
  const source = seq2seqPairs({ task, batchSize: c.batchSize, seed });
  const trainer = new Trainer({ model, source, steps: Number.MAX_SAFE_INTEGER, lr: c.lr, warmup: c.warmup, decaySteps: c.decaySteps, evalEvery: 0 });
  return { kind: 'date', model, task, trainer, seen };
}

/** A new, untrained induction model. */
export function newInductionModel(seed = 1): InductionModel {
  const c = INDUCTION_MODEL;
  const task = inductionTask({ vocabSize: c.vocabSize, halfLength: c.halfLength, distinct: true });
  const L = task.sequenceLength;
  const rows = (split: 'train' | 'heldout', count: number, rngSeed: number) => {
    const all = task.sequences(split, count, new Rng(rngSeed)); // (count, L)
    return Array.from({ length: count }, (_, i) => all.subarray(i * L, (i + 1) * L));
  };
  const source = sentenceRowsSource({
    batch: (i) => rows('train', c.batchSize, seed * 100_003 + i),
    evalBatches: [rows('heldout', c.batchSize, seed + 7)],
    blockSize: L - 1,
    settings: { name: 'induction', vocabSize: c.vocabSize, halfLength: c.halfLength, seed },
  });
  const model = new GPT({ vocabSize: task.modelVocabSize, blockSize: L - 1, nLayer: c.nLayer, nHead: c.nHead, nEmbd: c.nEmbd, dropout: 0, bias: true }, { seed });
  const trainer = new Trainer({ model, source, steps: Number.MAX_SAFE_INTEGER, lr: c.lr, warmup: c.warmup, decaySteps: c.decaySteps, evalEvery: 0 });
  return { kind: 'induction', model, task, trainer };
}

/** One line on what the model is. */
export function describeTaskModel(name: TaskName, t: TaskModel): string {
  const params = t.model.numParameters().toLocaleString('en');
  if (name === 'date') {
    const c = DATE_MODEL;
    return `An encoder-decoder Transformer (${c.layers} encoder and ${c.layers} decoder layers × ${c.nHead} heads, width ${c.dModel}, ${params} parameters) reading one character per token.`;
  }
  const c = INDUCTION_MODEL;
  return `A GPT (${c.nLayer} layers × ${c.nHead} heads, width ${c.nEmbd}, ${params} parameters) on BOS followed by ${c.halfLength} random tokens (of ${c.vocabSize}) and the same ${c.halfLength} again.`;
}
