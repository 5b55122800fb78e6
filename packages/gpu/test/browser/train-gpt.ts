// A tiny GPT trained for a few dozen steps in the page, on the 'gpu' backend
// and on the CPU backend. Unlike the MLP in train.ts this goes through every
// path a real model takes: CPU-fallback kernels (layer norm, softmax, masked
// fill, cross-entropy, embedding) that move tensors off the device, and
// Tensor.assign (the optimizer's way, through Backend.overwrite). Checks that
// live textures after a collection do not grow and no kernel is recompiled
// once the first step has compiled them.
import { GPT } from '@attn/model';
import { mul, noGrad, setBackend, sub } from '@attn/tensor';
import type { GpuBackendHandle } from '../../src/index.js';
import { collect } from './train.js';

export interface GptTrainResult {
  checkpoints: number[];
  gpuLoss: number[];
  cpuLoss: number[];
  /** liveTextures and kernelCompiles after a forced gc() at each checkpoint. */
  liveTextures: number[];
  kernelCompiles: number[];
  /** Wall time per step on the gpu backend and on the CPU backend (forced collections at the checkpoints included). */
  msPerStep: number;
  cpuMsPerStep: number;
}

export async function trainGpt(handle: GpuBackendHandle, steps = 60): Promise<GptTrainResult> {
  const config = { vocabSize: 19, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true };
  const ids = Array.from({ length: 16 }, (_, i) => (i * 7 + 3) % 19);
  const targets = Array.from({ length: 16 }, (_, i) => (i * 5 + 1) % 19);
  const checkpoints = [1, Math.round(steps / 3), steps];
  const liveTextures: number[] = [];
  const kernelCompiles: number[] = [];
  let msPerStep = 0;
  let cpuMsPerStep = 0;
  const run = async (backend: string) => {
    setBackend(backend);
    try {
      const model = new GPT(config, { seed: 5 });
      const params = model.namedParameters().map(([, p]) => p);
      const losses: number[] = [];
      const t0 = performance.now();
      for (let step = 1; step <= steps; step++) {
        const { loss } = model.forward(ids, { batch: 2, targets });
        loss!.backward();
        noGrad(() => {
          for (const p of params) {
            p.assign(sub(p, mul(p.grad!, 0.1)));
            p.zeroGrad();
          }
        });
        if (checkpoints.includes(step)) {
          losses.push(loss!.itemSync());
          if (backend !== 'cpu') {
            await collect();
            liveTextures.push(handle.backendInfo().liveTextures);
            kernelCompiles.push(handle.backendInfo().kernelCompiles);
          }
        }
      }
      if (backend !== 'cpu') msPerStep = (performance.now() - t0) / steps;
      else cpuMsPerStep = (performance.now() - t0) / steps;
      return losses;
    } finally {
      setBackend('cpu');
    }
  };
  const cpuLoss = await run('cpu');
  const gpuLoss = await run(handle.backend.name);
  return { checkpoints, gpuLoss, cpuLoss, liveTextures, kernelCompiles, msPerStep, cpuMsPerStep };
}
