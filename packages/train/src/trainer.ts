// The training engine every front end drives (the CLI, the web demo's worker,
// the bench, train()): nanoGPT's train.py as an object you step. One step:
// `accumulate` micro-batches from the source, forward and backward, the global
// gradient norm clipped, one AdamW update at the warm-up + cosine rate.
//
//   const trainer = new Trainer({ model, source: tokenWindows({ train, val, batchSize: 16, blockSize: 64 }), steps: 2000 });
//   while (!trainer.done) {
//     const info = await trainer.step();       // one await: the loss (and norm) read back
//     if (info.step % 100 === 0) await trainer.evaluate();
//   }
//
// Device residency: a step does exactly one read from the backend, after the
// backward pass and the clipping have been queued and before AdamW runs: the
// micro-batch losses and the gradient norm, packed into one small tensor. Nothing
// in forward, backward, clipping or the update reads synchronously on a device
// backend, so on an asynchronous one (WebGPU) `await trainer.step()` waits once.
// The read comes before the update so that a non-finite loss or norm stops the
// run with the parameters as they were.
//
// Everything a run depends on is state the trainer can save and restore
// (./training-state.ts): the optimiser's moments and step count, the schedule
// position, the model's dropout generator and the source's cursor. A restored
// trainer continues exactly; nothing is replayed.
import { noGrad, type Rng, type RngState, type Tensor, tidy } from '@attn/tensor';
import { AdamW } from './adamw.js';
import { clipGradNorm, gradNorm } from './clip.js';
import { TrainingError } from './errors.js';
import { packScalars } from './readout.js';
import { warmupCosineLr } from './schedule.js';
import type { BatchSource, JsonValue } from './sources/batch-source.js';

/** What the trainer needs from a model: @attn/model's GPT and Transformer fit. */
export interface TrainableModel {
  namedParameters(): Array<[string, Tensor]>;
  /** Training mode on (dropout) or off (evaluation). */
  train(on?: boolean): unknown;
  /** The generator dropout draws from; checkpoints save and restore its state. */
  readonly rng?: Rng;
}

export interface TrainerOptions<M extends TrainableModel, B> {
  /** The model to train, in place. */
  model: M;
  /** Where batches come from, and how a batch becomes a loss (tokenWindows, sentenceRowsSource, seq2seqPairs). */
  source: BatchSource<NoInfer<M>, B>;
  /** Total optimiser steps of the run (nanoGPT's max_iters): a restored trainer continues up to it. */
  steps: number;
  /** Peak learning rate. Default 1e-3. */
  lr?: number;
  /** Steps of linear warm-up. Default 0. */
  warmup?: number;
  /** Step at which the cosine reaches minLr (nanoGPT's lr_decay_iters). Default: max(steps, warmup). */
  decaySteps?: number;
  /** Floor of the cosine. Default lr / 10. */
  minLr?: number;
  /** Decoupled weight decay on matrices (not embeddings, norms, biases). Default 0.1. */
  weightDecay?: number;
  /** AdamW moment decay rates. Default [0.9, 0.99] (nanoGPT's Shakespeare setting). */
  betas?: readonly [number, number];
  /** AdamW's epsilon. Default 1e-8. */
  eps?: number;
  /** Clip the global gradient norm to this; 0 disables (the norm is still reported). Default 1. */
  gradClip?: number;
  /** Micro-batches whose gradients are averaged into one step. Default 1. */
  accumulate?: number;
  /** run() evaluates every this many steps and after the last; 0 disables. Default 100. */
  evalEvery?: number;
}

/** The settings a trainer runs with, defaults filled in (saved with a checkpoint). */
export interface TrainerConfig {
  steps: number;
  lr: number;
  warmup: number;
  decaySteps: number;
  minLr: number;
  weightDecay: number;
  betas: [number, number];
  eps: number;
  gradClip: number;
  accumulate: number;
  evalEvery: number;
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
  /** Steps per second since the trainer was made, restored or last run. */
  stepsPerSec: number;
  /** Training tokens per second, same period. */
  tokensPerSec: number;
  /** Seconds left at that speed. */
  etaSec: number;
  /** Latest mean evaluation loss (NaN before the first evaluation). */
  valLoss: number;
  /** Lowest evaluation loss so far (Infinity before the first evaluation). */
  bestValLoss: number;
}

