// The induction task's recipe, shared by `attn train --task induction`, `attn demo` and the
// web demo: a 2-layer GPT on random tokens repeated once, the data, the trainer, and the
// held-out measurements that say whether it learned induction.
//
// Why the repeat length varies: with a fixed half length n every repeated token sits exactly
// n - 1 positions after the token it should copy, so one head can solve the task by position
// ("look n - 1 back") without any induction. Here every row draws its own half length, so the
// offset changes from row to row and only the real circuit predicts the repeat: a
// previous-token head in layer 0 writes "the token before me" into each position, and a head
// in layer 1 attends to the position whose previous token is the current token (the earlier
// copy's successor) and copies it. The held-out half lengths are never trained on, so a head
// that scores on them finds the earlier copy wherever it is. A model can still lower its
// training loss without induction, by spreading attention over the offsets it has seen; the
// held-out lengths catch that too (the repeated half's loss there rises above chance).
//
// Rows are shorter than the context when their half is: sentenceRowsSource pads them and
// masks the padding out of the loss.
import { type InductionTask, inductionTask } from '@attn/datasets';
import { GPT } from '@attn/model';
import { Rng } from '@attn/tensor';
import { TrainingError } from '../errors.js';
import type { BatchSource } from '../sources/batch-source.js';
import { sentenceRowsSource } from '../sources/sentence-rows.js';
import type { LanguageModel, LMBatch } from '../sources/token-windows.js';
import { Trainer } from '../trainer.js';
import { type TaskRunSettings, taskRunSettings } from './run-settings.js';

/** The recipe: model shape, data and optimiser settings. */
export const INDUCTION_RECIPE = {
  /** Distinct random tokens (ids 0 .. vocabSize - 1); BOS is id vocabSize. */
  vocabSize: 64,
  /** Shortest half a training row repeats. */
  minHalf: 4,
  /** Longest half: BOS + 2 * 16 tokens fill a context of 32 (a row's last token is only a target). */
  maxHalf: 16,
  /** Half lengths never trained on: the held-out measurements use them. */
  heldOutHalves: [7, 11, 15] as readonly number[],
  /** Two layers: the previous-token head must sit below the induction head that reads it. */
  nLayer: 2,
  /** Heads per layer. */
  nHead: 2,
  /** Width of the residual stream. */
  nEmbd: 32,
  /** Rows per step. */
  batchSize: 32,
  /** Peak learning rate after `warmup` steps; the cosine reaches lr / 10 at decaySteps. */
  lr: 3e-3,
  warmup: 20,
  decaySteps: 600,
  /** Steps `attn train --task induction` and `attn demo` run by default (what they find: the README). */
  defaultSteps: 400,
} as const;

export type InductionRecipe = typeof INDUCTION_RECIPE;

/** The context the model is built with: BOS + 2 * maxHalf tokens, minus the last (a target only). */
export function inductionBlockSize(recipe: InductionRecipe = INDUCTION_RECIPE): number {
  return 2 * recipe.maxHalf;
}

/** The half lengths training rows use: minHalf..maxHalf without the held-out ones. */
export function trainingHalves(recipe: InductionRecipe = INDUCTION_RECIPE): number[] {
  const out: number[] = [];
  for (let n = recipe.minHalf; n <= recipe.maxHalf; n++) if (!recipe.heldOutHalves.includes(n)) out.push(n);
  return out;
}

/** One datasets task per half length (distinct tokens in a half, so each repeated token has one earlier copy). */
function tasksByHalf(recipe: InductionRecipe): Map<number, InductionTask> {
  const all = [...trainingHalves(recipe), ...recipe.heldOutHalves];
  return new Map(all.map((n) => [n, inductionTask({ vocabSize: recipe.vocabSize, halfLength: n, distinct: true })]));
}

/**
 * `count` rows [BOS, x_1..x_n, x_1..x_n], each with its own n drawn from `halves`, of a split of
 * the random halves (@attn/datasets keeps train and held-out halves disjoint by a hash).
 */
export function inductionRows(halves: readonly number[], split: 'train' | 'heldout', count: number, seed: number, recipe: InductionRecipe = INDUCTION_RECIPE): Int32Array[] {
  if (halves.length === 0) throw new TrainingError('inductionRows: needs at least one half length');
  const tasks = tasksByHalf(recipe);
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const n = halves[rng.int(halves.length)];
    const task = tasks.get(n) ?? inductionTask({ vocabSize: recipe.vocabSize, halfLength: n, distinct: true });
    return task.sequences(split, 1, rng); // (1, 1 + 2n)
  });
}

