// The head detector against hand-computed patterns and scores, against golden scores from
// PyTorch (test/fixtures/make_head_detector_fixture.py: TransformerLens's definitions with
// whole-tensor operations), and end to end on a GPT whose weights make head 0 a
// previous-token head by construction.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  attentionMaps,
  bestPossibleScore,
  detectHeads,
  duplicateTokenPattern,
  type HeadKind,
  headSimilarity,
  inductionPattern,
  InspectError,
  previousTokenPattern,
  repeatedRandomTokens,
  scoreHeads,
} from '../src/index.js';
import { previousTokenGpt } from './models.js';

describe('detection patterns', () => {
  it('previous token: ones just below the diagonal', () => {
    expect(previousTokenPattern(4)).toEqual([
      [0, 0, 0, 0],
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
    ]);
  });

  it('duplicate token: earlier copies of the same token, never itself', () => {
    // ids:       a  b  a  b  a
    expect(duplicateTokenPattern([5, 7, 5, 7, 5])).toEqual([
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [1, 0, 0, 0, 0], // the second a sees the first
      [0, 1, 0, 0, 0], // the second b sees the first
      [1, 0, 1, 0, 0], // the third a sees both earlier a's
    ]);
  });

  it('induction: the token after each earlier copy', () => {
    // ids: x y z x y z. Position 3 (x) looks at 1 (the y after the first x); 4 (y) at 2; 5 (z) at 3.
    expect(inductionPattern([1, 2, 3, 1, 2, 3])).toEqual([
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
      [0, 1, 0, 0, 0, 0],
      [0, 0, 1, 0, 0, 0],
      [0, 0, 0, 1, 0, 0],
    ]);
    // A repeated token right after itself: "a a" makes position 1 attend to itself (j = i is allowed).
    expect(inductionPattern([4, 4])).toEqual([
      [0, 0],
      [0, 1],
    ]);
  });
});

describe('headSimilarity', () => {
  // Rows sum to 1; causal.
  const A = [
    [1, 0, 0],
    [0.6, 0.4, 0],
    [0.2, 0.5, 0.3],
  ];
  const P = previousTokenPattern(3);

  it('mul: share of all attention on the pattern, over every row', () => {
    // (0.6 + 0.5) / 3
    expect(headSimilarity(A, P)).toBeCloseTo(1.1 / 3, 12);
    // excludeBos zeroes column 0: (0 + 0.5) / (0 + 0.4 + 0.5 + 0.3)
    expect(headSimilarity(A, P, { excludeBos: true })).toBeCloseTo(0.5 / 1.2, 12);
    // excludeCurrentToken zeroes the diagonal: (0.6 + 0.5) / (0.6 + 0.2 + 0.5)
    expect(headSimilarity(A, P, { excludeCurrentToken: true })).toBeCloseTo(1.1 / 1.3, 12);
  });

  it('abs: 1 - sum|A - P| / T, rounded to 3 places', () => {
    // |A - P| = [[1,0,0],[0.4,0.4,0],[0.2,0.5,0.3]]: sum 2.8, / 3 = 0.9333 -> 0.933
    expect(headSimilarity(A, P, { errorMeasure: 'abs' })).toBeCloseTo(1 - 0.933, 12);
    // without column 0: 0.4 + 0.5 + 0.3 = 1.2, / 3 = 0.4
    expect(headSimilarity(A, P, { errorMeasure: 'abs', excludeBos: true })).toBeCloseTo(0.6, 12);
  });

  it('rejects a detection pattern that looks ahead, or a size mismatch', () => {
    expect(() => headSimilarity(A, [[0, 1, 0], [0, 0, 0], [0, 0, 0]])).toThrow(/lower triangular, but \[0\]\[1\] is 1/);
    expect(() => headSimilarity(A, previousTokenPattern(2))).toThrow(InspectError);
    expect(() => headSimilarity(A, P, { errorMeasure: 'max' as 'mul' })).toThrow(/errorMeasure must be 'mul' or 'abs'/);
  });

  it('says what a perfect head can score: the share of rows with a target', () => {
    const ids = repeatedRandomTokens({ vocabSize: 50, halfLength: 10, seed: 3 });
    expect(bestPossibleScore(inductionPattern(ids))).toBe(0.5); // only the second half's 10 rows of 20
    expect(bestPossibleScore(previousTokenPattern(20))).toBe(19 / 20);
  });
});

