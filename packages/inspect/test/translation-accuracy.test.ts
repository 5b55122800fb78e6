// Held-out exact-match accuracy of an encoder-decoder, against translate() itself: an
// example counts when its translation equals the expected ids exactly.
import { Transformer } from '@attn/model';
import { translate } from '@attn/sample';
import { describe, expect, it } from 'vitest';
import { translationAccuracy } from '../src/index.js';

const config = { srcVocabSize: 12, tgtVocabSize: 9, maxLen: 8, nEncoderLayer: 1, nDecoderLayer: 1, nHead: 2, dModel: 16, dFF: 32, bosId: 1, eosId: 2, dropout: 0.1 };

describe('translationAccuracy', () => {
  it('counts the examples whose whole translation equals the target, greedy and with a beam', () => {
    const model = new Transformer(config, { seed: 3 });
    model.train(); // must decode without dropout, and leave the mode as it was
    const sources = [[3, 4, 5], [6, 7], [8, 9, 10, 11]];
    model.eval();
    const greedy = sources.map((s) => translate(model, s, { maxTokens: 5 }).tokens);
    const beam = sources.map((s) => translate(model, s, { maxTokens: 5, beamWidth: 3 }).tokens);
    model.train();
    // The first two examples expect what the model says, the third something else.
    const examples = [
      { source: sources[0], target: greedy[0] },
      { source: sources[1], target: greedy[1] },
      { source: sources[2], target: [...greedy[2], 3] },
    ];
    const r = translationAccuracy(model, examples, { maxTokens: 5 });
    expect(model.training).toBe(true);
    expect([r.correct, r.total, r.beamWidth]).toEqual([2, 3, 1]);
    expect(r.accuracy).toBeCloseTo(2 / 3, 12);
    expect(r.results.map((x) => x.tokens)).toEqual(greedy);
    expect(r.results.map((x) => x.correct)).toEqual([true, true, false]);
    const b = translationAccuracy(model, sources.map((s, i) => ({ source: s, target: beam[i] })), { maxTokens: 5, beamWidth: 3 });
    expect([b.correct, b.beamWidth]).toEqual([3, 3]);
    // A prefix of the right answer is not a match.
    const prefix = translationAccuracy(model, [{ source: sources[0], target: greedy[0].slice(0, -1) }], { maxTokens: 5 });
    expect(greedy[0].length).toBeGreaterThan(0);
    expect(prefix.correct).toBe(0);
  });

  it('names the function and the example in errors', () => {
    const model = new Transformer(config, { seed: 3 });
    expect(() => translationAccuracy(model, [])).toThrow('translationAccuracy: needs at least one example');
    expect(() => translationAccuracy(model, [{ source: [3], target: [3] }], { beamWidth: 0 })).toThrow('translationAccuracy: beamWidth must be a positive integer, got 0');
    expect(() => translationAccuracy(model, [{ source: [3], target: [3] }, { source: [99], target: [3] }])).toThrow(/translationAccuracy: examples\[1\]: .*99/);
  });
});
