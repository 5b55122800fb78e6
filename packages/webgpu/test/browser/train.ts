// A training loop on an asynchronous backend, as an app would write it: each
// step (forward, backward, AdamW) runs in tidy(), and the loss is read with
// exactly one `await loss.item()` per step. The same loop runs on the CPU
// backend for reference. On WebGPU the backend refuses every synchronous read,
// so a run that finishes proves the step path never reads synchronously, and
// the read-back counter shows the one read per step.
import { GPT } from '@attn/model';
import { setBackend, type Tensor, tidy } from '@attn/tensor';
import { AdamW } from '@attn/train';
import { smallConfig } from './gpt.js';

export interface TrainRun {
  /** Loss at each checkpoint step. */
  losses: number[];
  /** Backend counters after the checkpoint steps (absent for the CPU run). */
  liveBuffers: number[];
  buffersCreated: number[];
  pipelineCompiles: number[];
  /** Read-backs and uploads over the whole run. */
  readbacks: number;
  uploads: number;
  ms: number;
}

/** What a backend under test reports (@attn/webgpu's handle.stats()). */
export interface StatsSource {
  stats(): { liveBuffers: number; buffersCreated: number; pipelineCompiles: number; readbacks: number; uploads: number };
}

/** A periodic token sequence the model can learn: next token = (7 * token + 3) mod 19. */
function sequence(length: number): number[] {
  const out = [1];
  while (out.length < length) out.push((out[out.length - 1] * 7 + 3) % 19);
  return out;
}

export async function trainGpt(backendName: string, steps: number, checkpoints: readonly number[], source: StatsSource | null): Promise<TrainRun> {
  const config = smallConfig();
  const [batch, T] = [2, config.blockSize];
  const seq = sequence(64);
  setBackend(backendName);
  try {
    const model = new GPT(config, { seed: 5 });
    const optimizer = new AdamW(model.namedParameters(), { weightDecay: 0.1 });
    const run: TrainRun = { losses: [], liveBuffers: [], buffersCreated: [], pipelineCompiles: [], readbacks: 0, uploads: 0, ms: 0 };
    const before = source?.stats();
    const t0 = performance.now();
    for (let step = 1; step <= steps; step++) {
      // A different window every step: token ids and targets are new host data each time.
      const ids: number[] = [];
      const targets: number[] = [];
      for (let b = 0; b < batch; b++) {
        const start = (step * 3 + b * 11) % (seq.length - T - 1);
        ids.push(...seq.slice(start, start + T));
        targets.push(...seq.slice(start + 1, start + T + 1));
      }
      const loss = tidy(() => {
        const out = model.forward(ids, { batch, targets }).loss as Tensor;
        out.backward();
        optimizer.step(3e-3);
        optimizer.zeroGrad();
        return out;
      });
      const value = await loss.item(); // the one await of the step
      loss.dispose();
      if (checkpoints.includes(step)) {
        run.losses.push(value);
        if (source) {
          const s = source.stats();
          run.liveBuffers.push(s.liveBuffers);
          run.buffersCreated.push(s.buffersCreated);
          run.pipelineCompiles.push(s.pipelineCompiles);
        }
      }
    }
    run.ms = performance.now() - t0;
    if (source && before) {
      const after = source.stats();
      run.readbacks = after.readbacks - before.readbacks;
      run.uploads = after.uploads - before.uploads;
    }
    return run;
  } finally {
    setBackend('cpu');
  }
}
