// The models the worker trains for a task of its own. The recipes (model shapes, data,
// trainers, held-out sets) are @attn/train's, the same ones `attn train --task` runs:
// - the encoder-decoder Transformer on the date task ("23 November 2026" or "November 23, 2026"
//   -> "2026-11-23"): DATE_RECIPE;
// - a 2-layer GPT, one head per layer, on successor walks: INDUCTION_RECIPE.
// Both are small enough to train in seconds on WebAssembly. The page trains open-endedly
// (Continue adds steps), so the trainers get an unreachable step count and no evaluation cadence.
import type { Seq2SeqTask } from '@attn/datasets';
import type { GPT, Transformer } from '@attn/model';
import {
  DATE_RECIPE,
  dateModel,
  dateRunSettings,
  dateTaskData,
  dateTrainer,
  INDUCTION_RECIPE,
  inductionModel,
  inductionRunSettings,
  inductionTrainer,
  type LMBatch,
  type Seq2SeqBatch,
  type TaskRunSettings,
  type Trainer,
} from '@attn/train';
import type { TaskName } from '../inspect-protocol';

/** Validation loss every this many steps of a task model, and when a run ends. */
export const TASK_EVAL_EVERY = 50;

/** The page's run settings: the recipe's, open-ended. */
const OPEN_ENDED: Partial<TaskRunSettings> = { steps: Number.MAX_SAFE_INTEGER, evalEvery: 0 };

export interface DateModel {
  kind: 'date';
  model: Transformer;
  task: Seq2SeqTask;
  trainer: Trainer<Transformer, Seq2SeqBatch>;
  /** The run's settings (its seed and batch size replay the dates it trained on, for held-out sets). */
  run: TaskRunSettings;
}

export interface InductionModel {
  kind: 'induction';
  model: GPT;
  trainer: Trainer<GPT, LMBatch>;
}

export type TaskModel = DateModel | InductionModel;

/** A new, untrained date model. */
export function newDateModel(seed = 1): DateModel {
  const task = dateTaskData();
  const run = dateRunSettings({ ...OPEN_ENDED, seed });
  const model = dateModel(task, seed);
  return { kind: 'date', model, task, trainer: dateTrainer(model, task, run), run };
}

/** A new, untrained induction model. */
export function newInductionModel(seed = 1): InductionModel {
  const model = inductionModel(seed);
  return { kind: 'induction', model, trainer: inductionTrainer(model, inductionRunSettings({ ...OPEN_ENDED, seed })) };
}

/** One line on what the model is. */
export function describeTaskModel(name: TaskName, t: TaskModel): string {
  const params = t.model.numParameters().toLocaleString('en');
  if (name === 'date') {
    const c = DATE_RECIPE;
    return `An encoder-decoder Transformer (${c.layers} encoder and ${c.layers} decoder layers × ${c.nHead} heads, width ${c.dModel}, ${params} parameters) reading one character per token.`;
  }
  const c = INDUCTION_RECIPE;
  return (
    `A GPT (${c.nLayer} layers × ${c.nHead} head${c.nHead === 1 ? '' : 's'}, width ${c.nEmbd}, ${params} parameters) on successor walks over ${c.vocabSize} tokens, ${c.blockSize} per sequence; ` +
    `scored on random tokens repeated after ${c.testHalves.join(' and ')} tokens.`
  );
}
