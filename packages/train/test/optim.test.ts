import { fromArray } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import { AdamW, clipGradNorm, constantLr, defaultDecays, gradNorm, SGD, warmupCosineLr } from '../src/index.js';

/** A leaf parameter with a fixed gradient. */
function param(values: number[], grad: number[], shape = [values.length]) {
  const p = fromArray(values, shape, { requiresGrad: true });
  p.grad = fromArray(grad, shape);
  return p;
}

describe('AdamW', () => {
  it('matches two hand-computed steps (decoupled decay, bias correction)', () => {
    const w = param([1, -2, 0.5, 3], [0.1, -0.2, 0.3, 0.4], [2, 2]);
    const b = param([0.5], [1]);
    const opt = new AdamW([['layer.weight', w], ['layer.bias', b]], { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1 });
    expect([...opt.decayed]).toEqual(['layer.weight']);
    const lr = 0.01;
    // Reference in float64, written out from the AdamW paper / torch docs.
    const ref = (p0: number[], grads: number[][], decay: number) => {
      const p = p0.slice();
      const m = p.map(() => 0);
      const v = p.map(() => 0);
      grads.forEach((g, k) => {
        const t = k + 1;
        for (let i = 0; i < p.length; i++) {
          p[i] -= lr * decay * p[i];
          m[i] = 0.9 * m[i] + 0.1 * g[i];
          v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
          p[i] -= (lr * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8);
        }
      });
      return p;
    };
    opt.step(lr);
    // First step of Adam moves every coordinate by ~lr * sign(g): 1 - 0.001 - 0.01 = 0.989.
    expect(w.dataSync()[0]).toBeCloseTo(0.989, 6);
    w.grad = fromArray([-0.3, 0.1, 0.2, -0.4], [2, 2]);
    b.grad = fromArray([0.5], [1]);
    opt.step(lr);
    const wantW = ref([1, -2, 0.5, 3], [[0.1, -0.2, 0.3, 0.4], [-0.3, 0.1, 0.2, -0.4]], 0.1);
    const wantB = ref([0.5], [[1], [0.5]], 0);
    for (const [i, x] of [...w.dataSync()].entries()) expect(Math.abs(x - wantW[i])).toBeLessThan(1e-6);
    expect(Math.abs(b.dataSync()[0] - wantB[0])).toBeLessThan(1e-6);
  });

  it('decays only matrices that are not embeddings or norms by default', () => {
    const m = fromArray([1, 2, 3, 4], [2, 2]);
    const v = fromArray([1, 2], [2]);
    expect(defaultDecays('transformer.h.0.attn.c_attn.weight', m)).toBe(true);
    expect(defaultDecays('transformer.wte.weight', m)).toBe(false);
    expect(defaultDecays('transformer.wpe.weight', m)).toBe(false);
    expect(defaultDecays('transformer.h.0.ln_1.weight', v)).toBe(false);
    expect(defaultDecays('transformer.h.0.mlp.c_fc.bias', v)).toBe(false);
  });

  it('round-trips its state', () => {
    const p = param([1, 2], [0.5, -0.5]);
    const a = new AdamW([['w', p]]);
    a.step(0.1);
    const b = new AdamW([['w', param([1, 2], [0, 0])]]);
    b.loadStateDict(a.stateDict(), a.stepCount);
    expect(b.stateDict()).toEqual(a.stateDict());
    expect(() => b.loadStateDict(new Map(), 1)).toThrow(/missing state "exp_avg.w"/);
    expect(() => a.step(Number.NaN)).toThrow(/lr must be/);
  });
});

describe('SGD', () => {
  it('applies heavy-ball momentum like torch.optim.SGD', () => {
    const p = param([1, -1], [0.5, 2]);
    const opt = new SGD([p], { momentum: 0.9 });
    opt.step(0.1); // buf = g = [0.5, 2]; p = [0.95, -1.2]
    expect([...p.dataSync()].map((x) => +x.toFixed(6))).toEqual([0.95, -1.2]);
    p.grad = fromArray([1, -1], [2]);
    opt.step(0.1); // buf = 0.9*[0.5,2] + [1,-1] = [1.45, 0.8]; p = [0.805, -1.28]
    const got = [...p.dataSync()];
    expect(got[0]).toBeCloseTo(0.805, 6);
    expect(got[1]).toBeCloseTo(-1.28, 6);
  });
});

describe('schedules', () => {
  it('warms up linearly, follows the cosine and stays at the floor', () => {
    const s = warmupCosineLr({ lr: 1e-3, warmup: 10, decaySteps: 110, minLr: 1e-4 });
    expect(s(0)).toBeCloseTo(1e-4, 12);
    expect(s(4)).toBeCloseTo(5e-4, 12);
    expect(s(10)).toBeCloseTo(1e-3, 12);
    expect(s(60)).toBeCloseTo(5.5e-4, 12); // half way: (lr + minLr) / 2
    expect(s(85)).toBeCloseTo(1e-4 + 0.5 * (1 + Math.cos((Math.PI * 75) / 100)) * 9e-4, 12);
    expect(s(110)).toBe(1e-4);
    expect(s(5000)).toBe(1e-4);
    expect(constantLr(0.3)(123)).toBe(0.3);
    expect(() => warmupCosineLr({ lr: 1e-3, warmup: 10, decaySteps: 5, minLr: 0 })).toThrow(/decaySteps/);
  });
});

describe('clipGradNorm', () => {
  it('scales all gradients together to the max norm and returns the old norm', () => {
    const a = param([0, 0], [3, 0]);
    const b = param([0], [4]);
    expect(clipGradNorm([a, b], 1).itemSync()).toBeCloseTo(5, 6);
    expect(a.grad?.dataSync()[0]).toBeCloseTo(0.6, 5);
    expect(b.grad?.dataSync()[0]).toBeCloseTo(0.8, 5);
    // Below the limit nothing changes.
    expect(clipGradNorm([a, b], 10).itemSync()).toBeCloseTo(1, 5);
    expect(a.grad?.dataSync()[0]).toBeCloseTo(0.6, 5);
    const bad = param([0], [Number.NaN]);
    expect(clipGradNorm([bad], 1).itemSync()).toBeNaN();
  });

  it('sums every element of gradients of any length (the four running sums and their tails)', () => {
    // squares 1, 4, ..., n^2 sum to n (n + 1) (2n + 1) / 6
    const counting = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    for (const sizes of [[1], [3], [4], [5, 7], [9, 2, 6]]) {
      const params = sizes.map((n) => param(new Array(n).fill(0), counting(n)));
      const want = Math.sqrt(sizes.reduce((acc, n) => acc + (n * (n + 1) * (2 * n + 1)) / 6, 0));
      expect(gradNorm(params, { path: 'host' }).itemSync()).toBeCloseTo(want, 4);
    }
    expect(gradNorm([param([0, 0, 0, 0, 0], [1, 1, 1, 1, Number.POSITIVE_INFINITY])], { path: 'host' }).itemSync()).toBe(Number.POSITIVE_INFINITY);
  });
});
