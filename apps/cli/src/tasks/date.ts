// The date task for the encoder-decoder: "November 11, 2024" or "11 November 2024" ->
// "2024-11-11", one character per token. Shared by `attn train --task date`, `attn translate`
// and `attn demo`: the task, its tokenizer, the model recipe, the trainer and the held-out
// accuracy, so every front end trains and measures the same thing.
import { dateTask, SEQ2SEQ_SPECIALS, type Seq2SeqTask } from '@attn/datasets';
import { translationAccuracy, type TranslationAccuracy } from '@attn/inspect';
import { Transformer, type TransformerConfig } from '@attn/model';
import { seq2seqPairs, type Seq2SeqBatch, Trainer } from '@attn/train';
import { CharTokenizer } from '@attn/tokenizer';
import { RECIPE } from '../run-training.js';

/** The task name in config.json's attn.task and the training state. */
export const DATE_TASK_NAME = 'date';

/** Both source formats, so the model has to find the month wherever it stands. */
export function dateTaskData(): Seq2SeqTask {
  return dateTask({ formats: ['day-month-year', 'month-day-year'] });
}

/** The task's vocabulary as a tokenizer: <pad>, <bos>, <eos>, then one id per character (the same ids). */
export function dateTokenizer(task: Seq2SeqTask): CharTokenizer {
  const tokens = task.vocabulary.tokens;
  const specials = tokens.slice(0, SEQ2SEQ_SPECIALS.length);
  return new CharTokenizer(tokens.slice(SEQ2SEQ_SPECIALS.length), { specials });
}

/** Defaults of `attn train --task date` (flags override steps, batch, lr, warmup, seed). */
export const DATE_DEFAULTS = { steps: 400, batch: 32, lr: 3e-3, warmup: 30, evalEvery: 100 } as const;

/**
 * 2 + 2 layers, 4 heads, 64 wide, pre-norm, no dropout: about 0.2M parameters. Sources are at most
 * 18 characters ("September 30, 2024"), targets 10 plus <bos>/<eos>, so 24 positions are plenty.
 */
export function dateModelConfig(task: Seq2SeqTask): TransformerConfig {
  const id = (t: string) => task.vocabulary.id(t);
  const V = task.vocabulary.size;
  return {
    srcVocabSize: V,
    tgtVocabSize: V,
    maxLen: 24,
    nEncoderLayer: 2,
    nDecoderLayer: 2,
    nHead: 4,
    dModel: 64,
    dFF: 128,
    dropout: 0,
    norm: 'pre',
    bosId: id('<bos>'),
    eosId: id('<eos>'),
    srcPadId: id('<pad>'),
  };
}

export interface DateRun {
  steps: number;
  batch: number;
  lr: number;
  warmup: number;
  /** Where the cosine reaches lr / 10. */
  decaySteps: number;
  evalEvery: number;
  seed: number;
}

/** A trainer for the date model with the CLI's optimiser recipe (no weight decay on this small model's embeddings either way). */
export function dateTrainer(model: Transformer, task: Seq2SeqTask, run: DateRun): Trainer<Transformer, Seq2SeqBatch> {
  const source = seq2seqPairs({ task, batchSize: run.batch, seed: run.seed, evalBatches: 2 });
  return new Trainer({ model, source, steps: run.steps, lr: run.lr, warmup: run.warmup, decaySteps: run.decaySteps, minLr: run.lr / 10, evalEvery: run.evalEvery, ...RECIPE });
}

/** Seed of the held-out dates, away from the training stream's (seq2seqPairs derives those from the run's seed). */
export const HELD_OUT_SEED = 20_241_111;

/**
 * `count` held-out dates that the run never trained on: drawn from their own seed, leaving out
 * every date (in either format) that occurs in the training batches of `run` (replayed from a
 * fresh copy of its data stream), so the accuracy measures dates the model has not seen.
 */
export function dateHeldOut(task: Seq2SeqTask, count: number, run: Pick<DateRun, 'batch' | 'seed' | 'steps'>): { source: string; target: string }[] {
  const replay = seq2seqPairs({ task, batchSize: run.batch, seed: run.seed, evalBatches: 2 });
  const tokenizer = dateTokenizer(task);
  const seen = new Set<string>();
  for (let i = 0; i < run.steps; i++) {
    const { tgt, batch } = replay.next();
    const T = tgt.length / batch;
    for (let b = 0; b < batch; b++) seen.add(tokenizer.decode(tgt.subarray(b * T + 1, (b + 1) * T)).replace(/<pad>|<eos>/g, ''));
  }
  const out: { source: string; target: string }[] = [];
  for (let round = 0; out.length < count; round++) {
    for (const ex of task.generate(count, HELD_OUT_SEED + round)) if (!seen.has(ex.target) && out.length < count) out.push(ex);
  }
  return out;
}

/** Exact-match accuracy of the model on held-out dates (greedy with beamWidth 1). */
export function dateAccuracy(model: Transformer, task: Seq2SeqTask, heldOut: { source: string; target: string }[], beamWidth = 1): TranslationAccuracy {
  const tokenizer = dateTokenizer(task);
  return translationAccuracy(model, heldOut, (text) => tokenizer.encode(text), (ids) => tokenizer.decode(ids), { beamWidth });
}
