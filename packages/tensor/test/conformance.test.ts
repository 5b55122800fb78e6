// The shared backend conformance suite, run against the CPU backend in both dtypes,
// and shown to catch a backend with a wrong kernel.
import { describe, expect, it } from 'vitest';
import { type Backend, cpuBackend, registerBackend, removeBackend } from '../src/index.js';
import { runBackendSuite } from '../src/testing/index.js';

runBackendSuite({ describe, it, expect }, 'cpu', { dtypes: ['float32', 'float64'] });

describe('the conformance suite', () => {
  it('fails a backend whose Softmax kernel is wrong, naming the backend and the case', async () => {
    const broken: Backend = {
      ...cpuBackend,
      name: 'broken',
      kernels: {
        ...cpuBackend.kernels,
        // Forgets to normalise: exp(x) without dividing by the row sum.
        Softmax: ([x]) => (x.handle as Float32Array).map(Math.exp),
      },
    };
    registerBackend(broken, { priority: -1 });
    const collected: { name: string; fn: () => void | Promise<void> }[] = [];
    runBackendSuite({ describe: (_name, fn) => fn(), it: (name, fn) => collected.push({ name, fn }) }, 'broken');
    const failures: string[] = [];
    try {
      for (const test of collected) {
        try {
          await test.fn();
        } catch (e) {
          failures.push(`${test.name}: ${(e as Error).message}`);
        }
      }
    } finally {
      removeBackend('broken');
    }
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.some((f) => f.startsWith('softmax, log-softmax') && f.includes("broken (float32): softmax last axis"))).toBe(true);
    // Cases that never touch Softmax still pass.
    expect(failures.some((f) => f.startsWith('matmul'))).toBe(false);
  });
});
