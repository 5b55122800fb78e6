import { describe, expect, it } from 'vitest';
import { beamSearch } from '../src/index.js';

// A toy decoder over tokens {0: eos, 1: A, 2: B}; the next-token distribution
// depends only on the last token:
//   start -> A 0.6, B 0.4
//   A     -> eos 0.4, A 0.3, B 0.3
//   B     -> eos 0.9, A 0.05, B 0.05
// Greedy takes A (0.6), then eos (0.4): p = 0.24. But "B eos" has p = 0.4 * 0.9 = 0.36.
const EOS = 0;
const table: Record<string, number[]> = {
  start: [0, 0.6, 0.4],
  '1': [0.4, 0.3, 0.3],
  '2': [0.9, 0.05, 0.05],
};
const START = 9;
let calls = 0;
const step = (prefixes: readonly (readonly number[])[]) => {
  calls++;
  return prefixes.map((p) => {
    const last = p[p.length - 1];
    return table[last === START ? 'start' : String(last)].map(Math.log);
  });
};

describe('beamSearch', () => {
  it('width 1 is greedy: A eos, p = 0.24', () => {
    const [best] = beamSearch({ start: [START], step, beamWidth: 1, maxLength: 5, eos: EOS, lengthPenalty: 0 });
    expect(best.tokens).toEqual([1, EOS]);
    expect(best.logProb).toBeCloseTo(Math.log(0.24), 6);
    expect(best.finished).toBe(true);
  });

  it('width 2 finds B eos, p = 0.36, and ranks the hypotheses (hand-computed)', () => {
    const results = beamSearch({ start: [START], step, beamWidth: 2, maxLength: 5, eos: EOS, lengthPenalty: 0 });
    expect(results.map((r) => r.tokens)).toEqual([
      [2, EOS],
      [1, EOS],
    ]);
    expect(results[0].logProb).toBeCloseTo(Math.log(0.36), 6);
    expect(results[1].logProb).toBeCloseTo(Math.log(0.24), 6);
    expect(results[0].score).toBe(results[0].logProb);
  });

  it('stops early once beamWidth hypotheses are finished and no active beam can win', () => {
    calls = 0;
    beamSearch({ start: [START], step, beamWidth: 2, maxLength: 50, eos: EOS, lengthPenalty: 0 });
    // step 1: A, B; step 2: B eos and A eos finish, A A (0.18) and A B (0.18) stay active but are worse.
    expect(calls).toBe(2);
  });

  it('length penalty 1 ranks by mean log-probability per token', () => {
    // Force a long, individually likely continuation to compete with a short one.
    const longTable: Record<string, number[]> = { start: [0.5, 0.5, 0], '1': [0.05, 0.95, 0], '2': [0, 0, 0] };
    const s = (prefixes: readonly (readonly number[])[]) =>
      prefixes.map((p) => {
        const last = p[p.length - 1];
        return (last === START ? longTable.start : longTable[String(last)]).map(Math.log);
      });
    // raw log-prob prefers the immediate eos (p = 0.5) ...
    const raw = beamSearch({ start: [START], step: s, beamWidth: 2, maxLength: 3, eos: EOS, lengthPenalty: 0 });
    expect(raw[0].tokens).toEqual([EOS]);
    // ... per-token mean prefers A A A (cut at maxLength): mean log(0.5 * 0.95^2) / 3 > log 0.5
    const mean = beamSearch({ start: [START], step: s, beamWidth: 2, maxLength: 3, eos: EOS, lengthPenalty: 1 });
    expect(mean[0].tokens).toEqual([1, 1, 1]);
    expect(mean[0].finished).toBe(false);
    expect(mean[0].score).toBeCloseTo(Math.log(0.5 * 0.95 * 0.95) / 3, 6);
  });

  it('bad parameters are clear errors', () => {
    const base = { start: [START], step, beamWidth: 2, maxLength: 5, eos: EOS };
    expect(() => beamSearch({ ...base, beamWidth: 0 })).toThrow(/beamSearch: beamWidth must be an integer >= 1, got 0/);
    expect(() => beamSearch({ ...base, maxLength: 1.5 })).toThrow(/beamSearch: maxLength must be an integer >= 1/);
    expect(() => beamSearch({ ...base, step: () => [] })).toThrow(/step must return 1 log-prob arrays/);
    expect(() => beamSearch({ ...base, step: (p) => p.map(() => [0.5, 0.5, 2]) })).toThrow(/expected log-probabilities/);
    expect(() => beamSearch({ ...base, width: 3 } as never)).toThrow(/unknown option 'width'/);
  });
});
