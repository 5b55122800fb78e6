// A small GPT's forward and backward on 'gpu' (every matmul through gpu.js,
// the rest on the CPU fallback) against the same model on the CPU backend:
// logits, loss and every parameter gradient within 1e-3.
import { GPT, type GPTConfig } from '@attn/model';
import { setBackend } from '@attn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GpuBackendHandle, registerGpuBackend } from '../src/index.js';

let handle: GpuBackendHandle;
beforeAll(() => {
  handle = registerGpuBackend({ minFlops: 0 });
});
afterAll(() => {
  handle.dispose();
  setBackend('cpu');
});

const config: GPTConfig = { vocabSize: 23, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true };
const B = 2;
const T = 12;
const ids = Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % config.vocabSize);
const targets = Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % config.vocabSize);

/** Forward + backward on `backend`; returns logits, loss and gradients by parameter name. */
function run(backend: string) {
  setBackend(backend);
  try {
    const model = new GPT(config, { seed: 7 });
    const out = model.forward(ids, { batch: B, targets });
    out.loss!.backward();
    const grads = new Map(model.namedParameters().map(([name, p]) => [name, Array.from(p.grad!.dataSync())]));
    return { logits: Array.from(out.logits.dataSync()), loss: out.loss!.itemSync(), grads };
  } finally {
    setBackend('cpu');
  }
}

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('GPT on the gpu backend', () => {
  it('forward and backward match the CPU backend within 1e-3', () => {
    const before = handle.backendInfo().gpuCalls;
    const want = run('cpu');
    const got = run('gpu');
    // Forward: 4 projections per block + lm_head, 2 attention products per block; backward doubles that.
    expect(handle.backendInfo().gpuCalls - before).toBeGreaterThanOrEqual(3 * (6 * config.nLayer + 1));
    expect(maxAbsDiff(got.logits, want.logits)).toBeLessThan(1e-3);
    expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-3);
    expect([...got.grads.keys()]).toEqual([...want.grads.keys()]);
    for (const [name, g] of want.grads) {
      const diff = maxAbsDiff(got.grads.get(name)!, g);
      if (!(diff < 1e-3)) throw new Error(`gradient of ${name} differs by ${diff}`);
    }
  });
});
