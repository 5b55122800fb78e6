// The page half of suite `webgpu`: bundled with esbuild and run in headless
// Chromium on 127.0.0.1 (WebGPU needs a secure context). Times, on whatever
// adapter the browser gives:
// - matmul n x n @ n x n with inputs resident on the device: `repeats`
//   products recorded back to back and one read at the end, so the figure is
//   the kernels' rate (the read's latency spread over the repeats), and a
//   round trip (upload both inputs, one product, read back);
// - one nanoGPT training step (NANOGPT_CPU, batch 12: the wasm suite's step):
//   forward, backward, AdamW in tidy(), loss read with one await, with
//   attention fused (the default where the backend has the kernel) and
//   materialised (returnAttention: the weights kept, as for visualisation),
//   beside the TypeScript CPU backend in the same page;
// - one causal attention forward + backward on (B, nh, T, hs) inputs at
//   longer T, fused (with both kernel strategies) and materialised: time and
//   the most bytes the buffer pool held above the inputs.
// Where two ways are compared, their repeats are taken in turn, so a change in
// the machine's load (it is shared) touches them alike.
import { GPT, NANOGPT_CPU } from '@attn/model';
import {
  type Backend,
  causalMask,
  fromArray,
  fusedAttention,
  type KernelInput,
  type KernelName,
  maskedFill,
  matmul,
  mul,
  Rng,
  setBackend,
  softmax,
  type Tensor,
  tidy,
} from '@attn/tensor';
import { AdamW } from '@attn/train';
import { registerWebGPUBackend, type WebGPUAdapterInfo, type WebGPUBackendHandle } from '@attn/webgpu';

export interface MatmulRow {
  n: number;
  /** Products per timed batch. */
  repeats: number;
  /** WebGPU: ms per product (resident inputs, one read per batch), and per round trip, with the adapter's default strategy. */
  webgpuMs: number;
  roundTripMs: number;
  /** ms per product with the other matmul strategy (tiled where the default is direct, and the reverse). */
  otherMs: number;
  /** CPU backend in the page: ms per product. */
  cpuMs: number;
}

export interface GptStepResult {
  batch: number;
  steps: number;
  /** Median ms per step on WebGPU (attention fused, and materialised) and on the page's CPU backend (fused, its reference kernel). */
  webgpuMs: number;
  webgpuMaterialisedMs: number;
  cpuMs: number;
  /** Loss after the timed steps on each (same seed, same data). */
  webgpuLoss: number;
  webgpuMaterialisedLoss: number;
  cpuLoss: number;
  /** Per WebGPU step: kernel dispatches, submits, uploads. */
  dispatchesPerStep: number;
  submitsPerStep: number;
  uploadsPerStep: number;
  pipelines: number;
}

/** Where a training step's GPU time goes: per kernel name, the calls in one step and their summed time. */
export interface KernelShare {
  kernel: string;
  calls: number;
  ms: number;
}

/** One causal attention forward + backward on (batch, heads, T, hs) inputs, one way. */
export interface AttentionRow {
  T: number;
  batch: number;
  heads: number;
  hs: number;
  /** 'fused direct', 'fused tiled' or 'materialised'. */
  how: string;
  /** Median ms of forward + backward, waiting for the GPU. */
  ms: number;
  /** Most bytes the buffer pool held above the inputs during one forward + backward. */
  peakBytes: number;
}

