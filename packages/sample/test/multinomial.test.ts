import { describe, expect, it } from 'vitest';
import { Rng } from '@attn/tensor';
import { multinomial, sampler, softmax, topK } from '../src/index.js';

/** Pearson's chi-squared statistic of observed counts against expected probabilities. */
function chiSquared(counts: number[], probs: ArrayLike<number>, draws: number): number {
  return counts.reduce((sum, observed, i) => {
    const expected = draws * probs[i];
    return sum + (observed - expected) ** 2 / expected;
  }, 0);
}

// Upper 0.001 critical values of the chi-squared distribution (standard tables).
const CHI2_CRITICAL_P001: Record<number, number> = { 3: 16.266, 5: 20.515 };

describe('multinomial', () => {
  it('frequencies over 10,000 draws match softmax (chi-squared, p = 0.001)', () => {
    const logits = Float32Array.from([1.2, 0.3, -0.5, 2.0, 0.0, -1.0]);
    const probs = softmax(logits);
    const draws = 10_000;
    for (const seed of [1, 2, 3]) {
      const choose = multinomial({ seed });
      const counts = new Array(logits.length).fill(0);
      for (let i = 0; i < draws; i++) counts[choose.choose(logits)]++;
      const stat = chiSquared(counts, probs, draws);
      expect(stat).toBeLessThan(CHI2_CRITICAL_P001[logits.length - 1]); // df = 5
    }
  });

  it('the test has power: a wrong distribution is rejected', () => {
    const logits = Float32Array.from([1.2, 0.3, -0.5, 2.0, 0.0, -1.0]);
    const wrong = softmax(logits.map((x) => x * 1.1)); // a slightly different temperature
    const choose = multinomial({ seed: 1 });
    const counts = new Array(logits.length).fill(0);
    for (let i = 0; i < 10_000; i++) counts[choose.choose(logits)]++;
    expect(chiSquared(counts, wrong, 10_000)).toBeGreaterThan(CHI2_CRITICAL_P001[5]);
  });

  it('after top-k, frequencies match the renormalised top-k distribution', () => {
    const logits = Float32Array.from([0.5, 1.5, -2, 1.0, 0.2, 2.2]);
    const s = sampler([topK(4)], multinomial({ seed: 9 }));
    const keptIds = [5, 1, 3, 0];
    const probs = softmax(keptIds.map((i) => logits[i]));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) {
      const id = s.sample(logits);
      expect(keptIds).toContain(id);
      counts[keptIds.indexOf(id)]++;
    }
    expect(chiSquared(counts, probs, 10_000)).toBeLessThan(CHI2_CRITICAL_P001[3]);
  });

  it("draws from a caller's Rng, which can be saved and restored mid-stream", () => {
    const logits = Float32Array.from([0.5, 1.5, -2, 1.0]);
    const rng = new Rng(4);
    const choose = multinomial({ rng });
    for (let i = 0; i < 5; i++) choose.choose(logits);
    const saved = rng.getState();
    const next = Array.from({ length: 20 }, () => choose.choose(logits));
    rng.setState(saved);
    expect(Array.from({ length: 20 }, () => choose.choose(logits))).toEqual(next);
    expect(choose.name).toBe('multinomial(custom rng)');
  });

  it('never draws a masked token', () => {
    const logits = Float32Array.from([Number.NEGATIVE_INFINITY, 0, Number.NEGATIVE_INFINITY]);
    const choose = multinomial({ seed: 5 });
    for (let i = 0; i < 100; i++) expect(choose.choose(logits)).toBe(1);
  });
});
