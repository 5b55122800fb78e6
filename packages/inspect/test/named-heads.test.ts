// Naming the head that does a job: the pointer (coreference) score and the induction score,
// end to end on a GPT built so that head 0 attends to the previous token.
import { describe, expect, it } from 'vitest';
import { corefScore, detectHeads, inductionScore, pointerScore, repeatedRandomTokens } from '../src/index.js';
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

  it('refuses halves that do not fit the context twice', async () => {
    await expect(inductionScore(previousTokenGpt(), { halfLength: 5 })).rejects.toThrow(/halfLength must be an integer in 1..4/);
  });
});