export interface EvalInfo {
  step: number;
  /** Mean loss over the source's evaluation batches. */
  valLoss: number;
  bestValLoss: number;
}

/** A snapshot for progress displays and saves. */
export interface TrainerState {
  /** Steps completed. */
  step: number;
  /** Total steps of the run. */
  steps: number;
  /** True when step === steps. */
  done: boolean;
  /** Learning rate the next step will use. */
  nextLr: number;
  /** The loss of every step so far (of the whole run, restored steps included). */
  losses: readonly number[];
  /** Every evaluation so far. */
  evals: readonly EvalInfo[];
  bestValLoss: number;
  config: TrainerConfig;
}

/** Everything a checkpoint keeps of a trainer besides the model's weights (see ./training-state.ts). */
export interface TrainerSnapshot {
  step: number;
  config: TrainerConfig;
  optimizer: { kind: 'adamw'; stepCount: number; betas: [number, number]; eps: number; weightDecay: number };
  /** AdamW's moments by `exp_avg.<param>` / `exp_avg_sq.<param>`. */
  moments: Map<string, Float32Array>;
  generators: { dropout: RngState | null };
  data: { kind: string; settings: Record<string, string | number | boolean>; cursor: JsonValue };
  losses: number[];
  evals: EvalInfo[];
  bestValLoss: number;
}

export interface RunOptions<M extends TrainableModel = TrainableModel, B = unknown> {
  /** Aborting stops before the next step (the run can be continued with another run()). */
  signal?: AbortSignal;
  onStep?: (info: StepInfo) => void | Promise<void>;
  onEval?: (info: EvalInfo) => void | Promise<void>;
  /** Called after every `every` steps, after the last, and when the run stops early (a save, say). */
  checkpoint?: { every: number; save: (trainer: Trainer<M, B>) => Promise<void> };
}

