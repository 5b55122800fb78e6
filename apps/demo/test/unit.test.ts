// The demo's own numeric code: the worked example, checked against values computed
// by hand (closed forms in float64). The optimiser is @attn/train's, tested there.
import { describe, expect, it } from 'vitest';
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
