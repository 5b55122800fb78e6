// Sampling settings reshaping a distribution, against hand-computed probabilities.
import { minP, topK } from '@attn/sample';
import { describe, expect, it } from 'vitest';
import { InspectError, samplingView } from '../src/index.js';

const logits = [2, 1, 0.5, -1, 0];

/** softmax of xs in float64. */
function softmax(xs: number[]): number[] {
  const e = xs.map((x) => Math.exp(x));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

describe('samplingView', () => {
  it('with no settings: the model’s distribution, nothing cut, greedy marked', () => {
    const v = samplingView(logits, {});
    const p = softmax(logits);
    expect(v.tokens.map((t) => t.id)).toEqual([0, 1, 2, 4, 3]);
    for (const t of v.tokens) {
      expect(t.prob).toBeCloseTo(p[t.id], 6);
      expect(t.scaledProb).toBeCloseTo(p[t.id], 6);
      expect(t.modelProb).toBeCloseTo(p[t.id], 12);
      expect(t.cutBy).toBeNull();
    }
    expect(v.greedy).toBe(0);
    expect(v.tokens.filter((t) => t.greedy).map((t) => t.id)).toEqual([0]);
    expect(v.kept).toBe(5);
    expect(v.processors).toEqual([]);
  });

  it('temperature 0.5 then top-k 2: probabilities of logits/0.5, then the two best renormalised', () => {
    const v = samplingView(logits, { temperature: 0.5, topK: 2 });
    const scaled = softmax(logits.map((x) => x / 0.5));
    const kept = scaled[0] + scaled[1];
    const byId = new Map(v.tokens.map((t) => [t.id, t]));
    expect(byId.get(0)!.prob).toBeCloseTo(scaled[0] / kept, 6);
    expect(byId.get(1)!.prob).toBeCloseTo(scaled[1] / kept, 6);
    for (const id of [2, 3, 4]) {
      expect(byId.get(id)!.prob).toBe(0);
      expect(byId.get(id)!.cutBy).toBe('top-k(2)');
      expect(byId.get(id)!.scaledProb).toBeCloseTo(scaled[id], 6);
    }
    expect(v.kept).toBe(2);
    expect(v.keptMass).toBeCloseTo(kept, 6);
    expect(v.processors).toEqual(['temperature(0.5)', 'top-k(2)']);
  });

  it('top-p keeps the smallest head of the distribution that reaches p, and names itself', () => {
    const p = softmax(logits); // ≈ 0.563, 0.207, 0.126, 0.076, 0.028 (ids 0, 1, 2, 4, 3)
    const v = samplingView(logits, { topP: 0.8 });
    // 0.563 + 0.207 = 0.770 < 0.8, + 0.126 = 0.896: three tokens survive.
    expect(v.kept).toBe(3);
    const survivors = p[0] + p[1] + p[2];
    expect(v.tokens.find((t) => t.id === 2)!.prob).toBeCloseTo(p[2] / survivors, 6);
    expect(v.tokens.find((t) => t.id === 4)!.cutBy).toBe('top-p(0.8)');
  });

  it('temperature 0 is greedy: only the best token survives', () => {
    const v = samplingView(logits, { temperature: 0 });
    expect(v.kept).toBe(1);
    expect(v.tokens[0]).toMatchObject({ id: 0, prob: 1, greedy: true, cutBy: null });
    expect(v.tokens[1].cutBy).toBe('temperature(0)');
  });

  it('takes any @attn/sample processors (a CLI sampler’s), and shows the first `show` tokens', () => {
    const v = samplingView(logits, { processors: [minP(0.2), topK(4)] }, { show: 3 });
    expect(v.tokens).toHaveLength(3);
    // min-p(0.2) keeps tokens with p >= 0.2 * 0.563 ≈ 0.113: ids 0, 1, 2.
    expect(v.kept).toBe(3);
    expect(v.processors).toEqual(['min-p(0.2)', 'top-k(4)']);
    expect(samplingView(logits, { topP: 0.75 }).kept).toBe(2); // 0.770 already reaches 0.75
  });

  it('rejects bad settings with the processor’s own message', () => {
    expect(() => samplingView(logits, { topK: 0 })).toThrow(InspectError);
    expect(() => samplingView(logits, { topP: 1.5 })).toThrow(/samplingView: topP: p must be in \(0, 1\]/);
    expect(() => samplingView([], {})).toThrow(/logits are empty/);
  });
});
