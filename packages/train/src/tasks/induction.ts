// The induction task's recipe, shared by `attn train --task induction`, `attn demo` and the
// web demo: a 2-layer GPT with one head per layer, the data it trains on, the trainer, and the
// measurements that say whether it learned induction.
//
// The data are successor walks (@attn/datasets' successorWalks): every row follows its own
// random successor map over 8 tokens, so the only way to predict a token is to find the current
// token earlier in the row and copy what followed it. With one head per layer the circuit has
// nowhere to hide: layer 0's head becomes a previous-token head, and layer 1's head attends to
// the position whose previous token is the current token: an induction head.
//
// The measurements use the classic sequences instead, BOS + random tokens + the same tokens
// again (TransformerLens' head detector, and the loss on each half), which training never shows:
// a head that scores there finds the earlier copy in a kind of sequence it never saw.
//
// Why not train on those classic sequences? Earlier recipes here did, with the repeat length
// fixed and then varied per row: with a fixed length a head learns the offset by position (its
// "induction" score collapsed on other lengths), and with varied lengths no induction head formed
// in up to 12k steps, in attn or in PyTorch. A copyable token occurs once per row there, so most
// of each row teaches nothing; in a walk nearly every position has an earlier copy to use.
import { successorWalks } from '@attn/datasets';
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
  /** Distinct tokens (ids 0 .. vocabSize - 1); BOS is id vocabSize. */
  vocabSize: 8,
  /** Tokens per training row after the BOS: the model's context. */
  blockSize: 64,
  /** Chance, at each step of a walk, of a random token instead of the successor (no row is periodic). */
  jump: 0.1,
  /** Half lengths of the test sequences (BOS + n distinct random tokens + the same n again): the longest the vocabulary allows, and a shorter one. */
  testHalves: [8, 5] as readonly number[],
  /** Two layers: the previous-token head must sit below the induction head that reads it. */
  nLayer: 2,
  /** One head per layer: each layer's head has one job, and the detector finds it. */
  nHead: 1,
  /** Width of the residual stream. */
  nEmbd: 64,
  /** Rows per step. */
  batchSize: 32,
  /** Peak learning rate after `warmup` steps; the cosine reaches lr / 10 at decaySteps. */
  lr: 1e-3,
  warmup: 50,
  decaySteps: 600,
  /** Steps `attn train --task induction` and `attn demo` run by default (what they find: the README). */
  defaultSteps: 600,
} as const;

export type InductionRecipe = typeof INDUCTION_RECIPE;

/** The context the model is built with. */
export function inductionBlockSize(recipe: InductionRecipe = INDUCTION_RECIPE): number {
  return recipe.blockSize;
}

/** `count` walks of the recipe (BOS first, 1 + blockSize ids each), drawn with a seeded Rng. */
export function inductionWalks(count: number, seed: number, recipe: InductionRecipe = INDUCTION_RECIPE): Int32Array[] {
  return successorWalks({ vocabSize: recipe.vocabSize, length: recipe.blockSize, jump: recipe.jump }).rows(count, new Rng(seed));
}

/** The test sequences: BOS + `halfLength` distinct random tokens + the same again, `count` of them (half lengths taken in turn). */
export function inductionTestRows(halves: readonly number[], count: number, seed: number, recipe: InductionRecipe = INDUCTION_RECIPE): Int32Array[] {
  for (const n of halves) {
    if (!Number.isInteger(n) || n < 2 || n > recipe.vocabSize) throw new TrainingError(`inductionTestRows: half lengths must be integers in 2..${recipe.vocabSize} (distinct tokens), got ${n}`);
  }
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const n = halves[i % halves.length];
    const pool = Array.from({ length: recipe.vocabSize }, (_, t) => t);
    for (let k = 0; k < n; k++) {
      const j = k + rng.int(pool.length - k); // the first n steps of a Fisher-Yates shuffle
      [pool[k], pool[j]] = [pool[j], pool[k]];
    }
    const half = pool.slice(0, n);
    return Int32Array.from([recipe.vocabSize, ...half, ...half]); // (1 + 2n)
  });
}

/** The training stream: batch i is a function of (seed, i), so a resumed run continues it exactly. */
export function inductionSource(options: { batchSize: number; seed: number }, recipe: InductionRecipe = INDUCTION_RECIPE): BatchSource<LanguageModel, LMBatch> {
  const { batchSize, seed } = options;
  return sentenceRowsSource({
    batch: (i) => inductionWalks(batchSize, seed * 100_003 + i, recipe),
    // Validation: walks of another seed (every walk has its own map, so none was trained on).
    evalBatches: [inductionWalks(batchSize, seed + 7, recipe)],
    blockSize: recipe.blockSize,
    padId: recipe.vocabSize, // BOS; walks fill the row, so there is no padding
    settings: { task: 'induction', data: 'successor-walks', vocabSize: recipe.vocabSize, jump: recipe.jump, batchSize, seed },
  });
}

/** A new, untrained induction GPT (biases on, no dropout). */
export function inductionModel(seed: number, recipe: InductionRecipe = INDUCTION_RECIPE): GPT {
  return new GPT(
    { vocabSize: recipe.vocabSize + 1, blockSize: recipe.blockSize, nLayer: recipe.nLayer, nHead: recipe.nHead, nEmbd: recipe.nEmbd, dropout: 0, bias: true },
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
 * `halfLength` (INDUCTION_RECIPE.testHalves): the BOS in front, random tokens below it.
 */
export function inductionScoreOptions(halfLength: number, sequences = 20, recipe: InductionRecipe = INDUCTION_RECIPE) {
  return { sequences, halfLength, bosId: recipe.vocabSize, high: recipe.vocabSize, length: Math.min(inductionBlockSize(recipe), 1 + 2 * halfLength) };
}

/** Mean loss on the two halves of the test sequences. */
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
 * The loss on each half of `count` test sequences (BOS + random tokens + the same again, a kind
 * of row training never shows). Computed from the model's logits: -log softmax(logits)[target], in float64.
 */
export async function inductionHalfLosses(model: GPT, count = 48, seed = 4242, recipe: InductionRecipe = INDUCTION_RECIPE): Promise<HalfLosses> {
  const halves = [...recipe.testHalves];
  const rows = inductionTestRows(halves, count, seed, recipe);
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
