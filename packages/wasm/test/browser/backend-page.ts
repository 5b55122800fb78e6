// Bundled into the browser test page: @attn/tensor with the 'wasm' backend,
// values resident in wasm memory, a few tidy() training steps compared with
// the same steps on the TypeScript CPU backend in the same page.
import * as T from '@attn/tensor';
import { registerWasmBackend } from '../../src/index.js';

function trainSteps(backend: string, steps: number): { losses: number[]; w: number[] } {
  T.setBackend(backend);
  const rng = new T.Rng(5);
  const x = T.randn([4, 16, 32], { rng });
  const w = T.randn([32, 32], { rng }).mul(0.1);
  w.requiresGrad = true;
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push(
      T.tidy(() => {
        const h = T.layerNorm(x.matmul(w).gelu(), null, null, 1e-5);
        const loss = h.softmax(-1).mul(x).sum();
        loss.backward();
        w.assign(w.sub(w.grad!.mul(0.05)));
        w.zeroGrad();
        return loss.itemSync();
      }),
    );
  }
  return { losses, w: Array.from(w.dataSync()) };
}

export async function run(): Promise<Record<string, unknown>> {
  const handle = await registerWasmBackend({ threads: 2 });
  if (!handle) return { simd: false };
  const wasm = trainSteps('wasm', 20);
  const resident = handle.kernels.heap.residentBytes;
  const cpu = trainSteps('cpu', 20);
  let worst = 0;
  wasm.w.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(v - cpu.w[i]) / Math.max(1, Math.abs(cpu.w[i])));
  });
  const result = {
    threads: handle.threads,
    residentOn: resident > 0,
    residentBytesAfter: resident,
    lossesFall: wasm.losses[19] < wasm.losses[0],
    maxRelDiffVsCpu: worst,
  };
  handle.dispose();
  return result;
}
