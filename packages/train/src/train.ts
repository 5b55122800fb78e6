// The training loop: nanoGPT's train.py in a function. Random windows from the
// training tokens, gradient accumulation, global-norm clipping, AdamW with a
// warm-up + cosine schedule, periodic evaluation, atomic checkpoints and exact
// resume. Everything random comes from `seed`, so two runs with the same
// arguments produce the same losses bit for bit on the same backend.
import { createRng, type Rng, sampleBatch } from '@attn/datasets/browser'; // the fs-free entry, so the loop bundles for browsers and workers
import { noGrad, type Rng as TensorRng, type Tensor, tidy } from '@attn/tensor';
import { AdamW } from './adamw.js';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from './checkpoint.js';
import { clipGradNorm, gradNorm } from './clip.js';
import { warmupCosineLr } from './schedule.js';

/** What train() needs from a model: @attn/model's GPT fits. */
export interface TrainableLM {
  forward(ids: Int32Array, options: { batch: number; targets: Int32Array }): { loss?: Tensor };
  namedParameters(): Array<[string, Tensor]>;
  train(on?: boolean): unknown;
  readonly config: { blockSize: number };
  /** The generator dropout draws from (a GPT has one); checkpoints save and restore its state. */
  readonly rng?: TensorRng;
}

export interface StepInfo {
  /** Optimiser steps completed (1 after the first update). */
  step: number;
  /** Total steps of the run. */
  steps: number;
  /** Mean training loss of this step's micro-batches. */
  loss: number;
  /** Learning rate used for this step. */
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Steps per second since this call to train() started. */
  stepsPerSec: number;
  /** Training tokens per second since this call to train() started. */
  tokensPerSec: number;
  /** Seconds left at the current speed. */
  etaSec: number;
  /** Latest mean validation loss (NaN before the first evaluation). */
  valLoss: number;
  /** Lowest mean validation loss so far (Infinity before the first evaluation). */
  bestValLoss: number;
}

export interface EvalInfo {
  step: number;
  /** Mean loss over `evalBatches` validation batches. */
  valLoss: number;
  bestValLoss: number;
  /** Seconds since this call to train() started. */
  elapsedSec: number;
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
  /** Save `<dir>/checkpoint.safetensors` every `every` steps, at the end and on abort. */
  checkpoint?: { dir: string; every: number };
  /** Path of a checkpoint to continue from (same model shape and options). */
  resume?: string;
  /** Aborting stops before the next step; a checkpoint is saved first when configured. */
  signal?: AbortSignal;
}

