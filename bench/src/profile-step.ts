// Where a nanoGPT CPU training step spends its time on @attn/wasm: the step
// of the `wasm` suite (wasm-gpt.ts), with every kernel of the backend wrapped
// to add up its wall time by name (and op, and with ATTN_PROFILE_SHAPES=1 by
// input shapes). The sum of the kernels against the step's time shows what
// runs outside them (autograd, the optimizer's JavaScript, the gradient norm).
// Not a benchmark (nothing goes into BENCHMARKS.md): a tool for deciding what
// to speed up. The wrappers cost a little per kernel; ATTN_PROFILE_KERNELS=0
// times the step alone.
//
//   pnpm --filter @attn/bench profile:step -- [threads = 2] [steps = 30]
import os from 'node:os';
import { getBackend, type Kernel, type KernelName } from '@attn/tensor';
import { attnGptStep } from './suites/wasm-gpt.js';

const args = process.argv.slice(2).filter((a) => a !== '--'); // pnpm passes the separator through
const threads = Number(args[0] ?? 2);
const steps = Number(args[1] ?? 30);
if (!(Number.isInteger(threads) && threads >= 1 && Number.isInteger(steps) && steps >= 1)) {
  console.error(`profile-step: expected [threads >= 1] [steps >= 1], got ${args.join(' ')}`);
  process.exit(2);
}
const byShape = process.env.ATTN_PROFILE_SHAPES === '1';
const wrap = process.env.ATTN_PROFILE_KERNELS !== '0';
const top = Number(process.env.ATTN_PROFILE_TOP ?? 40);

const step = await attnGptStep('wasm', threads);
if (typeof step === 'string') throw new Error(step);
const stats = new Map<string, number[]>();
let recording = false;
const kernels = getBackend().kernels as Record<string, Kernel<KernelName>>;
for (const [name, kernel] of wrap ? Object.entries(kernels) : []) {
  kernels[name] = (inputs, attrs, outShape) => {
    if (!recording) return kernel(inputs, attrs, outShape);
    const t0 = performance.now();
    const out = kernel(inputs, attrs, outShape);
    const ms = performance.now() - t0;
    const op = attrs && typeof attrs === 'object' && 'op' in attrs ? `:${String(attrs.op)}` : '';
    const shapes = byShape ? ` ${inputs.map((t) => `[${t.shape.join(',')}]`).join(' ')}` : '';
    const key = `${name}${op}${shapes}`;
    const times = stats.get(key) ?? [];
    times.push(ms);
    stats.set(key, times);
    return out;
  };
}
// warm-up steps: V8 tiers wasm up from its baseline compiler
for (let i = 0; i < 8; i++) await step.run();
const load = os.loadavg()[0];
recording = true;
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  await step.run();
  times.push(performance.now() - t0);
}
recording = false;
step.dispose();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = [...stats.entries()].map(([key, ts]) => ({ key, perStep: ts.reduce((a, b) => a + b, 0) / steps, calls: ts.length / steps, median: median(ts) }));
rows.sort((a, b) => b.perStep - a.perStep);
const inKernels = rows.reduce((a, r) => a + r.perStep, 0);
console.log(
  `${threads} thread(s), ${steps} steps, load average ${load.toFixed(2)} before: step median ${median(times).toFixed(1)} ms (fastest ${Math.min(...times).toFixed(1)})` +
    (wrap ? `, in kernels ${inKernels.toFixed(1)} ms a step` : ''),
);
for (const r of rows.slice(0, top)) {
  console.log(`${r.perStep.toFixed(3).padStart(8)} ms  ${String(r.calls).padStart(4)} calls  median ${r.median.toFixed(3)} ms  ${r.key}`);
}
process.exit(0);
