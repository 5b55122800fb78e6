import { fromArray } from '@attn/tensor';
import { GPT, type GPTConfig } from '@attn/model';
import { describe, expect, it } from 'vitest';
import { lmLoss, perplexity, train } from '../src/index.js';

const tiny: GPTConfig = { vocabSize: 8, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: true };

describe('gradient accumulation', () => {
  it('two micro-batches of 4 take the same step as one batch of 8 (same windows)', async () => {
    const tokens = Int32Array.from({ length: 300 }, (_, i) => (i * 5 + (i % 7)) % 8);
    const data = { train: tokens, val: tokens };
    const common = { data, steps: 3, lr: 1e-2, warmup: 0, evalEvery: 0, seed: 11 };
    const a = new GPT(tiny, { seed: 5 });
    const b = new GPT(tiny, { seed: 5 });
    const ra = await train({ ...common, model: a, batchSize: 8, accumulate: 1 });
    const rb = await train({ ...common, model: b, batchSize: 4, accumulate: 2 });
    for (let i = 0; i < 3; i++) expect(rb.losses[i]).toBeCloseTo(ra.losses[i], 5);
    const pb = new Map(b.namedParameters());
    for (const [name, p] of a.namedParameters()) {
      const q = pb.get(name)?.dataSync() ?? new Float32Array();
      const diff = Math.max(...[...p.dataSync()].map((x, i) => Math.abs(x - q[i])));
      expect(diff, name).toBeLessThan(1e-4);
    }
  });
});

describe('lmLoss and perplexity', () => {
  it('match hand-computed values and skip ignored targets', () => {
    // Row 0: logits [0, ln 3] -> p(target 1) = 3/4; row 1 is ignored.
    const logits = fromArray([0, Math.log(3), 5, -5], [2, 2]);
    const loss = lmLoss(logits, [1, -100]);
    expect(loss.itemSync()).toBeCloseTo(-Math.log(0.75), 6);
    expect(perplexity(loss)).toBeCloseTo(4 / 3, 5);
    expect(() => perplexity(Number.NaN)).toThrow(/finite/);
  });
});
