// The settings of one `attn train --task` run, read from the flags with the task's recipe
// (@attn/train's DATE_RECIPE, INDUCTION_RECIPE) standing in for every flag the user did not type.
import { type TaskRunDefaults, type TaskRunSettings, taskRunSettings } from '@attn/train';
import { fail, intFlag, numberFlag } from '../errors.js';
import type { Explicit, TrainFlags } from '../train-command.js';

export function flagsOf(o: TrainFlags, explicit: Explicit, recipe: TaskRunDefaults): TaskRunSettings {
  const d = taskRunSettings(recipe);
  const pick = <K extends keyof TrainFlags>(flag: K, fallback: number): string | number => (explicit(flag) ? (o[flag] as string) : fallback);
  const steps = intFlag('--steps', pick('steps', d.steps));
  const warmup = intFlag('--warmup', pick('warmup', d.warmup), 0);
  // The cosine ends at the recipe's decaySteps, or at the last step of a longer run.
  const decaySteps = intFlag('--decay-steps', pick('decaySteps', Math.max(d.decaySteps, steps)));
  if (decaySteps < warmup) fail(`--decay-steps ${decaySteps}: must be at least --warmup (${warmup})`);
  return {
    steps,
    batchSize: intFlag('--batch', pick('batch', d.batchSize)),
    lr: numberFlag('--lr', pick('lr', d.lr), 1e-6, 1),
    warmup,
    decaySteps,
    evalEvery: intFlag('--eval-every', pick('evalEvery', d.evalEvery)),
    seed: intFlag('--seed', o.seed, 0),
  };
}