describe('golden scores from PyTorch', () => {
  const fixture = JSON.parse(readFileSync(new URL('./fixtures/head-detector.json', import.meta.url), 'utf8')) as {
    cases: {
      ids: number[];
      patterns: Record<HeadKind, number[][]>;
      attentions: number[][][];
      scores: { attention: number; kind: HeadKind; excludeBos: boolean; excludeCurrentToken: boolean; errorMeasure: 'mul' | 'abs'; score: number }[];
    }[];
  };

  it('builds the same detection patterns', () => {
    for (const c of fixture.cases) {
      expect(previousTokenPattern(c.ids.length)).toEqual(c.patterns.previousToken);
      expect(duplicateTokenPattern(c.ids)).toEqual(c.patterns.duplicateToken);
      expect(inductionPattern(c.ids)).toEqual(c.patterns.induction);
    }
  });

  it('gives the same 144 scores for every option', () => {
    let n = 0;
    for (const c of fixture.cases) {
      for (const s of c.scores) {
        const got = headSimilarity(c.attentions[s.attention], c.patterns[s.kind], s);
        // torch ran in float32; "abs" is rounded to 3 places, so a value on a rounding edge may differ by 0.001.
        if (s.errorMeasure === 'mul') expect(got).toBeCloseTo(s.score, 6);
        else expect(Math.abs(got - s.score)).toBeLessThanOrEqual(0.0010001);
        n++;
      }
    }
    expect(n).toBe(144);
  });
});

describe('repeatedRandomTokens', () => {
  it('repeats distinct random tokens twice, reproducibly', () => {
    const ids = repeatedRandomTokens({ vocabSize: 100, halfLength: 12, seed: 7, low: 1 });
    expect(ids).toHaveLength(24);
    expect(ids.slice(12)).toEqual(ids.slice(0, 12));
    expect(new Set(ids.slice(0, 12)).size).toBe(12);
    expect(Math.min(...ids)).toBeGreaterThanOrEqual(1);
    expect(repeatedRandomTokens({ vocabSize: 100, halfLength: 12, seed: 7, low: 1 })).toEqual(ids);
    expect(repeatedRandomTokens({ vocabSize: 100, halfLength: 12, seed: 8, low: 1 })).not.toEqual(ids);
    // A vocabulary smaller than the half must repeat tokens, and still terminates.
    expect(new Set(repeatedRandomTokens({ vocabSize: 3, halfLength: 8 }))).toEqual(new Set([0, 1, 2]));
  });
});

describe('detectHeads on a GPT built to be a previous-token head', () => {
  it('scores head 0 near the ceiling (T-1)/T for previous token, and agrees with scoreHeads on its maps', async () => {
    const model = previousTokenGpt();
    const ids = [3, 1, 4, 1, 5, 2, 6, 5];
    const heads = await detectHeads(model, ids);
    expect(heads).toHaveLength(2);
    const [h0, h1] = heads;
    expect(h0).toMatchObject({ layer: 0, head: 0 });
    expect(h0.previousToken).toBeGreaterThan(0.99 * (7 / 8));
    expect(h0.previousToken).toBeLessThanOrEqual(7 / 8 + 1e-6);
    // Head 1 has zero weights: uniform causal attention, so its previous-token score is
    // sum over rows i >= 1 of 1/(i+1), over 8 rows.
    const uniform = [1, 2, 3, 4, 5, 6, 7].reduce((s, i) => s + 1 / (i + 1), 0) / 8;
    expect(h1.previousToken).toBeCloseTo(uniform, 5);
    // Duplicate tokens: 1 at 3 (copy at 1), 5 at 7 (copy at 4); uniform head gives 1/4 + 1/8, over 8 rows.
    expect(h1.duplicateToken).toBeCloseTo((1 / 4 + 1 / 8) / 8, 5);
    expect(scoreHeads(await attentionMaps(model, ids), ids)).toEqual(heads);
  });

  it('averages over several sequences, as TransformerLens does for a list of prompts', async () => {
    const model = previousTokenGpt();
    const a = [1, 2, 3, 1, 2, 3];
    const b = [4, 4, 5, 6, 4];
    const both = await detectHeads(model, [a, b]);
    const [sa, sb] = [await detectHeads(model, a), await detectHeads(model, b)];
    for (const [i, s] of both.entries()) {
      for (const kind of ['previousToken', 'duplicateToken', 'induction'] as const) expect(s[kind]).toBeCloseTo((sa[i][kind] + sb[i][kind]) / 2, 12);
    }
  });

  it('refuses sequences the model cannot read, naming the sequence', async () => {
    const model = previousTokenGpt();
    await expect(detectHeads(model, [1])).rejects.toThrow(/detectHeads \(sequence 0\): needs at least 2 tokens/);
    await expect(detectHeads(model, [[1, 2], [1, 99]])).rejects.toThrow(/detectHeads \(sequence 1\): token id 99 at position 1 is outside the vocabulary \[0, 10\)/);
    await expect(detectHeads(model, Array.from({ length: 9 }, () => 1))).rejects.toThrow(/9 tokens exceed the model's context of 8/);
  });
});
