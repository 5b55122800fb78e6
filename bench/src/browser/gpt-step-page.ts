// Bundled into the page of suite `browser` (bench/src/suites/browser.ts): the
// training step of suite `wasm` (nanoGPT's CPU configuration, @attn/model's
// GPT with @attn/train's AdamW, each step in tidy()) timed inside Chromium, on
// @attn/wasm with 1 or 2 threads (Web Workers sharing the wasm memory, which
// needs a cross-origin isolated page) or on the TypeScript 'cpu' backend.
import { GPT, NANOGPT_CPU } from '@attn/model';
import { Rng, setBackend, tidy } from '@attn/tensor';
import { AdamW } from '@attn/train';
import { registerWasmBackend } from '@attn/wasm';

export interface StepTiming {
  backend: string;
  /** Threads the wasm kernels actually run on (1 for 'cpu'). */
  threads: number;
  relaxedSimd: boolean;
  crossOriginIsolated: boolean;
  /** Median and fastest of the timed steps, ms. */
  medianMs: number;
  minMs: number;
  steps: number;
}

/** Times `steps` training steps after `warmup` untimed ones on 'wasm' (with `threads`) or 'cpu'. */
export async function timeSteps(backend: 'wasm' | 'cpu', threads: number, batch: number, warmup: number, steps: number): Promise<StepTiming> {
  let release = () => {};
  let actualThreads = 1;
  let relaxedSimd = false;
  if (backend === 'wasm') {
    const handle = await registerWasmBackend({ threads });
    if (!handle) throw new Error('no WebAssembly SIMD in this browser');
    release = () => handle.dispose();
    actualThreads = handle.threads;
    relaxedSimd = handle.kernels.relaxedSimd;
    setBackend('wasm');
  } else {
    setBackend('cpu');
  }
  try {
    const config = NANOGPT_CPU;
    const model = new GPT(config, { seed: 2 }).train();
    const optimizer = new AdamW(model.namedParameters(), { weightDecay: 0.01 });
    const rng = new Rng(1234);
    const n = batch * config.blockSize;
    const ids = Int32Array.from({ length: n }, () => rng.int(config.vocabSize));
    const targets = Int32Array.from({ length: n }, () => rng.int(config.vocabSize));
    const step = () =>
      tidy(() => {
        const loss = model.forward(ids, { batch, targets }).loss!;
        loss.backward();
        optimizer.step(1e-3);
        optimizer.zeroGrad();
        return loss.itemSync();
      });
    for (let i = 0; i < warmup; i++) step();
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      step();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return {
      backend,
      threads: actualThreads,
      relaxedSimd,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      medianMs: times[times.length >> 1],
      minMs: times[0],
      steps,
    };
  } finally {
    setBackend('cpu');
    release();
  }
}
