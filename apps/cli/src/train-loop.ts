// The CLI's training loop: @attn/train's AdamW, gradient clipping and warm-up + cosine
// schedule, driven step by step so the caller chooses each batch (the coreference data
// uses one padded sentence per row, which @attn/train's window sampler does not do).
import type { GPT } from '@attn/model';
import { noGrad, tidy } from '@attn/tensor';
import { AdamW, clipGradNorm, warmupCosineLr } from '@attn/train';

export interface LoopConfig {
  /** Optimiser steps to take in this run. */
  steps: number;
  /** Peak learning rate. */
  lr: number;
  /** Steps of linear warm-up from 0 to lr. */
  warmup: number;
  /** AdamW decoupled weight decay, applied to 2-D weights only. */
  weightDecay: number;
  /** Evaluate every this many steps (and after the last one). */
  evalEvery: number;
}

export interface StepBatch {
  /** (B*T) input ids, row-major. */
  x: Int32Array;
  /** (B*T) next-token targets; -100 entries are ignored. */
  y: Int32Array;
  /** B */
  batch: number;
}

export interface LoopCallbacks {
  /** The next training batch. */
  nextBatch(step: number): StepBatch;
  /** Held-out loss (called without gradients). */
  evalLoss?(): number;
  onStep?(step: number, loss: number, tokens: number): void;
  onEval?(step: number, valLoss: number): void | Promise<void>;
  /** Checked after every step; true ends training early (e.g. after Ctrl-C). */
  shouldStop?(): boolean;
}

/** nanoGPT's Shakespeare setting. */
const BETAS = [0.9, 0.99] as const;
const CLIP_NORM = 1;

/** Yields to the event loop: timers (the progress bar's redraw) and signal handlers (Ctrl-C) run here. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Trains `model` in place for config.steps steps, or fewer if cb.shouldStop() says so;
 * returns the training loss of each step taken.
 */
export async function trainLoop(model: GPT, config: LoopConfig, cb: LoopCallbacks): Promise<number[]> {
  const params = model.parameters();
  const optimizer = new AdamW(model.namedParameters(), { betas: BETAS, weightDecay: config.weightDecay });
  const schedule = warmupCosineLr({ lr: config.lr, warmup: config.warmup, decaySteps: config.steps, minLr: config.lr / 10 });
  const losses: number[] = [];
  model.train();
  for (let step = 1; step <= config.steps; step++) {
    const batch = cb.nextBatch(step);
    // tidy(): the step's intermediates go back to the backend (WebAssembly memory) when it ends
    const lossValue = tidy(() => {
      model.zeroGrad();
      const { loss } = model.forward(batch.x, { batch: batch.batch, targets: batch.y });
      if (!loss) throw new Error('trainLoop: the model returned no loss');
      loss.backward();
      const value = loss.itemSync();
      clipGradNorm(params, CLIP_NORM);
      optimizer.step(schedule(step - 1)); // the schedule counts steps from 0
      model.zeroGrad();
      return value;
    });
    losses.push(lossValue);
    cb.onStep?.(step, lossValue, batch.x.length);

    if (cb.evalLoss && (step % config.evalEvery === 0 || step === config.steps)) {
      model.eval();
      const val = noGrad(() => tidy(() => cb.evalLoss!()));
      model.train();
      await cb.onEval?.(step, val);
    }
    // A step is synchronous compute; without this the process could not redraw or see SIGINT until the end.
    await yieldToEventLoop();
    if (cb.shouldStop?.()) break;
  }
  model.eval();
  return losses;
}
