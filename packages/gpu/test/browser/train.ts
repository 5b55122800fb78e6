// A long training run in the page: a 2-layer MLP (matmul, bias add, gelu,
// matmul, bias add, squared error) trained by plain SGD with autograd, the
// same steps on the 'gpu' backend (WebGL2, pipeline textures) and on the CPU
// backend. On the device, every matmul, bias add, gelu, the loss's mean and
// all their gradients (bias sums included) stay resident; the values come back
// only for loss.itemSync() at the checkpoints. Parameters are replaced each step
// (the old ones disposed); autograd intermediates are either left to the
// garbage collector (freed through the FinalizationRegistry) or, in the scoped
// run, released by tidy() at the end of each step.
import { add, fromArray, gelu, matmul, mean, mul, noGrad, setBackend, sub, type Tensor, tidy } from '@attn/tensor';
import type { GpuBackendHandle } from '../../src/index.js';
import { lcg } from './chain.js';

export interface TrainResult {
  /** Loss at each checkpoint step, per backend. */
  checkpoints: number[];
  gpuLoss: number[];
  cpuLoss: number[];
  /** Largest |gpu - cpu| over the final parameters. */
  paramErr: number;
  /** liveTextures at each checkpoint (after a forced gc() unless the run was scoped in tidy()). */
  liveTextures: number[];
  /** Most textures alive seen at any yield (no forced gc between checkpoints). */
  peakLiveTextures: number;
  info: ReturnType<GpuBackendHandle['backendInfo']>;
  gpuMs: number;
}

const [N, D, H, O] = [16, 8, 16, 4];

/** Lets the FinalizationRegistry callbacks run (they are tasks queued after a collection). */
export async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('train: gc() is missing; launch Chromium with --js-flags=--expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 0));
  }
}

/**
 * One SGD step; returns the new parameters and the loss. In tidy mode the step runs in @attn/tensor's tidy(),
 * which releases its intermediates when it returns, and the old parameters and their gradients are freed.
 */
function sgdStep(params: Tensor[], x: Tensor, y: Tensor, lr: number, scoped: boolean): { next: Tensor[]; loss: Tensor } {
  const step = () => {
    const [w1, b1, w2, b2] = params;
    const out = add(matmul(gelu(add(matmul(x, w1), b1)), w2), b2);
    const d = sub(out, y);
    const loss = mean(mul(d, d));
    loss.backward();
    const next = params.map((p) => {
      const updated = noGrad(() => sub(p, mul(p.grad!, lr)));
      updated.requiresGrad = true;
      if (scoped) p.zeroGrad(); // frees the gradient whatever views it has
      p.dispose();
      return updated;
    });
    return { next, loss };
  };
  return scoped ? tidy(step) : step();
}

async function train(backend: string, steps: number, checkpoints: number[], onCheckpoint: () => Promise<void>, onYield: () => void, scoped = false) {
  setBackend(backend);
  try {
    const param = (seed: number, shape: number[], scale: number) => {
      const t = fromArray(lcg(seed, shape.reduce((a, b) => a * b, 1), scale), shape);
      t.requiresGrad = true;
      return t;
    };
    let params: Tensor[] = [param(1, [D, H], 0.8), param(2, [H], 0.2), param(3, [H, O], 0.8), param(4, [O], 0.2)];
    const x = fromArray(lcg(5, N * D, 2), [N, D]);
    const y = fromArray(lcg(6, N * O, 1), [N, O]);
    const losses: number[] = [];
    const lr = 0.05;
    for (let step = 1; step <= steps; step++) {
      const { next, loss } = sgdStep(params, x, y, lr, scoped);
      params = next;
      if (checkpoints.includes(step)) losses.push(loss.itemSync());
      if (scoped) loss.dispose();
      if (checkpoints.includes(step)) {
        await onCheckpoint();
      } else if (step % 10 === 0) {
        onYield();
        await new Promise((r) => setTimeout(r, 0));
      }
    }
    return { losses, params: params.map((p) => Float32Array.from(p.dataSync())) };
  } finally {
    setBackend('cpu');
  }
}

/**
 * Trains on the CPU backend and on `handle`'s backend. Without `scoped`, intermediates are left to the
 * garbage collector and live textures are read after a forced gc() at the checkpoints; with `scoped`, every
 * step runs in tidy() and live textures are read as they are, no collection forced anywhere.
 */
export async function trainSteps(handle: GpuBackendHandle, steps = 1000, scoped = false): Promise<TrainResult> {
  const checkpoints = [1, 100, 500, steps];
  const cpu = await train('cpu', steps, checkpoints, async () => {}, () => {}, scoped);
  const liveTextures: number[] = [];
  let peakLiveTextures = 0;
  const t0 = performance.now();
  const gpu = await train(
    handle.backend.name,
    steps,
    checkpoints,
    async () => {
      if (!scoped) await collect();
      liveTextures.push(handle.backendInfo().liveTextures);
    },
    () => {
      peakLiveTextures = Math.max(peakLiveTextures, handle.backendInfo().liveTextures);
    },
    scoped,
  );
  const gpuMs = performance.now() - t0;
  let paramErr = 0;
  gpu.params.forEach((p, i) => {
    for (let j = 0; j < p.length; j++) paramErr = Math.max(paramErr, Math.abs(p[j] - cpu.params[i][j]));
  });
  return { checkpoints, gpuLoss: gpu.losses, cpuLoss: cpu.losses, paramErr, liveTextures, peakLiveTextures, info: handle.backendInfo(), gpuMs };
}