/** The training stream: batch i is a function of (seed, i), so a resumed run continues it exactly. */
export function inductionSource(options: { batchSize: number; seed: number }, recipe: InductionRecipe = INDUCTION_RECIPE): BatchSource<LanguageModel, LMBatch> {
  const { batchSize, seed } = options;
  const halves = trainingHalves(recipe);
  return sentenceRowsSource({
    batch: (i) => inductionRows(halves, 'train', batchSize, seed * 100_003 + i, recipe),
    // Validation: held-out halves of the training lengths (the unseen lengths are for the findings).
    evalBatches: [inductionRows(halves, 'heldout', batchSize, seed + 7, recipe)],
    blockSize: inductionBlockSize(recipe),
    padId: recipe.vocabSize, // BOS: any id works, the padding's targets are masked
    settings: { task: 'induction', vocabSize: recipe.vocabSize, halves: halves.join(','), batchSize, seed },
  });
}

/** A new, untrained induction GPT (biases on, no dropout). */
export function inductionModel(seed: number, recipe: InductionRecipe = INDUCTION_RECIPE): GPT {
  return new GPT(
    { vocabSize: recipe.vocabSize + 1, blockSize: inductionBlockSize(recipe), nLayer: recipe.nLayer, nHead: recipe.nHead, nEmbd: recipe.nEmbd, dropout: 0, bias: true },
    { seed },
  );
}

/** The recipe's run settings with a front end's overrides. */
export function inductionRunSettings(overrides: Partial<TaskRunSettings> = {}, recipe: InductionRecipe = INDUCTION_RECIPE): TaskRunSettings {
  return taskRunSettings(recipe, overrides);
}

/** The trainer of an induction model (AdamW with the Trainer's defaults: weight decay 0.1, clipping at 1). */
export function inductionTrainer(model: GPT, run: TaskRunSettings, recipe: InductionRecipe = INDUCTION_RECIPE): Trainer<GPT, LMBatch> {
  const source = inductionSource({ batchSize: run.batchSize, seed: run.seed }, recipe);
  return new Trainer({ model, source, steps: run.steps, lr: run.lr, warmup: run.warmup, decaySteps: run.decaySteps, minLr: run.lr / 10, evalEvery: run.evalEvery });
}

/**
 * What @attn/inspect's inductionScore needs to score a model of this recipe on repeats of
 * `halfLength` (a held-out one: INDUCTION_RECIPE.heldOutHalves): the BOS in front, random tokens
 * below it, cut to the model's context.
 */
export function inductionScoreOptions(halfLength: number, sequences = 20, recipe: InductionRecipe = INDUCTION_RECIPE) {
  return { sequences, halfLength, bosId: recipe.vocabSize, high: recipe.vocabSize, length: Math.min(inductionBlockSize(recipe), 1 + 2 * halfLength) };
}

/** Mean loss on the two halves of held-out rows. */
export interface HalfLosses {
  /** Mean cross-entropy of predicting the first (random) half: chance is ln(vocabSize). */
  first: number;
  /** Mean cross-entropy of predicting the repeated half (its first token left out: nothing to copy yet). */
  repeated: number;
  /** ln(vocabSize), what a model that knows nothing but the vocabulary scores. */
  chance: number;
  /** Rows measured and their half lengths. */
  rows: number;
  halves: number[];
}

/**
 * The loss on each half of `count` held-out rows whose half lengths the training never used.
 * Computed from the model's logits: -log softmax(logits)[target], in float64.
 */
export async function inductionHalfLosses(model: GPT, count = 48, seed = 4242, recipe: InductionRecipe = INDUCTION_RECIPE): Promise<HalfLosses> {
  const halves = [...recipe.heldOutHalves];
  const rows = inductionRows(halves, 'heldout', count, seed, recipe);
  let first = 0;
  let firstCount = 0;
  let repeated = 0;
  let repeatedCount = 0;
  const wasTraining = model.training;
  model.eval();
  try {
    for (const row of rows) {
      const n = (row.length - 1) / 2;
      const T = Math.min(row.length - 1, model.blockSize);
      const { logits } = model.forward(row.subarray(0, T)); // (1, T, V)
      const data = await logits.data();
      logits.dispose();
      const V = model.vocabSize;
      for (let t = 0; t < T; t++) {
        const target = row[t + 1]; // position t predicts token t + 1
        const slice = data.subarray(t * V, (t + 1) * V);
        let max = Number.NEGATIVE_INFINITY;
        for (const x of slice) max = Math.max(max, x);
        let sum = 0;
        for (const x of slice) sum += Math.exp(x - max);
        const loss = Math.log(sum) + max - slice[target];
        // Tokens 1..n are the random half; n + 1 starts the repeat (not copyable); n + 2.. are copies.
        if (t + 1 <= n) {
          first += loss;
          firstCount++;
        } else if (t + 1 >= n + 2) {
          repeated += loss;
          repeatedCount++;
        }
      }
    }
  } finally {
    model.train(wasTraining);
  }
  return { first: first / firstCount, repeated: repeated / repeatedCount, chance: Math.log(recipe.vocabSize), rows: rows.length, halves };
}
