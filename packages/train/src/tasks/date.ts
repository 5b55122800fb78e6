// The date task's recipe, shared by `attn train --task date`, `attn translate`, `attn demo`
// and the web demo: the encoder-decoder Transformer that turns "November 11, 2024" or
// "11 November 2024" into "2024-11-11", one character per token; its data, its trainer, and
// the held-out dates its exact match is measured on (with @attn/inspect's translationAccuracy).
import { dateTask, SEQ2SEQ_SPECIALS, type Seq2SeqTask } from '@attn/datasets';
import { Transformer } from '@attn/model';
import { CharTokenizer } from '@attn/tokenizer';
import { seq2seqPairs, type Seq2SeqBatch } from '../sources/seq2seq-pairs.js';
import { Trainer } from '../trainer.js';
import { type TaskRunSettings, taskRunSettings } from './run-settings.js';

/** The recipe: model shape, data and optimiser settings. */
export const DATE_RECIPE = {
  /** Width of the residual stream (the paper's d_model). */
  dModel: 32,
  /** Encoder and decoder layers each: two decoder layers give two layers of cross-attention to look at. */
  layers: 2,
  /** Attention heads per layer. */
  nHead: 2,
  /** Feed-forward hidden width. */
  dFF: 64,
  /** Longest source ("September 30, 2026" is 18 characters) or target ("<bos>2026-09-30<eos>" is 12). */
  maxLen: 24,
  /** Both ways of writing a date, so the model has to find the month wherever it stands. */
  formats: ['day-month-year', 'month-day-year'] as const,
  /** Pairs per step. */
  batchSize: 32,
  /** Peak learning rate, after `warmup` steps; the cosine reaches lr / 10 at decaySteps. */
  lr: 5e-3,
  warmup: 20,
  decaySteps: 600,
  /** Steps `attn train --task date` runs by default: 99.5% held-out exact match there (400 steps: 96%; see the README). */
  defaultSteps: 800,
  /** Seed of the held-out dates (any date the run trained on is left out anyway). */
  heldOutSeed: 20_260_101,
} as const;

export type DateRecipe = typeof DATE_RECIPE;

/** The task: dates from 1900 to 2099 in the recipe's formats. */
export function dateTaskData(recipe: DateRecipe = DATE_RECIPE): Seq2SeqTask {
  return dateTask({ formats: [...recipe.formats] });
}

/** The task's vocabulary as a tokenizer with the same ids: <pad>, <bos>, <eos>, then one id per character. */
export function dateTokenizer(task: Seq2SeqTask): CharTokenizer {
  const tokens = task.vocabulary.tokens;
  return new CharTokenizer(tokens.slice(SEQ2SEQ_SPECIALS.length), { specials: tokens.slice(0, SEQ2SEQ_SPECIALS.length) });
}

/** A new, untrained date model (pre-norm, no dropout). */
export function dateModel(task: Seq2SeqTask, seed: number, recipe: DateRecipe = DATE_RECIPE): Transformer {
  const v = task.vocabulary;
  return new Transformer(
    {
      srcVocabSize: v.size,
      tgtVocabSize: v.size,
      maxLen: recipe.maxLen,
      nEncoderLayer: recipe.layers,
      nDecoderLayer: recipe.layers,
      nHead: recipe.nHead,
      dModel: recipe.dModel,
      dFF: recipe.dFF,
      dropout: 0,
      norm: 'pre',
      bosId: v.id('<bos>'),
      eosId: v.id('<eos>'),
      srcPadId: v.id('<pad>'),
    },
    { seed },
  );
}

/** The recipe's run settings with a front end's overrides. */
export function dateRunSettings(overrides: Partial<TaskRunSettings> = {}, recipe: DateRecipe = DATE_RECIPE): TaskRunSettings {
  return taskRunSettings(recipe, overrides);
}

/** The stream of training pairs of a run (a function of its seed: a replay draws the same dates). */
function dateSource(task: Seq2SeqTask, run: Pick<TaskRunSettings, 'batchSize' | 'seed'>) {
  return seq2seqPairs({ task, batchSize: run.batchSize, seed: run.seed, evalBatches: 2 });
}

/** The trainer of a date model (AdamW with the Trainer's defaults: weight decay 0.1, clipping at 1). */
export function dateTrainer(model: Transformer, task: Seq2SeqTask, run: TaskRunSettings): Trainer<Transformer, Seq2SeqBatch> {
  return new Trainer({ model, source: dateSource(task, run), steps: run.steps, lr: run.lr, warmup: run.warmup, decaySteps: run.decaySteps, minLr: run.lr / 10, evalEvery: run.evalEvery });
}

/** A held-out date: its text, and its ids as @attn/inspect's translationAccuracy takes them. */
export interface HeldOutDate {
  sourceText: string;
  targetText: string;
  /** Source ids. */
  source: number[];
  /** Target ids, without <bos> and <eos>. */
  target: number[];
}

/**
 * `count` dates the run has not trained on after `stepsDone` steps: drawn from the recipe's
 * held-out seed, leaving out every date (in any format) of the run's training and evaluation
 * batches so far, which are replayed from the run's seed (so this holds after a resume too).
 */
export function dateHeldOut(task: Seq2SeqTask, count: number, run: Pick<TaskRunSettings, 'batchSize' | 'seed'>, stepsDone: number, recipe: DateRecipe = DATE_RECIPE): HeldOutDate[] {
  const seen = new Set<string>();
  const recording: Seq2SeqTask = {
    ...task,
    generate(n, seed) {
      const examples = task.generate(n, seed);
      for (const e of examples) seen.add(e.target);
      return examples;
    },
  };
  const replay = dateSource(recording, run);
  replay.evalBatches();
  for (let i = 0; i < stepsDone; i++) replay.next();
  const v = task.vocabulary;
  const out: HeldOutDate[] = [];
  for (let round = 0; out.length < count && round < 100; round++) {
    for (const e of task.generate(count, recipe.heldOutSeed + round)) {
      if (out.length === count || seen.has(e.target)) continue;
      seen.add(e.target); // each date once
      out.push({ sourceText: e.source, targetText: e.target, source: Array.from(e.source, (c) => v.id(c)), target: Array.from(e.target, (c) => v.id(c)) });
    }
  }
  return out;
}

/** Decoding can stop one token past the longest target: a longer output cannot match (keeps an untrained model quick to measure). */
export function heldOutMaxTokens(heldOut: readonly HeldOutDate[]): number {
  return Math.max(...heldOut.map((e) => e.target.length)) + 1;
}
