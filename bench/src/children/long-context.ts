// Runs in its own process (spawned by suites/wasm-long-context.ts), so its peak
// resident set size belongs to one configuration alone. Two measurements:
//   step       training steps of a GPT (forward, loss, backward, AdamW) with
//              attention fused or materialised: median ms and peak RSS;
//   attention  one causal attention forward + backward on (B, nh, T, hs) inputs,
//              and the most wasm memory its tensors held above the inputs.
// Prints one JSON line.
import { GPT } from '@attn/model';
import { scaledDotProductAttention } from '@attn/layers';
import { randn, Rng, setBackend, tidy } from '@attn/tensor';
import { AdamW } from '@attn/train';
import { registerWasmBackend } from '@attn/wasm';

export interface LongContextJob {
  what: 'step' | 'attention';
  /** fused: attention weights never stored; materialised: the reference path (weights returned). */
  mode: 'fused' | 'materialised';
  threads: number;
  layers: number;
  heads: number;
  width: number;
  block: number;
  batch: number;
  /** Timed steps after `warmup` untimed ones (what = 'step'). */
  steps: number;
  warmup: number;
}

export interface LongContextResult {
  medianMs?: number;
  minMs?: number;
  /** Peak resident set size of the process, MiB. */
  maxRssMiB: number;
  /** Size of the WebAssembly memory at the end (it never shrinks): MiB. */
  wasmMemoryMiB: number;
  /** Most bytes of tensors resident in wasm memory at once during the measured work, MiB. */
  peakTensorMiB: number;
  /** The cap on resident tensor bytes, MiB: past it values are plain arrays, which peakTensorMiB does not count. */
  residentCapMiB: number;
}

const MiB = 2 ** 20;

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as LongContextJob;
  // room for the materialised path's (B, nh, T, T) tensors in wasm memory (the module allows 2 GiB)
  const residentCapMiB = 1800;
  const wasm = await registerWasmBackend({ threads: job.threads, residentBytes: residentCapMiB * MiB });
  if (!wasm) throw new Error('no WebAssembly SIMD');
  setBackend('wasm');
  const heap = wasm.kernels.heap;
  const result: LongContextResult = { maxRssMiB: 0, wasmMemoryMiB: 0, peakTensorMiB: 0, residentCapMiB };
  if (job.what === 'step') {
    const config = { vocabSize: 65, blockSize: job.block, nLayer: job.layers, nHead: job.heads, nEmbd: job.width, dropout: 0, bias: true };
    const model = new GPT(config, { seed: 2 }).train();
    const optimizer = new AdamW(model.namedParameters(), { weightDecay: 0.01 });
    const rng = new Rng(1234);
    const n = job.batch * job.block;
    const ids = Int32Array.from({ length: n }, () => rng.int(config.vocabSize));
    const targets = Int32Array.from({ length: n }, () => rng.int(config.vocabSize));
    const step = () =>
      tidy(() => {
        // returnAttention makes every layer take the materialised path and keep its weights
        const loss = model.forward(ids, { batch: job.batch, targets, returnAttention: job.mode === 'materialised' }).loss!;
        loss.backward();
        optimizer.step(1e-3);
        optimizer.zeroGrad();
        return loss.itemSync();
      });
    for (let i = 0; i < job.warmup; i++) step();
    heap.resetPeak();
    const times: number[] = [];
    for (let i = 0; i < job.steps; i++) {
      const t0 = performance.now();
      step();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    result.medianMs = times[times.length >> 1];
    result.minMs = times[0];
  } else {
    const hs = job.width / job.heads;
    const shape = [job.batch, job.heads, job.block, hs]; // (B, nh, T, hs)
    const [q, k, v] = [1, 2, 3].map((seed) => randn(shape, { seed, requiresGrad: true }));
    const dOut = randn(shape, { seed: 4 });
    const run = () =>
      tidy(() => {
        const attention = scaledDotProductAttention(q, k, v, { causal: true, returnWeights: job.mode === 'materialised' });
        attention.output.backward(dOut);
        for (const t of [q, k, v]) t.zeroGrad();
      });
    run(); // the first run allocates the wasm memory the next ones reuse
    heap.resetPeak();
    const before = heap.residentBytes;
    run();
    result.peakTensorMiB = (heap.peakResidentBytes - before) / MiB;
  }
  result.maxRssMiB = process.resourceUsage().maxRSS / 1024;
  result.wasmMemoryMiB = wasm.kernels.memory.buffer.byteLength / MiB;
  if (job.what === 'step') result.peakTensorMiB = heap.peakResidentBytes / MiB;
  console.log(JSON.stringify(result));
  wasm.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
