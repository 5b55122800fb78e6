// The built-in task recipes: the induction data really varies its repeat offset and keeps the
// held-out lengths out of training; the half losses agree with the model's own cross-entropy;
// the date held-out set leaves out every date the run trained on.
import { detectHeads } from '@attn/inspect';
import { crossEntropy } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import {
  DATE_RECIPE,
  dateHeldOut,
  dateModel,
  dateRunSettings,
  dateTaskData,
  dateTokenizer,
  dateTrainer,
  INDUCTION_RECIPE,
  inductionHalfLosses,
  inductionModel,
  inductionRows,
  inductionRunSettings,
  inductionSource,
  inductionTrainer,
  trainingHalves,
} from '../src/index.js';

describe('the induction recipe', () => {
  it('trains on repeats of many lengths (none of the held-out ones), one padded row each', () => {
    const halves = trainingHalves();
    expect(halves).toEqual([4, 5, 6, 8, 9, 10, 12, 13, 14, 16]);
    const source = inductionSource({ batchSize: 64, seed: 3 });
    const seen = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const { x, y, batch } = source.next();
      const T = x.length / batch;
      for (let b = 0; b < batch; b++) {
        const row = Array.from(x.subarray(b * T, (b + 1) * T));
        const targets = Array.from(y.subarray(b * T, (b + 1) * T));
        expect(row[0]).toBe(INDUCTION_RECIPE.vocabSize); // BOS
        const n = targets.filter((t) => t !== -100).length / 2; // 2n targets: the two halves
        seen.add(n);
        // The repeat: token 1 + n + i equals token 1 + i, so the offset is n, different row by row.
        for (let i2 = 0; i2 < n - 1; i2++) expect(row[1 + n + i2]).toBe(row[1 + i2]);
        // Padding after the row is masked out of the loss.
        expect(targets.slice(2 * n)).toEqual(new Array(T - 2 * n).fill(-100));
      }
    }
    expect([...seen].sort((a, b) => a - b)).toEqual(halves);
    for (const held of INDUCTION_RECIPE.heldOutHalves) expect(seen.has(held)).toBe(false);
  });

  it('measures the half losses as the model computes its loss (an independent cross-entropy on the same positions)', async () => {
    const model = inductionModel(2);
    const trainer = inductionTrainer(model, inductionRunSettings({ steps: 5, seed: 2 }));
    for (let i = 0; i < 5; i++) await trainer.step();
    model.eval();
    const losses = await inductionHalfLosses(model, 6, 99);
    // The same rows (same seed), through crossEntropy of @attn/tensor with the other positions masked.
    const rows = inductionRows([...INDUCTION_RECIPE.heldOutHalves], 'heldout', 6, 99);
    let first = 0;
    let repeated = 0;
    let firstN = 0;
    let repeatedN = 0;
    for (const row of rows) {
      const n = (row.length - 1) / 2;
      const T = row.length - 1;
      const ids = row.subarray(0, T);
      const mask = (keep: (t: number) => boolean) => Int32Array.from({ length: T }, (_, t) => (keep(t) ? row[t + 1] : -100));
      const { logits } = model.forward(ids);
      const V = model.vocabSize;
      const flat = logits.reshape([T, V]); // (T, V)
      const a = mask((t) => t + 1 <= n);
      const b = mask((t) => t + 1 >= n + 2);
      first += crossEntropy(flat, a).dataSync()[0] * n;
      repeated += crossEntropy(flat, b).dataSync()[0] * (n - 1);
      firstN += n;
      repeatedN += n - 1;
    }
    expect(losses.first).toBeCloseTo(first / firstN, 4);
    expect(losses.repeated).toBeCloseTo(repeated / repeatedN, 4);
    expect(losses.chance).toBeCloseTo(Math.log(64), 12);
    // After 5 steps nothing is learned: both halves sit near chance.
    expect(Math.abs(losses.first - losses.chance)).toBeLessThan(0.3);
    expect(Math.abs(losses.repeated - losses.chance)).toBeLessThan(0.3);
  });

  it('a few hundred steps leave no induction head on the held-out lengths, and the detector says so', async () => {
    // What 150 steps of this recipe learn is offsets, not induction: the repeated half of an unseen
    // length is predicted no better than chance, and no head attends to the earlier copy's successor.
    const model = inductionModel(1);
    const trainer = inductionTrainer(model, inductionRunSettings({ steps: 150 }));
    for (let i = 0; i < 150; i++) await trainer.step();
    const losses = await inductionHalfLosses(model, 12);
    expect(losses.repeated).toBeGreaterThan(losses.chance - 0.3);
    const sequences = inductionRows([11], 'heldout', 4, 5).map((r) => Array.from(r.subarray(0, 23)));
    const heads = await detectHeads(model, sequences);
    for (const h of heads) expect(h.induction).toBeLessThan(0.25);
  }, 60_000);
});

describe('the date recipe', () => {
  it('holds out dates the run never drew, and its tokenizer has the task vocabulary ids', () => {
    const task = dateTaskData();
    const tokenizer = dateTokenizer(task);
    expect(tokenizer.vocabSize).toBe(task.vocabulary.size);
    expect(tokenizer.encode('November 11, 2024')).toEqual(Array.from('November 11, 2024', (c) => task.vocabulary.id(c)));
    const run = dateRunSettings({ batchSize: 8, seed: 4 });
    const trained = new Set<string>();
    const model = dateModel(task, 4);
    const trainer = dateTrainer(model, task, run);
    const held = dateHeldOut(task, 50, run, 30);
    // Replay 30 batches of the same stream by hand: targets decoded from the batches.
    for (let i = 0; i < 30; i++) {
      const b = trainer.source.next();
      const T = b.tgt.length / b.batch;
      for (let r = 0; r < b.batch; r++) trained.add(tokenizer.decode(Array.from(b.targets.subarray(r * T, (r + 1) * T)).filter((id) => id >= 3)));
    }
    expect(trained.size).toBeGreaterThan(200);
    expect(held).toHaveLength(50);
    for (const e of held) {
      expect(trained.has(e.targetText)).toBe(false);
      expect(tokenizer.decode(e.source)).toBe(e.sourceText);
      expect(tokenizer.decode(e.target)).toBe(e.targetText);
    }
    expect(new Set(held.map((e) => e.targetText)).size).toBe(50);
    expect(DATE_RECIPE.formats).toEqual(['day-month-year', 'month-day-year']);
  });
});
