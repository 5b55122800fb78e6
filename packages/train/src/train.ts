// train(): nanoGPT's train.py in one call, a thin loop over the Trainer with the
// default source (random windows from a token stream). Everything random comes
// from `seed` and the model's generator, so two calls with the same arguments give
// the same losses bit for bit on the same backend, and a run resumed from a
// checkpoint directory repeats the uninterrupted one.
import type { Rng, Tensor } from '@attn/tensor';
import { loadParameters, loadTrainingState, type ModelFiles, parameterFiles, saveTrainingCheckpoint } from './checkpoint.js';
import { TrainingError } from './errors.js';
import { tokenWindows } from './sources/token-windows.js';
import { type EvalInfo, type RunResult, type StepInfo, Trainer } from './trainer.js';

/** What train() needs from a model: @attn/model's GPT fits. */
export interface TrainableLM {
  forward(ids: Int32Array, options: { batch: number; targets: Int32Array }): { loss?: Tensor };
  namedParameters(): Array<[string, Tensor]>;
  train(on?: boolean): unknown;
  readonly config: { blockSize: number };
  /** The generator dropout draws from (a GPT has one); checkpoints save and restore its state. */
  readonly rng?: Rng;
}

export interface TrainOptions {
  /** The model to train in place. */
  model: TrainableLM;
  /** Token ids: windows are drawn from `train`; `val` is used for evaluation. */
  data: { train: Int32Array; val: Int32Array };
  /** Total optimiser steps (a resumed run continues up to this number). */
  steps: number;
  /** Sequences per micro-batch. */
  batchSize: number;
  /** Window length; defaults to the model's blockSize. */
  blockSize?: number;
  /** Peak learning rate. Default 1e-3. */
  lr?: number;
  /** Linear warm-up steps. Default 0. */
  warmup?: number;
  /** Floor of the cosine decay (reached at `steps`). Default lr / 10. */
  minLr?: number;
  /** Decoupled weight decay on matrices (not embeddings, norms, biases). Default 0.1. */
  weightDecay?: number;
  /** AdamW moment decay rates. Default [0.9, 0.99] (nanoGPT's Shakespeare setting). */
  betas?: readonly [number, number];
  /** Clip the global gradient norm to this; 0 disables. Default 1. */
  gradClip?: number;
  /** Micro-batches whose gradients are averaged into one step. Default 1. */
  accumulate?: number;
  /** Evaluate every this many steps (and at the end); 0 disables. Default 100. */
  evalEvery?: number;
  /** Validation batches averaged per evaluation (the same windows every time). Default 10. */
  evalBatches?: number;
  /** Seed for batch sampling. Default 1337. */
  seed?: number;
  /** Called after every step. */
  onStep?: (info: StepInfo) => void;
  /** Called after every evaluation. */
  onEval?: (info: EvalInfo) => void;
  /**
   * Save a checkpoint directory into `dir` every `every` steps, at the end and on abort. `files`
   * gives the model's files (default: model.safetensors of its parameters; gptFiles(model,
   * tokenizer) writes a full directory that loadPretrained reads).
   */
  checkpoint?: { dir: string; every: number; files?: ModelFiles };
  /** A checkpoint directory to continue from (same model shape and options). */
  resume?: string;
  /** Aborting stops before the next step; a checkpoint is saved first when configured. */
  signal?: AbortSignal;
}

/** What train() returns: the Trainer's run result (steps, losses, evaluations, whether it was stopped, wall time). */
export type TrainResult = RunResult;

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { model, data } = options;
  if (!model || typeof model.forward !== 'function') throw new TrainingError('train: model must have forward() and namedParameters() (an @attn/model GPT)');
  if (!(data?.train instanceof Int32Array) || !(data.val instanceof Int32Array)) {
    throw new TrainingError('train: data must be { train: Int32Array, val: Int32Array } of token ids');
  }
  const source = tokenWindows({
    train: data.train,
    val: data.val,
    batchSize: options.batchSize,
    blockSize: options.blockSize ?? model.config.blockSize,
    seed: options.seed,
    evalBatches: options.evalBatches,
  });
  const trainer = new Trainer({
    model,
    source,
    steps: options.steps,
    lr: options.lr,
    warmup: options.warmup,
    minLr: options.minLr,
    weightDecay: options.weightDecay,
    betas: options.betas,
    gradClip: options.gradClip,
    accumulate: options.accumulate,
    evalEvery: options.evalEvery,
  });
  if (options.resume) {
    const { snapshot } = await loadTrainingState(options.resume);
    await loadParameters(model, options.resume);
    trainer.restore(snapshot);
  }
  const { checkpoint } = options;
  const files = checkpoint?.files ?? parameterFiles(model);
  return trainer.run({
    signal: options.signal,
    onStep: options.onStep,
    onEval: options.onEval,
    checkpoint: checkpoint && { every: checkpoint.every, save: (t) => saveTrainingCheckpoint(checkpoint.dir, t, files) },
  });
}