export interface TrainResult {
  /** Steps completed (including those before a resume). */
  step: number;
  /** Training loss of every step run by this call. */
  losses: number[];
  /** Every evaluation made by this call. */
  evals: EvalInfo[];
  bestValLoss: number;
  /** True when the signal stopped the run early. */
  aborted: boolean;
  /** Wall time of this call in seconds. */
  elapsedSec: number;
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`train: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** Mean loss over fixed validation windows (a fresh generator each time, so evaluations are comparable). */
function evaluate(model: TrainableLM, val: Int32Array, batches: number, batchSize: number, blockSize: number, seed: number): number {
  const rng = createRng(seed ^ 0x5eed);
  model.train(false);
  let total = 0;
  noGrad(() => {
    for (let i = 0; i < batches; i++) {
      const { x, y } = sampleBatch(val, batchSize, blockSize, rng);
      total += tidy(() => (model.forward(x, { batch: batchSize, targets: y }).loss as Tensor).itemSync());
    }
  });
  model.train(true);
  return total / batches;
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { model, data } = options;
  if (!model || typeof model.forward !== 'function') throw new Error('train: model must have forward() and namedParameters() (an @attn/model GPT)');
  if (!(data?.train instanceof Int32Array) || !(data.val instanceof Int32Array)) {
    throw new Error('train: data must be { train: Int32Array, val: Int32Array } of token ids');
  }
  const steps = positiveInt('steps', options.steps);
  const batchSize = positiveInt('batchSize', options.batchSize);
  const blockSize = positiveInt('blockSize', options.blockSize ?? model.config.blockSize);
  const accumulate = positiveInt('accumulate', options.accumulate ?? 1);
  const evalBatches = positiveInt('evalBatches', options.evalBatches ?? 10);
  const evalEvery = options.evalEvery ?? 100;
  if (!Number.isInteger(evalEvery) || evalEvery < 0) throw new Error(`train: evalEvery must be a non-negative integer, got ${evalEvery}`);
  const lr = options.lr ?? 1e-3;
  const gradClip = options.gradClip ?? 1;
  if (!(gradClip >= 0)) throw new Error(`train: gradClip must be >= 0, got ${gradClip}`);
  const seed = options.seed ?? 1337;
  for (const [name, tokens] of [['train', data.train], ['val', data.val]] as const) {
    if (tokens.length < blockSize + 1) throw new Error(`train: data.${name} has ${tokens.length} tokens, need at least blockSize + 1 = ${blockSize + 1}`);
  }
  if (options.checkpoint) positiveInt('checkpoint.every', options.checkpoint.every);
  const schedule = warmupCosineLr({ lr, warmup: options.warmup ?? 0, decaySteps: Math.max(steps, options.warmup ?? 0), minLr: options.minLr ?? lr / 10 });

  const params = [...new Map(model.namedParameters().map(([n, p]) => [p, n] as const))].map(([p, n]) => [n, p] as const);
  const optimizer = new AdamW(params, { betas: options.betas ?? [0.9, 0.99], weightDecay: options.weightDecay ?? 0.1 });
  const checkpointPath = options.checkpoint ? `${options.checkpoint.dir.replace(/\/+$/, '')}/checkpoint.safetensors` : null;
  const save = async (step: number, bestValLoss: number): Promise<void> => {
    if (!checkpointPath || !options.checkpoint) return;
    const fs = await import('node:fs/promises');
    await fs.mkdir(options.checkpoint.dir, { recursive: true });
    await saveTrainingCheckpoint(checkpointPath, params, optimizer, { step, bestValLoss }, model.rng);
  };

  let step = 0;
  let bestValLoss = Number.POSITIVE_INFINITY;
  if (options.resume) {
    ({ step, bestValLoss } = await loadTrainingCheckpoint(options.resume, params, optimizer, model.rng));
  }
  // The batch generator's state is its draw count: each micro-batch draws batchSize numbers.
  const rng: Rng = createRng(seed);
  for (let i = 0; i < step * accumulate * batchSize; i++) rng.next();

  model.train(true);
  const start = performance.now();
  const startStep = step;
  const losses: number[] = [];
  const evals: EvalInfo[] = [];
  let valLoss = Number.NaN;
  let aborted = false;
  while (step < steps) {
    if (options.signal?.aborted) {
      aborted = true;
      break;
    }
    const stepLr = schedule(step);
    // tidy(): the step's intermediates go back to the backend as soon as it ends
    // (device or WebAssembly memory is not the garbage collector's to free).
    const { lossSum, norm } = tidy(() => {
      optimizer.zeroGrad();
      let sum = 0;
      for (let micro = 0; micro < accumulate; micro++) {
        const { x, y } = sampleBatch(data.train, batchSize, blockSize, rng);
        const loss = model.forward(x, { batch: batchSize, targets: y }).loss as Tensor;
        const value = loss.itemSync();
        if (!Number.isFinite(value)) {
          throw new Error(`train: loss is ${value} at step ${step + 1}; stopped (the last checkpoint, if any, is untouched)`);
        }
        sum += value;
        // Average over micro-batches so the step matches one big batch.
        (accumulate > 1 ? loss.mul(1 / accumulate) : loss).backward();
      }
      const norm = gradClip > 0 ? clipGradNorm(optimizer.params.map(([, p]) => p), gradClip) : gradNorm(optimizer.params.map(([, p]) => p));
      if (!Number.isFinite(norm)) {
        throw new Error(`train: gradient norm is ${norm} at step ${step + 1}; stopped (the last checkpoint, if any, is untouched)`);
      }
      optimizer.step(stepLr);
      optimizer.zeroGrad();
      return { lossSum: sum, norm };
    });
    step++;
    const loss = lossSum / accumulate;
    losses.push(loss);

    if (evalEvery > 0 && (step % evalEvery === 0 || step === steps)) {
      valLoss = evaluate(model, data.val, evalBatches, batchSize, blockSize, seed);
      if (!Number.isFinite(valLoss)) throw new Error(`train: validation loss is ${valLoss} at step ${step}`);
      bestValLoss = Math.min(bestValLoss, valLoss);
      const info: EvalInfo = { step, valLoss, bestValLoss, elapsedSec: (performance.now() - start) / 1000 };
      evals.push(info);
      options.onEval?.(info);
    }
    if (options.checkpoint && (step % options.checkpoint.every === 0 || step === steps)) await save(step, bestValLoss);

    const elapsed = (performance.now() - start) / 1000;
    const stepsPerSec = (step - startStep) / elapsed;
    options.onStep?.({
      step,
      steps,
      loss,
      lr: stepLr,
      gradNorm: norm,
      stepsPerSec,
      tokensPerSec: stepsPerSec * batchSize * blockSize * accumulate,
      etaSec: (steps - step) / stepsPerSec,
      valLoss,
      bestValLoss,
    });
  }
  if (aborted) await save(step, bestValLoss);
  return { step, losses, evals, bestValLoss, aborted, elapsedSec: (performance.now() - start) / 1000 };
}
