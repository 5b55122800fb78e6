// The WebAssembly GELU (tanh approximation) and its derivative against float64
// references, and inside @attn/tensor against the CPU backend (forward and backward).
import { fromArray, gelu, setBackend } from '@attn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWasmKernels,
  geluTanhGradReference,
  geluTanhReference,
  registerWasmBackend,
  type WasmBackendHandle,
  type WasmKernels,
} from '../src/index.js';
import { randomArray } from './helpers.js';

/** Inputs covering the saturated tails, the bend near 0, tiny values and exact zeros; length not a multiple of 4. */
function inputs(): Float32Array {
  const xs: number[] = [0, -0, 1e-30, -1e-30, 1e-6, -1e-6, 0.5, -0.5, 3, -3, 10, -10, 50, -50, 1e4, -1e4];
  for (let i = 0; i <= 2000; i++) xs.push(-12 + (24 * i) / 2000);
  for (const v of randomArray(1001, 5)) xs.push(v * 6);
  return Float32Array.from(xs);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * |got - want| allowed for a result `want` at input x: a few float32 ulps,
 * scaled by the conditioning of the exp(-2u) inside (an ulp of error in u, which
 * float32 must make, changes exp(-2u) by |2u| ulps), plus a floor far below
 * anything a model sees.
 */
function allowed(want: number, x: number): number {
  const u = SQRT_2_OVER_PI * (x + 0.044715 * x ** 3);
  return 6 * 2 ** -24 * Math.abs(want) * (1 + Math.abs(2 * u)) + 1e-30;
}

/** |s| + |x 2s(1-s) du/dx|: the scale of the terms summed in gelu'(x), in float64. */
function termMagnitude(x: number): number {
  const u = SQRT_2_OVER_PI * (x + 0.044715 * x ** 3);
  const s = 1 / (1 + Math.exp(-2 * u));
  return s + Math.abs(x * 2 * s * (1 - s) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x));
}

describe('gelu kernels', () => {
  let kernels: WasmKernels;
  beforeAll(async () => {
    kernels = await createWasmKernels({ threads: 1 });
  });

  it('gelu matches the float64 reference within a few ulps', () => {
    const x = inputs();
    const y = kernels.geluTanh(x);
    expect(y.length).toBe(x.length);
    for (let i = 0; i < x.length; i++) {
      const want = geluTanhReference(x[i]);
      if (Math.abs(y[i] - want) > allowed(want, x[i])) {
        throw new Error(`gelu(${x[i]}) = ${y[i]}, want ${want}`);
      }
    }
    // hand-checked values: gelu(0) = 0, gelu(1) = 0.841192, gelu(-1) = -0.158808
    expect(Array.from(kernels.geluTanh(Float32Array.of(0, 1, -1)))).toEqual([
      0,
      expect.closeTo(0.841192, 6),
      expect.closeTo(-0.158808, 6),
    ]);
  });

  it('the derivative matches the float64 reference, times dy', () => {
    const x = inputs();
    const dy = randomArray(x.length, 9);
    const dx = kernels.geluTanhGrad(dy, x);
    for (let i = 0; i < x.length; i++) {
      const want = dy[i] * geluTanhGradReference(x[i]);
      // the two terms of gelu' = s + x 2s(1-s) du/dx cancel near x = -0.75: allow ulps of their magnitudes
      const tol = allowed(Math.abs(dy[i]) * termMagnitude(x[i]), x[i]);
      if (Math.abs(dx[i] - want) > tol) throw new Error(`gelu'(${x[i]}) * ${dy[i]} = ${dx[i]}, want ${want}`);
    }
  });

  it('rejects mismatched lengths', () => {
    expect(() => kernels.geluTanhGrad(new Float32Array(3), new Float32Array(4))).toThrow(/geluTanhGrad/);
  });
});

describe("gelu through backend 'wasm'", () => {
  let handle: WasmBackendHandle;
  beforeAll(async () => {
    handle = (await registerWasmBackend({ threads: 1 }))!;
  });
  afterAll(() => {
    handle.dispose();
    setBackend('cpu');
  });

  it('forward and backward agree with the CPU backend', () => {
    const xs = randomArray(3 * 7 * 5, 11).map((v) => v * 4);
    const run = (backend: string) => {
      setBackend(backend);
      const x = fromArray(xs, [3, 7, 5], { requiresGrad: true });
      const y = gelu(x, 'tanh');
      // read now: later kernels that fall back to the CPU move y's storage there
      const on = y.storage.backend.name;
      y.mul(y).sum().backward();
      return { y: y.dataSync(), dx: x.grad!.dataSync(), on };
    };
    const cpu = run('cpu');
    const wasm = run('wasm');
    expect(wasm.on).toBe('wasm');
    for (let i = 0; i < xs.length; i++) {
      expect(Math.abs(wasm.y[i] - cpu.y[i])).toBeLessThanOrEqual(allowed(cpu.y[i], xs[i]) * 2);
      expect(Math.abs(wasm.dx[i] - cpu.dx[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(cpu.dx[i])));
    }
  });

  it('other unary ops still run (on the CPU kernels)', () => {
    setBackend('wasm');
    const x = fromArray([-1, 0, 2], [3]);
    expect(Array.from(x.relu().dataSync())).toEqual([0, 0, 2]);
    expect(Array.from(gelu(x, 'none').dataSync()).map((v) => Number(v.toFixed(5)))).toEqual([-0.15866, 0, 1.9545]);
  });
});
