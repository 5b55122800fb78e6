// The demo's own numeric code: the worked example and the stop-gap AdamW,
// checked against values computed by hand (closed forms in float64).
import { fromArray } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import { AdamW } from '../src/adamw';
import { workedExample } from '../src/explainer';

describe('worked example', () => {
  it('matches the seed documents: weights softmax([1,1,2]/sqrt 2), output their mix of the values', () => {
    const { weights, output } = workedExample();
    const e1 = Math.exp(1 / Math.SQRT2);
    const e2 = Math.exp(2 / Math.SQRT2);
    const total = 2 * e1 + e2;
    const expected = [e1 / total, e1 / total, e2 / total];
    for (const [i, w] of expected.entries()) expect(weights[i]).toBeCloseTo(w, 6);
    // values cat [2,1], sat [1,3], mat [1,2]
    expect(output[0]).toBeCloseTo(expected[0] * 2 + expected[1] * 1 + expected[2] * 1, 6);
    expect(output[1]).toBeCloseTo(expected[0] * 1 + expected[1] * 3 + expected[2] * 2, 6);
    expect(weights.map((w) => w.toFixed(2))).toEqual(['0.25', '0.25', '0.50']);
    expect(output.map((x) => Number(x.toFixed(2)))).toEqual([1.25, 2]);
  });
});

describe('AdamW', () => {
  it('follows the AdamW update over two steps (bias-corrected moments, decoupled decay on matrices only)', () => {
    const config = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 };
    const matrix = fromArray([1, -2], [1, 2]);
    const bias = fromArray([0.5], [1]);
    const opt = new AdamW([matrix, bias], config);
    const grads = [
      [0.5, -0.1, 0.3],
      [-0.2, 0.4, 0.3],
    ];
    // Reference in float64.
    let w = [1, -2, 0.5];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    grads.forEach((g, step) => {
      matrix.grad = fromArray(g.slice(0, 2), [1, 2]);
      bias.grad = fromArray(g.slice(2), [1]);
      opt.step();
      const t = step + 1;
      w = w.map((wi, j) => {
        m[j] = 0.9 * m[j] + 0.1 * g[j];
        v[j] = 0.99 * v[j] + 0.01 * g[j] * g[j];
        const mHat = m[j] / (1 - 0.9 ** t);
        const vHat = v[j] / (1 - 0.99 ** t);
        const decay = j < 2 ? 0.01 * wi : 0;
        return wi - 0.1 * (mHat / (Math.sqrt(vHat) + 1e-8) + decay);
      });
    });
    const got = [...matrix.dataSync(), ...bias.dataSync()];
    for (const [j, wi] of w.entries()) expect(got[j]).toBeCloseTo(wi, 5);
    // First step alone is about lr * sign(g): a sanity anchor independent of the loop above.
    expect(w[2]).toBeCloseTo(0.5 - 0.1 - 0.1, 5); // both grads on the bias were +0.3
  });
});
