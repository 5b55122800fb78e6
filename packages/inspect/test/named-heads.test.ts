// Naming the head that does a job: the pointer (coreference) score and the induction score,
// end to end on a GPT built so that head 0 attends to the previous token.
import { describe, expect, it } from 'vitest';
import { bestPossibleScore, corefScore, detectHeads, inductionPattern, inductionScore, pointerScore, repeatedRandomTokens } from '../src/index.js';
import { previousTokenGpt } from './models.js';

describe('pointerScore', () => {
  it('finds the head whose attention from a position peaks on the one before it', async () => {
    const model = previousTokenGpt();
    const examples = [
      { ids: [3, 1, 4, 1, 5], from: 4, to: 3 },
      { ids: [2, 7, 1, 8], from: 2, to: 1 },
      { ids: [9, 9, 9], from: 1, to: 0 },
    ];
    const r = await pointerScore(model, examples);
    expect(r.perHead).toEqual([[1, 0]]); // head 1 attends uniformly: a tie is no peak
    expect([r.layer, r.head, r.score, r.examples]).toEqual([0, 0, 1, 3]);
  });

  it('corefScore: the share of sentences where attention from "it" peaks on the referent', async () => {
    const model = previousTokenGpt();
    const vocabulary = ['<pad>', 'the', 'box', 'ball', 'it', 'was', 'big'];
    const encode = (words: readonly string[]) => words.map((w) => vocabulary.indexOf(w));
    // In the first sentence the referent is right before "it" (a previous-token head finds it); in the second it is not.
    const examples = [
      { tokens: ['the', 'box', 'was', 'big', 'ball', 'it'], itIndex: 5, referentIndex: 4 },
      { tokens: ['the', 'ball', 'was', 'big', 'it', 'ball'], itIndex: 4, referentIndex: 1 },
    ];
    const s = await corefScore(model, examples, encode);
    expect(s.sentences).toBe(2);
    expect(s.perHead[0][0]).toBe(0.5);
    expect([s.layer, s.head, s.share]).toEqual([0, 0, 0.5]);
  });
});

describe('inductionScore', () => {
  it('averages TransformerLens’s induction score over held-out repeated sequences', async () => {
    const model = previousTokenGpt();
    const r = await inductionScore(model, { sequences: 3, halfLength: 4, seed: 5 });
    expect([r.sequences, r.halfLength]).toEqual([3, 4]);
    const sequences = [5, 6, 7].map((seed) => repeatedRandomTokens({ vocabSize: 10, halfLength: 4, seed }));
    const direct = await detectHeads(model, sequences);
    expect(r.perHead).toEqual([[direct[0].induction, direct[1].induction]]);
    // A previous-token head is no induction head: with distinct tokens in each half, its
    // attention to i - 1 never lands on an induction target (which is i - 3 here).
    expect(r.perHead[0][0]).toBeLessThan(0.01);
  });

  it('states the ceiling a perfect head would reach on the same sequences (about 0.5)', async () => {
    const r = await inductionScore(previousTokenGpt(), { sequences: 2, halfLength: 4, seed: 5 });
    // Distinct tokens in each half: the 4 rows of the repeated half each have one target, the first 4 none.
    expect(r.ceiling).toBe(4 / 8);
    expect(r.sample).toEqual(repeatedRandomTokens({ vocabSize: 10, halfLength: 4, seed: 5 }));
  });

  it('puts bosId in front of every sequence and never draws it, as TransformerLens’s prepend_bos', async () => {
    const model = previousTokenGpt(); // vocabulary 10: ids 0..8 are "tokens", 9 plays BOS
    const r = await inductionScore(model, { sequences: 3, halfLength: 3, seed: 1, high: 9, bosId: 9 });
    const sequences = [1, 2, 3].map((seed) => [9, ...repeatedRandomTokens({ vocabSize: 9, halfLength: 3, seed })]);
    expect(r.sample).toEqual(sequences[0]);
    expect(r.sample.slice(1)).not.toContain(9);
    const direct = await detectHeads(model, sequences);
    expect(r.perHead).toEqual([[direct[0].induction, direct[1].induction]]);
    // 7 rows, the 3 of the repeated half have a target: 3 / 7, the same for every sequence.
    expect(r.ceiling).toBeCloseTo(3 / 7, 12);
    expect(r.ceiling).toBeCloseTo(bestPossibleScore(inductionPattern(sequences[2])), 12);
    // With BOS the default half is one shorter: (8 - 1) / 2 -> 3.
    expect((await inductionScore(model, { sequences: 1, high: 9, bosId: 9 })).halfLength).toBe(3);
  });

  it('cuts each sequence to `length` tokens, for a model whose context is one shorter than a whole sequence', async () => {
    const model = previousTokenGpt(); // context 8
    // BOS + 4 + 4 = 9 tokens do not fit; cut to 8, the last repeated token is left out.
    const r = await inductionScore(model, { sequences: 2, halfLength: 4, seed: 3, high: 9, bosId: 9, length: 8 });
    const sequences = [3, 4].map((seed) => [9, ...repeatedRandomTokens({ vocabSize: 9, halfLength: 4, seed })].slice(0, 8));
    expect(r.sample).toEqual(sequences[0]);
    const direct = await detectHeads(model, sequences);
    expect(r.perHead).toEqual([[direct[0].induction, direct[1].induction]]);
    expect(r.ceiling).toBeCloseTo(3 / 8, 12); // 3 repeated tokens with a target in 8 rows
    await expect(inductionScore(model, { halfLength: 4, high: 9, bosId: 9, length: 9 })).rejects.toThrow(
      'inductionScore: length must be an integer in 6..8 (past the first half, within the sequence and the context of 8), got 9',
    );
    await expect(inductionScore(model, { halfLength: 4, high: 9, bosId: 9 })).rejects.toThrow(/halfLength must be an integer in 1..3/);
  });

  it('refuses a bosId that could be drawn, and a high outside the vocabulary', async () => {
    const model = previousTokenGpt();
    await expect(inductionScore(model, { bosId: 9 })).rejects.toThrow('inductionScore: bosId 9 lies in [0, 10), so it could also be drawn as a random token; pass high <= 9 or low > 9');
    await expect(inductionScore(model, { high: 11 })).rejects.toThrow(/inductionScore: high must be an integer in 1..10/);
    await expect(inductionScore(model, { bosId: 12, high: 9 })).rejects.toThrow(/bosId \(a token id\) must be an integer in 0..9, got 12/);
    await expect(inductionScore(model, { bosId: 9, high: 9, halfLength: 4 })).rejects.toThrow(/halfLength must be an integer in 1..3 \(two halves fit the context of 8 after the BOS token\), got 4/);
  });

  it('refuses halves that do not fit the context twice', async () => {
    await expect(inductionScore(previousTokenGpt(), { halfLength: 5 })).rejects.toThrow(/halfLength must be an integer in 1..4/);
  });
});