export interface WebGPUBenchResult {
  adapter: WebGPUAdapterInfo;
  /** The default attention strategy on this adapter. */
  attentionStrategy: string;
  /** The default matmul strategy on this adapter, and the other one, timed beside it. */
  matmulStrategy: string;
  otherStrategy: string;
  matmul: MatmulRow[];
  gpt: GptStepResult;
  breakdown: KernelShare[];
  attention: AttentionRow[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function randomValues(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.next() - 0.5);
}

/** ms per n x n product on `backend` with resident inputs: `repeats` products back to back, one read; median of 3 batches. */
async function residentMatmulMs(backend: string, a: Float32Array, b: Float32Array, n: number, repeats: number): Promise<number> {
  setBackend(backend);
  const ta = fromArray(a, [n, n]);
  const tb = fromArray(b, [n, n]);
  const batch = async () => {
    let last: Tensor | null = null;
    for (let i = 0; i < repeats; i++) {
      last?.dispose();
      last = matmul(ta, tb);
    }
    await last!.data();
    last!.dispose();
  };
  await batch(); // compiles the pipeline
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await batch();
    times.push((performance.now() - t0) / repeats);
  }
  ta.dispose();
  tb.dispose();
  return median(times);
}

async function timeMatmul(n: number, repeats: number, rng: Rng, other: string): Promise<MatmulRow> {
  const a = randomValues(n * n, rng);
  const b = randomValues(n * n, rng);
  const webgpuMs = await residentMatmulMs('webgpu', a, b, n, repeats);
  const otherMs = await residentMatmulMs(other, a, b, n, repeats);
  setBackend('webgpu');
  const trips: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const c = matmul(fromArray(a, [n, n]), fromArray(b, [n, n]));
    await c.data();
    trips.push(performance.now() - t0);
  }
  setBackend('cpu');
  const ca = fromArray(a, [n, n]);
  const cb = fromArray(b, [n, n]);
  const cpu: number[] = [];
  const cpuRepeats = n <= 256 ? 3 : 1;
  for (let i = 0; i < cpuRepeats; i++) {
    const t0 = performance.now();
    matmul(ca, cb).dataSync();
    cpu.push(performance.now() - t0);
  }
  return { n, repeats, webgpuMs, otherMs, roundTripMs: median(trips), cpuMs: median(cpu) };
}

/** One model's training step, timed by the caller; steps of several steppers interleave (see runWebGPUBench). */
interface GptStepper {
  /** Runs one step on the stepper's backend; resolves to the loss. */
  step: () => Promise<number>;
  times: number[];
  loss: number;
}

/**
 * A nanoGPT (NANOGPT_CPU, batch 12) training step on `backend`: forward,
 * backward, AdamW in tidy(), loss read with one await. Attention 'fused' is
 * what a model runs when the weights are not wanted; 'materialised' asks for
 * them (returnAttention), so every layer composes matmul, mask, softmax, matmul.
 */
function gptStepper(backend: string, attention: 'fused' | 'materialised'): GptStepper {
  const batch = 12;
  const { vocabSize: V, blockSize: T } = NANOGPT_CPU;
  const rng = new Rng(1234);
  const ids = Int32Array.from({ length: batch * T }, () => rng.int(V));
  const targets = Int32Array.from({ length: batch * T }, () => rng.int(V));
  setBackend(backend);
  try {
    const model = new GPT(NANOGPT_CPU, { seed: 2 }).train();
    const optimizer = new AdamW(model.namedParameters(), { weightDecay: 0.01 });
    const step = async () => {
      setBackend(backend);
      try {
        const loss = tidy(() => {
          const l = model.forward(ids, { batch, targets, returnAttention: attention === 'materialised' }).loss!;
          l.backward();
          optimizer.step(1e-3);
          optimizer.zeroGrad();
          return l;
        });
        const value = await loss.item();
        loss.dispose();
        return value;
      } finally {
        setBackend('cpu');
      }
    };
    return { step, times: [], loss: 0 };
  } finally {
    setBackend('cpu');
  }
}

/** Times one step of `stepper` into its record. */
async function timeStep(stepper: GptStepper): Promise<void> {
  const t0 = performance.now();
  stepper.loss = await stepper.step();
  stepper.times.push(performance.now() - t0);
}

interface RecordedCall {
  name: KernelName;
  shapes: number[][];
  attrs: unknown;
  outShape: readonly number[];
}

