// The settings of one `attn train --task` run, read from the flags with the task's defaults
// standing in for every flag the user did not type.
import { fail, intFlag, numberFlag } from '../errors.js';
import type { Explicit, TrainFlags } from '../train-command.js';

export interface TaskRun {
  /** Total optimiser steps. */
  steps: number;
  /** Examples per step. */
  batch: number;
  /** Peak learning rate. */
  lr: number;
  /** Steps of linear warm-up. */
  warmup: number;
  /** Where the cosine reaches lr / 10 (default: the last step). */
  decaySteps: number;
  /** Evaluate every this many steps. */
  evalEvery: number;
  /** Seed of the weights and the data stream. */
  seed: number;
}

/** A task's defaults for the flags (decaySteps defaults to steps, seed to 1). */
export interface TaskDefaults {
  steps: number;
  batch: number;
  lr: number;
  warmup: number;
  evalEvery: number;
}

export function flagsOf(o: TrainFlags, explicit: Explicit, d: TaskDefaults): TaskRun {
  const pick = <K extends keyof TrainFlags>(flag: K, fallback: number): string | number => (explicit(flag) ? (o[flag] as string) : fallback);
  const steps = intFlag('--steps', pick('steps', d.steps));
  const warmup = intFlag('--warmup', pick('warmup', d.warmup), 0);
  const decaySteps = intFlag('--decay-steps', pick('decaySteps', steps));
  if (decaySteps < warmup) fail(`--decay-steps ${decaySteps}: must be at least --warmup (${warmup})`);
  return {
    steps,
    batch: intFlag('--batch', pick('batch', d.batch)),
    lr: numberFlag('--lr', pick('lr', d.lr), 1e-6, 1),
    warmup,
    decaySteps,
    evalEvery: intFlag('--eval-every', pick('evalEvery', d.evalEvery)),
    seed: intFlag('--seed', o.seed, 0),
  };
}
