// A minimal AdamW training loop for the CLI (nanoGPT's recipe: linear warm-up, cosine
// decay, gradient clipping at norm 1, weight decay on matrices only). @attn/train was
// not published when this was written; this stays small so it is easy to swap out.
import type { GPT } from '@attn/model';
import { noGrad } from '@attn/tensor';

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
}

const BETA1 = 0.9;
const BETA2 = 0.95;
const EPS = 1e-8;
const CLIP_NORM = 1;

/** Trains `model` in place for config.steps steps; returns the training loss of each step. */
export async function trainLoop(model: GPT, config: LoopConfig, cb: LoopCallbacks): Promise<number[]> {
  const params = model.parameters();
  const m = params.map((p) => new Float32Array(p.size));
  const v = params.map((p) => new Float32Array(p.size));
  const losses: number[] = [];
  model.train();
  for (let step = 1; step <= config.steps; step++) {
    const batch = cb.nextBatch(step);
    model.zeroGrad();
    const { loss } = model.forward(batch.x, { batch: batch.batch, targets: batch.y });
    if (!loss) throw new Error('trainLoop: the model returned no loss');
    loss.backward();
    const lossValue = loss.item();
    losses.push(lossValue);

    // Global gradient norm for clipping.
    const grads = params.map((p) => (p.grad ? (p.grad.dataSync() as Float32Array) : null));
    let sq = 0;
    for (const g of grads) if (g) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
    const clip = Math.min(1, CLIP_NORM / (Math.sqrt(sq) + 1e-6));

    const lr = learningRate(step, config);
    const bc1 = 1 - BETA1 ** step;
    const bc2 = 1 - BETA2 ** step;
    params.forEach((p, k) => {
      const g = grads[k];
      if (!g) return;
      const w = Float32Array.from(p.dataSync());
      const decay = p.ndim >= 2 ? config.weightDecay : 0;
      const mk = m[k];
      const vk = v[k];
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] * clip;
        mk[i] = BETA1 * mk[i] + (1 - BETA1) * gi;
        vk[i] = BETA2 * vk[i] + (1 - BETA2) * gi * gi;
        w[i] -= lr * (mk[i] / bc1 / (Math.sqrt(vk[i] / bc2) + EPS) + decay * w[i]);
      }
      p.assign(w);
    });
    cb.onStep?.(step, lossValue, batch.x.length);

    if (cb.evalLoss && (step % config.evalEvery === 0 || step === config.steps)) {
      model.eval();
      const val = noGrad(() => cb.evalLoss!());
      model.train();
      await cb.onEval?.(step, val);
    }
  }
  model.eval();
  return losses;
}

/** Linear warm-up to lr, then cosine decay to lr / 10 at the last step. */
export function learningRate(step: number, config: LoopConfig): number {
  if (step <= config.warmup) return (config.lr * step) / Math.max(1, config.warmup);
  const progress = (step - config.warmup) / Math.max(1, config.steps - config.warmup);
  return config.lr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