/**
 * Records the kernel calls of one training step (wrapping the backend's
 * table), then replays each call alone on random inputs of the same shapes,
 * `repeats` times, waiting for the GPU after each batch: the GPU time of every
 * call, summed per kernel name. Values do not matter for timing (indices and
 * targets are attributes, so they stay valid).
 */
async function kernelBreakdown(backend: Backend, idle: () => Promise<void>, step: () => Promise<unknown>, repeats = 3): Promise<KernelShare[]> {
  const calls: RecordedCall[] = [];
  const table = backend.kernels as Record<string, (inputs: readonly KernelInput[], attrs: unknown, outShape: readonly number[]) => unknown>;
  const originals = { ...table };
  for (const name of Object.keys(originals)) {
    table[name] = (inputs, attrs, outShape) => {
      calls.push({ name: name as KernelName, shapes: inputs.map((x) => [...x.shape]), attrs, outShape });
      return originals[name](inputs, attrs, outShape);
    };
  }
  try {
    await step();
  } finally {
    Object.assign(table, originals);
  }
  const rng = new Rng(3);
  const shares = new Map<string, KernelShare>();
  for (const call of calls) {
    const inputs: KernelInput[] = call.shapes.map((shape) => ({
      handle: backend.write(randomValues(shape.reduce((a, b) => a * b, 1), rng), 'float32'),
      shape,
      dtype: 'float32',
    }));
    const run = () => {
      const out = originals[call.name](inputs, call.attrs, call.outShape);
      for (const h of Array.isArray(out) ? out : [out]) backend.disposeData(h);
    };
    run();
    await idle();
    const t0 = performance.now();
    for (let i = 0; i < repeats; i++) run();
    await idle();
    const ms = (performance.now() - t0) / repeats;
    for (const x of inputs) backend.disposeData(x.handle);
    const share = shares.get(call.name) ?? { kernel: call.name, calls: 0, ms: 0 };
    share.calls++;
    share.ms += ms;
    shares.set(call.name, share);
  }
  return [...shares.values()].sort((a, b) => b.ms - a.ms);
}

/** One way of running causal attention forward + backward on fixed inputs. */
interface AttentionRunner {
  row: AttentionRow;
  /** One forward + backward, waiting for the GPU. */
  run: () => Promise<void>;
  handle: WebGPUBackendHandle;
  times: number[];
  dispose: () => void;
}

/**
 * Causal attention forward + backward on (batch, heads, T, hs) inputs on
 * `handle`'s backend, fused or materialised (matmul, mask, softmax, matmul:
 * the (batch, heads, T, T) weights stored).
 */
function attentionRunner(handle: WebGPUBackendHandle, how: string, batch: number, heads: number, T: number, hs: number): AttentionRunner {
  const backend = handle.backend.name;
  setBackend(backend);
  try {
    const rng = new Rng(T);
    const shape = [batch, heads, T, hs]; // (B, nh, T, hs)
    const n = batch * heads * T * hs;
    const [q, k, v] = [0, 1, 2].map(() => fromArray(randomValues(n, rng), shape, { requiresGrad: true }));
    const dOut = fromArray(randomValues(n, rng), shape);
    const mask = causalMask(T);
    const fused = how.startsWith('fused');
    const run = async () => {
      setBackend(backend);
      try {
        tidy(() => {
          const out = fused
            ? fusedAttention(q, k, v, { causal: true })
            : matmul(softmax(maskedFill(mul(matmul(q, k, { transB: true }), 1 / Math.sqrt(hs)), mask, -1e9), -1), v); // weights (B, nh, T, T)
          out.backward(dOut);
        });
        await handle.idle();
        for (const x of [q, k, v]) x.zeroGrad();
      } finally {
        setBackend('cpu');
      }
    };
    const dispose = () => {
      for (const x of [q, k, v, dOut, mask]) x.dispose();
    };
    return { row: { T, batch, heads, hs, how, ms: 0, peakBytes: 0 }, run, handle, times: [], dispose };
  } finally {
    setBackend('cpu');
  }
}

