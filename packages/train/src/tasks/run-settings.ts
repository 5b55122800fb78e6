// The settings of one run of a built-in task (induction, date): the task's recipe fills
// them, a front end overrides what its user chose (the CLI's --steps, --lr, --seed, ...).

export interface TaskRunSettings {
  /** Total optimiser steps (a front end that trains open-endedly passes a large number). */
  steps: number;
  /** Examples (rows or pairs) per step. */
  batchSize: number;
  /** Peak learning rate, reached after `warmup` steps. */
  lr: number;
  /** Steps of linear warm-up. */
  warmup: number;
  /** Where the cosine reaches lr / 10. */
  decaySteps: number;
  /** Evaluate every this many steps (0: only when asked). */
  evalEvery: number;
  /** Seed of the weights and of the data stream. */
  seed: number;
}

/** What a recipe holds for its runs' defaults. */
export interface TaskRunDefaults {
  defaultSteps: number;
  batchSize: number;
  lr: number;
  warmup: number;
  decaySteps: number;
}

/** The recipe's settings with a front end's overrides on top (evaluation every 100 steps, seed 1 by default). */
export function taskRunSettings(recipe: TaskRunDefaults, overrides: Partial<TaskRunSettings> = {}): TaskRunSettings {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<TaskRunSettings>;
  return {
    steps: recipe.defaultSteps,
    batchSize: recipe.batchSize,
    lr: recipe.lr,
    warmup: recipe.warmup,
    decaySteps: recipe.decaySteps,
    evalEvery: 100,
    seed: 1,
    ...defined,
  };
}
