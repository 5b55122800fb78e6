// The seed documents' worked example and the seeded toy head, checked against closed forms.
import { describe, expect, it } from 'vitest';
import { exampleExplanation, randomHeadExample, workedExample } from '../src/index.js';

describe('workedExample', () => {
  it('reproduces the seeds: Q(it) = [0, 1], keys and values as given, weights softmax([1, 1, 2]/√2)', () => {
    const e = workedExample();
    expect(e.source).toBe('seed worked example');
    expect(e.tokens).toEqual(['cat', 'sat', 'mat', 'it']);
    expect(e.q).toEqual([0, 1]);
    expect(e.k).toEqual([
      [2, 1],
      [1, 1],
      [1, 2],
    ]);
    expect(e.v).toEqual([
      [2, 1],
      [1, 3],
      [1, 2],
    ]);
    expect(e.scores).toEqual([1, 1, 2]);
    expect(e.scale).toBe(1 / Math.SQRT2);
    const e1 = Math.exp(1 / Math.SQRT2);
    const e2 = Math.exp(2 / Math.SQRT2);
    const w = [e1, e1, e2].map((x) => x / (2 * e1 + e2));
    for (const [i, x] of e.weights.entries()) expect(x).toBeCloseTo(w[i], 14);
    expect(e.weights.map((x) => x.toFixed(3))).toEqual(['0.248', '0.248', '0.503']);
    expect(e.output[0]).toBeCloseTo(2 * w[0] + w[1] + w[2], 14);
    expect(e.output[1]).toBeCloseTo(w[0] + 3 * w[1] + 2 * w[2], 14);
    expect(e.output.map((x) => Number(x.toFixed(2)))).toEqual([1.25, 2]);
    expect(e.projection).toBeNull();
  });

  it('has the six steps of a trained head, with the scaled scores and weights in them', () => {
    const { steps } = workedExample();
    expect(steps.map((s) => s.id)).toEqual(['embeddings', 'weights', 'qkv', 'scores', 'softmax', 'output']);
    expect(steps[0].rows).toEqual([
      ['cat', [1, 0, 1]],
      ['sat', [0, 1, 1]],
      ['mat', [1, 1, 0]],
      ['it', [0, 1, 0]],
    ]);
    expect(steps[1].matrices!.map((m) => [m.label, m.shape, m.values])).toEqual([
      ['W_Q', [3, 2], [[1, 0], [0, 1], [0, 0]]],
      ['W_K', [3, 2], [[1, 1], [0, 1], [1, 0]]],
      ['W_V', [3, 2], [[1, 0], [0, 2], [1, 1]]],
    ]);
    expect(steps[2].rows[0]).toEqual(['q(it)', [0, 1]]);
    const scaled = steps[3].rows[1][1].map((x) => x.toFixed(2));
    expect(scaled).toEqual(['0.71', '0.71', '1.41']);
    expect(steps[4].rows[0][0]).toBe('weights (cat, sat, mat)');
    expect(steps[4].why).toMatch(/"it" pays most attention to "mat" \(50%\)/);
  });
});

describe('randomHeadExample', () => {
  it('is seeded, causal over the whole sentence, and its weights are the softmax of its scaled scores', () => {
    const e = randomHeadExample('Dogs chase cats', 0);
    expect(e.tokens).toEqual(['dogs', 'chase', 'cats']);
    expect(e.keys).toEqual([0, 1, 2]);
    expect(randomHeadExample('Dogs chase cats', 0)).toEqual(e);
    expect(randomHeadExample('Dogs chase cats', 1).q).not.toEqual(e.q);
    const z = e.scaledScores.reduce((s, x) => s + Math.exp(x), 0);
    for (const [i, w] of e.weights.entries()) expect(w).toBeCloseTo(Math.exp(e.scaledScores[i]) / z, 12);
    for (const [j, s] of e.scores.entries()) expect(s).toBeCloseTo(e.q[0] * e.k[j][0] + e.q[1] * e.k[j][1], 12);
  });

  it('names a repeated word by its position in the steps', () => {
    const e = randomHeadExample('the dog saw the cat', 2);
    expect(e.steps[0].rows.map(([name]) => name)).toEqual(['the (0)', 'dog', 'saw', 'the (3)', 'cat']);
    expect(e.tokens).toEqual(['the', 'dog', 'saw', 'the', 'cat']);
  });

  it('needs two words; exampleExplanation picks the seed example for its sentence', () => {
    expect(() => randomHeadExample('hello')).toThrow(/randomHeadExample: expected a sentence of at least two words/);
    expect(exampleExplanation('The cat sat on the mat because it was tired').source).toBe('seed worked example');
    expect(exampleExplanation('the dog ran').source).toBe('seeded random head');
  });
});