/**
 * The attention rows at one T: each way warmed up, its peak pool bytes above
 * the inputs taken over one run, then `repeats` rounds that run every way once
 * each (interleaved, so a change in the machine's load touches them alike).
 */
async function timeAttention(runners: AttentionRunner[], repeats: number): Promise<AttentionRow[]> {
  try {
    for (const r of runners) {
      await r.run(); // compiles, fills the pool
      r.handle.resetPeak();
      const base = r.handle.stats().liveBytes;
      await r.run();
      r.row.peakBytes = r.handle.stats().peakLiveBytes - base;
    }
    for (let i = 0; i < repeats; i++) {
      for (const r of runners) {
        const t0 = performance.now();
        await r.run();
        r.times.push(performance.now() - t0);
      }
    }
    return runners.map((r) => ({ ...r.row, ms: median(r.times) }));
  } finally {
    for (const r of runners) r.dispose();
  }
}

/** Attention rows: T with batch * T = 1,024 tokens, 4 heads of 32. */
const ATTENTION_SIZES = [64, 256, 1024];

export async function runWebGPUBench(sizes: number[], gptSteps: number): Promise<WebGPUBenchResult> {
  const handle = await registerWebGPUBackend();
  const otherStrategy = handle.matmul === 'direct' ? 'tiled' : 'direct';
  const otherAttention = handle.attention === 'direct' ? 'tiled' : 'direct';
  const other = await registerWebGPUBackend({ name: 'webgpu-other', matmul: otherStrategy, attention: otherAttention, priority: 0 });
  try {
    const rng = new Rng(7);
    const matmulRows: MatmulRow[] = [];
    for (const n of sizes) matmulRows.push(await timeMatmul(n, n <= 256 ? 20 : 5, rng, other.backend.name));
    // The three steps interleave (fused, materialised, CPU; the CPU's slow steps only the first 3 rounds), each warmed up first.
    const fused = gptStepper('webgpu', 'fused');
    const materialised = gptStepper('webgpu', 'materialised');
    const cpu = gptStepper('cpu', 'fused');
    for (const s of [fused, materialised, cpu]) await s.step(); // pipelines, pool
    const counted = { dispatches: 0, submits: 0, uploads: 0 };
    for (let i = 0; i < gptSteps; i++) {
      const before = handle.stats();
      await timeStep(fused);
      const after = handle.stats();
      for (const key of ['dispatches', 'submits', 'uploads'] as const) counted[key] += (after[key] - before[key]) / gptSteps;
      await timeStep(materialised);
      if (i < 3) await timeStep(cpu);
    }
    const breakdown = await kernelBreakdown(handle.backend, () => handle.idle(), fused.step);
    const attention: AttentionRow[] = [];
    for (const T of ATTENTION_SIZES) {
      const batch = 1024 / T;
      attention.push(
        ...(await timeAttention(
          [
            attentionRunner(handle, `fused ${handle.attention}`, batch, 4, T, 32),
            attentionRunner(other, `fused ${otherAttention}`, batch, 4, T, 32),
            attentionRunner(handle, 'materialised', batch, 4, T, 32),
          ],
          3,
        )),
      );
    }
    return {
      adapter: handle.adapter,
      attentionStrategy: handle.attention,
      matmulStrategy: handle.matmul,
      otherStrategy,
      matmul: matmulRows,
      gpt: {
        batch: 12,
        steps: gptSteps,
        webgpuMs: median(fused.times),
        webgpuMaterialisedMs: median(materialised.times),
        cpuMs: median(cpu.times),
        webgpuLoss: fused.loss,
        webgpuMaterialisedLoss: materialised.loss,
        cpuLoss: cpu.loss,
        dispatchesPerStep: counted.dispatches,
        submitsPerStep: counted.submits,
        uploadsPerStep: counted.uploads,
        pipelines: handle.stats().pipelines,
      },
      breakdown,
      attention,
    };
  } finally {
    handle.dispose();
    other.dispose();
  }
}
