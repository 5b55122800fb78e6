// Many back-to-back matmuls split across 2 threads while other processes keep
// both cores busy, so workers are often descheduled mid-protocol: a lost
// wake-up or a race in the shared-memory handshake shows up here as a hang
// (the vitest timeout is the failure signal) or as a wrong product.
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels, detectFeatures, planMatmul, referenceMatmul, type WasmKernels } from '../src/index.js';
import { float32Bound, randomArray } from './helpers.js';

/** Largest error of `got` against the float64 reference, as a fraction of the float32 bound. */
function worstError(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], got: Float32Array): number {
  const plan = planMatmul(aShape, bShape);
  const want = new Float32Array(got.length);
  const magnitude = new Float32Array(got.length);
  const absA = a.map(Math.abs);
  const absB = b.map(Math.abs);
  for (const call of plan.calls) {
    referenceMatmul(a, b, want, call);
    referenceMatmul(absA, absB, magnitude, call);
  }
  const bound = float32Bound(plan.calls[0].K);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const allowed = bound * magnitude[i] + Math.abs(want[i]) * 2 ** -24 + 1e-30;
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / allowed);
  }
  return worst;
}

describe.runIf(detectFeatures().threads)('2 threads under CPU contention', () => {
  let kernels: WasmKernels;
  const hogs: ChildProcess[] = [];

  beforeAll(async () => {
    kernels = await createWasmKernels({ threads: 2, minParallelFlops: 0 });
    // One busy-looping process per core (at least two) competes with both threads.
    for (let i = 0; i < Math.max(2, availableParallelism()); i++) {
      hogs.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
    }
  });

  afterAll(() => {
    for (const h of hogs) h.kill('SIGKILL');
    kernels?.dispose();
  });

  it('finishes thousands of small products with correct results', () => {
    expect(kernels.threads).toBe(2);
    let worst = 0;
    for (let i = 0; i < 3000; i++) {
      // 1..12 rows/cols: every product is split into tiny parts, the most handshakes per flop
      const m = 1 + (i % 12);
      const k = 1 + ((i * 7) % 11);
      const n = 1 + ((i * 5) % 13);
      const batch = 1 + (i % 3);
      const a = randomArray(batch * m * k, i);
      const b = randomArray(batch * k * n, i + 1);
      const got = kernels.matmul(a, [batch, m, k], b, [batch, k, n]);
      worst = Math.max(worst, worstError(a, [batch, m, k], b, [batch, k, n], got.data));
    }
    expect(worst).toBeLessThanOrEqual(1);
  }, 120_000);

  it('finishes large products, interleaved with small ones, with correct results', () => {
    let worst = 0;
    for (let i = 0; i < 8; i++) {
      const [m, k, n] = [96 + 17 * i, 200, 150 + 9 * i];
      const a = randomArray(m * k, 100 + i);
      const b = randomArray(k * n, 200 + i);
      const got = kernels.matmul(a, [m, k], b, [k, n]);
      worst = Math.max(worst, worstError(a, [m, k], b, [k, n], got.data));
      const s = randomArray(9, i);
      const small = kernels.matmul(s, [3, 3], s, [3, 3]);
      worst = Math.max(worst, worstError(s, [3, 3], s, [3, 3], small.data));
    }
    expect(worst).toBeLessThanOrEqual(1);
  }, 120_000);
});

describe('default thread count', () => {
  it('is 2, or 1 where the machine has a single core or no shared memory', async () => {
    const k = await createWasmKernels();
    try {
      const want = detectFeatures().threads ? Math.min(2, availableParallelism()) : 1;
      expect(k.threads).toBe(want);
    } finally {
      k.dispose();
    }
  });
});