export interface RunResult {
  /** Steps completed (restored steps included). */
  step: number;
  /** Loss of every step taken by this call. */
  losses: number[];
  /** Every evaluation made by this call. */
  evals: EvalInfo[];
  bestValLoss: number;
  /** True when the signal (or stop()) ended the run before `steps`. */
  aborted: boolean;
  /** Wall time of this call in seconds. */
  elapsedSec: number;
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new TrainingError(`Trainer: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function nonNegative(name: string, v: number, integer = false): number {
  if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v)) || (integer && !Number.isInteger(v))) {
    throw new TrainingError(`Trainer: ${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Defaults filled in and every setting checked (TrainingError naming the bad one). */
export function trainerConfig(options: Omit<TrainerOptions<TrainableModel, unknown>, 'model' | 'source'>): TrainerConfig {
  const steps = positiveInt('steps', options.steps);
  const lr = options.lr ?? 1e-3;
  if (!(lr > 0 && Number.isFinite(lr))) throw new TrainingError(`Trainer: lr must be a positive number, got ${lr}`);
  const warmup = nonNegative('warmup', options.warmup ?? 0, true);
  const decaySteps = positiveInt('decaySteps', options.decaySteps ?? Math.max(steps, warmup, 1));
  const minLr = nonNegative('minLr', options.minLr ?? lr / 10);
  const betas = [...(options.betas ?? [0.9, 0.99])] as [number, number];
  const config: TrainerConfig = {
    steps,
    lr,
    warmup,
    decaySteps,
    minLr,
    weightDecay: nonNegative('weightDecay', options.weightDecay ?? 0.1),
    betas,
    eps: options.eps ?? 1e-8,
    gradClip: nonNegative('gradClip', options.gradClip ?? 1),
    accumulate: positiveInt('accumulate', options.accumulate ?? 1),
    evalEvery: nonNegative('evalEvery', options.evalEvery ?? 100, true),
  };
  try {
    warmupCosineLr(config); // checks minLr <= lr and decaySteps >= warmup
  } catch (err) {
    throw new TrainingError(`Trainer: ${(err as Error).message}`);
  }
  return config;
}

export class Trainer<M extends TrainableModel, B = unknown> {
  readonly model: M;
  readonly source: BatchSource<M, B>;
  private cfg: TrainerConfig;
  private schedule: (step: number) => number;
  private readonly optimizer: AdamW;
  /** Parameters with their names, each tensor once (tied weights are shared). */
  private readonly params: Array<readonly [string, Tensor]>;
  private stepCount = 0;
  private readonly lossHistory: number[] = [];
  private readonly evalHistory: EvalInfo[] = [];
  private best = Number.POSITIVE_INFINITY;
  private lastVal = Number.NaN;
  private stopRequested = false;
  /** Where the speed is measured from: the time and the step. */
  private clock = { at: performance.now(), step: 0 };

  constructor(options: TrainerOptions<M, B>) {
    const { model, source } = options;
    if (!model || typeof model.namedParameters !== 'function') throw new TrainingError('Trainer: model must have namedParameters() and train() (an @attn/model GPT or Transformer)');
    if (!source || typeof source.next !== 'function' || typeof source.loss !== 'function') {
      throw new TrainingError('Trainer: source must be a BatchSource (tokenWindows, sentenceRowsSource, seq2seqPairs or your own)');
    }
    this.model = model;
    this.source = source;
    this.cfg = trainerConfig(options);
    this.schedule = warmupCosineLr(this.cfg);
    this.params = [...new Map(model.namedParameters().map(([n, p]) => [p, n] as const))].map(([p, n]) => [n, p] as const);
    this.optimizer = new AdamW(this.params, { betas: this.cfg.betas, eps: this.cfg.eps, weightDecay: this.cfg.weightDecay });
    model.train(true);
  }

  /** The settings in use (defaults filled in). */
  get config(): TrainerConfig {
    return { ...this.cfg, betas: [...this.cfg.betas] };
  }

  /** Steps completed. */
  get stepsDone(): number {
    return this.stepCount;
  }

  /** True when every step of the run is done. */
  get done(): boolean {
    return this.stepCount >= this.cfg.steps;
  }

  /** Moves the run's end (a run extended with --resume --steps N): never below the steps already done. */
  setSteps(steps: number): void {
    const total = positiveInt('steps', steps);
    if (total < this.stepCount) throw new TrainingError(`Trainer: steps ${total} is fewer than the ${this.stepCount} already done`);
    this.cfg = { ...this.cfg, steps: total };
  }

  /**
   * Every tensor the run keeps between steps: the parameters and the optimiser's moments.
   * A run moves to another backend with `await moveTensors(trainer.tensors(), name)`, which is
   * also how its state becomes readable by synchronous code (snapshot(), checkpoint files)
   * when it trained on a backend that reads only asynchronously (WebGPU).
   */
  tensors(): Tensor[] {
    return [...this.params.map(([, p]) => p), ...this.optimizer.stateTensors()];
  }

  /** A snapshot of where the run stands. */
  state(): TrainerState {
    return {
      step: this.stepCount,
      steps: this.cfg.steps,
      done: this.done,
      nextLr: this.schedule(this.stepCount),
      losses: [...this.lossHistory],
      evals: this.evalHistory.map((e) => ({ ...e })),
      bestValLoss: this.best,
      config: this.config,
    };
  }

  /**
   * One optimiser step. Resolves after the step's single read from the backend (losses and
   * gradient norm); throws TrainingError, leaving the parameters as they were, when either is not finite.
   */
  async step(): Promise<StepInfo> {
    if (this.done) throw new TrainingError(`Trainer: all ${this.cfg.steps} steps are done; setSteps() to go further`);
    const { accumulate, gradClip } = this.cfg;
    const lr = this.schedule(this.stepCount);
    const params = this.params.map(([, p]) => p);
    this.model.train(true);
    // tidy(): the step's intermediates go back to the backend as soon as it ends (device or
    // WebAssembly memory is not the garbage collector's to free); the readout escapes it.
    const readout = tidy(() => {
      this.optimizer.zeroGrad();
      const losses: Tensor[] = [];
      for (let micro = 0; micro < accumulate; micro++) {
        const loss = this.source.loss(this.model, this.source.next());
        // Averaged over micro-batches, so the step equals one step on the big batch.
        (accumulate > 1 ? loss.mul(1 / accumulate) : loss).backward();
        losses.push(loss);
      }
      const norm = gradClip > 0 ? clipGradNorm(params, gradClip) : gradNorm(params);
      return packScalars([...losses, norm]);
    });
    let values: ArrayLike<number>;
    try {
      values = await readout.data();
    } finally {
      readout.dispose();
    }
    const micro = Array.from(values).slice(0, accumulate);
    const norm = values[accumulate];
    const bad = micro.find((v) => !Number.isFinite(v));
    if (bad !== undefined || !Number.isFinite(norm)) {
      this.optimizer.zeroGrad();
      const what = bad !== undefined ? `loss is ${bad}` : `gradient norm is ${norm}`;
      throw new TrainingError(`training diverged: the ${what} at step ${this.stepCount + 1}; stopped before the update (the last checkpoint, if any, is untouched)`);
    }
    tidy(() => this.optimizer.step(lr));
    this.optimizer.zeroGrad();
    this.stepCount++;
    let sum = 0;
    for (const v of micro) sum += v;
    const loss = sum / accumulate;
    this.lossHistory.push(loss);
    const elapsed = (performance.now() - this.clock.at) / 1000;
    const stepsPerSec = (this.stepCount - this.clock.step) / Math.max(elapsed, 1e-9);
    return {
      step: this.stepCount,
      steps: this.cfg.steps,
      loss,
      lr,
      gradNorm: norm,
      stepsPerSec,
      tokensPerSec: stepsPerSec * this.source.tokensPerBatch * accumulate,
      etaSec: (this.cfg.steps - this.stepCount) / stepsPerSec,
      valLoss: this.lastVal,
      bestValLoss: this.best,
    };
  }

  /** Mean loss over the source's evaluation batches (dropout off, no gradients), with one read. */
  async evaluate(): Promise<EvalInfo> {
    const batches = this.source.evalBatches();
    if (batches.length === 0) throw new TrainingError('Trainer.evaluate: the source has no evaluation batches');
    this.model.train(false);
    let values: ArrayLike<number>;
    try {
      const readout = tidy(() => noGrad(() => packScalars(batches.map((b) => this.source.loss(this.model, b)))));
      try {
        values = await readout.data();
      } finally {
        readout.dispose();
      }
    } finally {
      this.model.train(true);
    }
    let total = 0;
    for (let i = 0; i < batches.length; i++) total += values[i];
    const valLoss = total / batches.length;
    if (!Number.isFinite(valLoss)) throw new TrainingError(`evaluation loss is ${valLoss} at step ${this.stepCount}`);
    this.lastVal = valLoss;
    this.best = Math.min(this.best, valLoss);
    const info: EvalInfo = { step: this.stepCount, valLoss, bestValLoss: this.best };
    this.evalHistory.push(info);
    return { ...info };
  }

  /** Asks run() to stop before its next step (continue with another run()). */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Steps until `steps` (or until the signal aborts / stop() is called), evaluating every
   * evalEvery steps and after the last, and calling options.checkpoint.save on its cadence and
   * when stopped early.
   */
  async run(options: RunOptions<M, B> = {}): Promise<RunResult> {
    const start = performance.now();
    this.clock = { at: start, step: this.stepCount };
    this.stopRequested = false;
    const losses: number[] = [];
    const evals: EvalInfo[] = [];
    const every = options.checkpoint?.every;
    if (every !== undefined) positiveInt('checkpoint.every', every);
    let aborted = false;
    while (!this.done) {
      if (options.signal?.aborted || this.stopRequested) {
        aborted = true;
        break;
      }
      const info = await this.step();
      losses.push(info.loss);
      const { evalEvery, steps } = this.cfg;
      if (evalEvery > 0 && (this.stepCount % evalEvery === 0 || this.stepCount === steps)) {
        const e = await this.evaluate();
        evals.push(e);
        info.valLoss = e.valLoss;
        info.bestValLoss = e.bestValLoss;
        await options.onEval?.(e);
      }
      if (options.checkpoint && (this.stepCount % options.checkpoint.every === 0 || this.stepCount === steps)) {
        await options.checkpoint.save(this);
      }
      await options.onStep?.(info);
    }
    if (aborted && options.checkpoint && this.stepCount > 0) await options.checkpoint.save(this);
    return { step: this.stepCount, losses, evals, bestValLoss: this.best, aborted, elapsedSec: (performance.now() - start) / 1000 };
  }

  /** Everything besides the weights that continuing this run needs. */
  snapshot(): TrainerSnapshot {
    const { betas, eps, weightDecay } = this.cfg;
    return {
      step: this.stepCount,
      config: this.config,
      optimizer: { kind: 'adamw', stepCount: this.optimizer.stepCount, betas: [...betas], eps, weightDecay },
      moments: this.optimizer.stateDict(),
      generators: { dropout: this.model.rng ? this.model.rng.getState() : null },
      data: { kind: this.source.kind, settings: { ...this.source.settings }, cursor: this.source.cursor() },
      losses: [...this.lossHistory],
      evals: this.evalHistory.map((e) => ({ ...e })),
      bestValLoss: this.best,
    };
  }

  /**
   * Continues from a snapshot (the model's weights are loaded separately). Every part is checked
   * against this trainer (same optimiser and schedule settings, same data stream, every moment
   * present with the right size) before anything changes; a mismatch is a TrainingError naming it.
   */
  restore(saved: TrainerSnapshot): void {
    const mine = this.cfg;
    const theirs = saved.config;
    for (const key of ['lr', 'warmup', 'decaySteps', 'minLr', 'weightDecay', 'eps', 'gradClip', 'accumulate'] as const) {
      if (theirs[key] !== mine[key]) throw new TrainingError(`resume: the checkpoint was trained with ${key} ${theirs[key]}, this trainer has ${mine[key]}`);
    }
    if (theirs.betas[0] !== mine.betas[0] || theirs.betas[1] !== mine.betas[1]) {
      throw new TrainingError(`resume: the checkpoint was trained with betas [${theirs.betas}], this trainer has [${mine.betas}]`);
    }
    if (saved.step > mine.steps) throw new TrainingError(`resume: the checkpoint is at step ${saved.step}, past this run's ${mine.steps} steps; ask for more steps`);
    if (saved.data.kind !== this.source.kind) throw new TrainingError(`resume: the checkpoint's data came from a ${saved.data.kind} source, this one is ${this.source.kind}`);
    const settings = this.source.settings;
    for (const key of new Set([...Object.keys(settings), ...Object.keys(saved.data.settings)])) {
      if (settings[key] !== saved.data.settings[key]) {
        throw new TrainingError(`resume: the data differs from the checkpoint's: ${key} is ${JSON.stringify(settings[key])}, the checkpoint has ${JSON.stringify(saved.data.settings[key])}`);
      }
    }
    if (saved.generators.dropout && !this.model.rng) throw new TrainingError('resume: the checkpoint has a dropout generator state but this model has no generator');
    // Checked, then applied; each of these validates its input before it changes anything.
    const cursorBefore = this.source.cursor();
    this.source.seek(saved.data.cursor);
    try {
      this.optimizer.loadStateDict(saved.moments, saved.optimizer.stepCount);
      if (saved.generators.dropout && this.model.rng) this.model.rng.setState(saved.generators.dropout);
    } catch (err) {
      this.source.seek(cursorBefore);
      throw new TrainingError(`resume: ${(err as Error).message}`);
    }
    this.stepCount = saved.step;
    this.lossHistory.splice(0, this.lossHistory.length, ...saved.losses);
    this.evalHistory.splice(0, this.evalHistory.length, ...saved.evals.map((e) => ({ ...e })));
    this.best = saved.bestValLoss;
    this.lastVal = saved.evals.at(-1)?.valLoss ?? Number.NaN;
    this.clock = { at: performance.now(), step: this.stepCount };
  }
}
