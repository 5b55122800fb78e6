// The built-in task recipes: the induction data are successor walks, resumable by batch index;
// the half losses agree with the model's own cross-entropy; the date held-out set leaves out
// every date the run trained on. (That the recipe grows an induction head is
// induction-head.test.ts, on the wasm backend.)
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
  inductionRunSettings,
  inductionSource,
  inductionTestRows,
  inductionTrainer,
} from '../src/index.js';

describe('the induction recipe', () => {
  it('trains on successor walks: BOS, then each token followed by its row\'s successor (or a jump), no padding; batch i depends only on (seed, i)', () => {
    const source = inductionSource({ batchSize: 16, seed: 3 });
    const again = inductionSource({ batchSize: 16, seed: 3 });
    const T = INDUCTION_RECIPE.blockSize;
    let kept = 0;
    let steps = 0;
    for (let i = 0; i < 4; i++) {
      const { x, y, batch } = source.next();
      const twin = again.next();
      expect(twin.x).toEqual(x);
      expect(twin.y).toEqual(y);
      expect(x.length).toBe(batch * T);
      for (let b = 0; b < batch; b++) {
        const row = Array.from(x.subarray(b * T, (b + 1) * T));
        const targets = Array.from(y.subarray(b * T, (b + 1) * T));
        expect(row[0]).toBe(INDUCTION_RECIPE.vocabSize); // BOS
        expect(targets.every((t) => t >= 0 && t < INDUCTION_RECIPE.vocabSize)).toBe(true); // every position is a target
        for (let t = 0; t + 1 < T; t++) expect(targets[t]).toBe(row[t + 1]);
        // The walk's rule: a token is followed by what followed it the first time, except after a jump.
        const first = new Map<number, number>();
        for (let t = 1; t < T; t++) {
          const seen = first.get(row[t]);
          if (seen === undefined) first.set(row[t], targets[t]);
          else {
            steps++;
            if (targets[t] === seen) kept++;
          }
        }
      }
    }
    // Jumps (10%) and jumps that break the first recorded pair make some repeats differ; most agree.
    expect(kept / steps).toBeGreaterThan(0.75);
    expect(kept / steps).toBeLessThan(0.98);
  });

  it('measures the half losses as the model computes its loss (an independent cross-entropy on the same positions)', async () => {
    const model = inductionModel(2);
    const trainer = inductionTrainer(model, inductionRunSettings({ steps: 5, seed: 2 }));
    for (let i = 0; i < 5; i++) await trainer.step();
    model.eval();
    const losses = await inductionHalfLosses(model, 6, 99);
    // The same rows (same seed), through crossEntropy of @attn/tensor with the other positions masked.
    const rows = inductionTestRows([...INDUCTION_RECIPE.testHalves], 6, 99);
    let first = 0;
    let repeated = 0;
    let firstN = 0;
    let repeatedN = 0;
    for (const row of rows) {
      const n = (row.length - 1) / 2;
      expect(new Set(row.subarray(1, 1 + n)).size).toBe(n); // distinct tokens
      expect(Array.from(row.subarray(1 + n))).toEqual(Array.from(row.subarray(1, 1 + n))); // then the same again
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
    expect(losses.chance).toBeCloseTo(Math.log(8), 12);
    // After 5 steps nothing is learned: both halves sit near chance.
    expect(Math.abs(losses.first - losses.chance)).toBeLessThan(0.3);
    expect(Math.abs(losses.repeated - losses.chance)).toBeLessThan(0.3);
  });

  it('refuses test half lengths the vocabulary cannot fill with distinct tokens', () => {
    expect(() => inductionTestRows([9], 1, 1)).toThrow('inductionTestRows: half lengths must be integers in 2..8 (distinct tokens), got 9');
  });
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
