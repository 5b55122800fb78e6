import { Rng } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import { DataError, inductionTask } from '../src/index';

const rows = (flat: Int32Array, width: number) => Array.from({ length: flat.length / width }, (_, i) => Array.from(flat.subarray(i * width, (i + 1) * width)));

describe('inductionTask', () => {
  it('builds [BOS] x_1..x_n x_1..x_n with ids in range', () => {
    const task = inductionTask({ vocabSize: 10, halfLength: 5 });
    expect(task.bosId).toBe(10);
    expect(task.modelVocabSize).toBe(11);
    expect(task.sequenceLength).toBe(11);
    for (const seq of rows(task.sequences('train', 50, new Rng(1)), 11)) {
      expect(seq[0]).toBe(10);
      expect(seq.slice(6)).toEqual(seq.slice(1, 6));
      expect(seq.slice(1).every((t) => Number.isInteger(t) && t >= 0 && t < 10)).toBe(true);
    }
    const plain = inductionTask({ vocabSize: 10, halfLength: 4, bos: false });
    expect(plain.bosId).toBeNull();
    expect(plain.modelVocabSize).toBe(10);
    for (const seq of rows(plain.sequences('heldout', 5, new Rng(2)), 8)) expect(seq.slice(4)).toEqual(seq.slice(0, 4));
  });

  it('draws uniform tokens with the seeded Rng: the same seed gives the same sequences', () => {
    const task = inductionTask({ vocabSize: 8, halfLength: 6 });
    expect(task.sequences('train', 20, new Rng(5))).toEqual(task.sequences('train', 20, new Rng(5)));
    expect(task.sequences('train', 20, new Rng(5))).not.toEqual(task.sequences('train', 20, new Rng(6)));
    // Every token appears about equally often in 2000 halves (12,000 draws, 1500 expected each).
    const counts = new Array(8).fill(0);
    for (const seq of rows(task.sequences('train', 2000, new Rng(9)), task.sequenceLength)) for (const t of seq.slice(1, 7)) counts[t]++;
    for (const c of counts) expect(Math.abs(c - 1500)).toBeLessThan(150); // about 4 standard deviations
    // Without `distinct`, a half may repeat a token (8 tokens, 6 draws: most halves do).
    expect(rows(task.sequences('train', 100, new Rng(3)), 13).some((s) => new Set(s.slice(1, 7)).size < 6)).toBe(true);
  });

  it('distinct halves never repeat a token', () => {
    const task = inductionTask({ vocabSize: 8, halfLength: 8, distinct: true });
    for (const seq of rows(task.sequences('train', 200, new Rng(4)), 17)) expect([...seq.slice(1, 9)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('keeps train and held-out disjoint, whatever the seeds', () => {
    const task = inductionTask({ vocabSize: 6, halfLength: 4, heldoutFraction: 0.25 }); // only 6^4 = 1296 possible halves
    const key = (s: number[]) => s.slice(1, 5).join(',');
    const train = new Set(rows(task.sequences('train', 3000, new Rng(1)), 9).map(key));
    const heldout = new Set(rows(task.sequences('heldout', 1000, new Rng(1)), 9).map(key));
    expect([...heldout].filter((h) => train.has(h))).toEqual([]);
    expect(train.size).toBeGreaterThan(500);
    expect(heldout.size).toBeGreaterThan(150);
    for (const h of heldout) expect(task.splitOf(h.split(',').map(Number))).toBe('heldout');
    // About heldoutFraction of all possible halves are held out (the hash spreads them evenly).
    let held = 0;
    for (let i = 0; i < 1296; i++) if (task.splitOf([i % 6, Math.floor(i / 6) % 6, Math.floor(i / 36) % 6, Math.floor(i / 216)]) === 'heldout') held++;
    expect(held / 1296).toBeGreaterThan(0.2);
    expect(held / 1296).toBeLessThan(0.3);
  });

  it('halves() lists prediction positions by where their target lies (hand-checked)', () => {
    // With BOS, n = 3: tokens [B a b c a b c] at 0..6; position t predicts token t + 1.
    // Targets 1..3 (a b c, first half) from t = 0..2; target 4 (the second a) follows c, not copyable;
    // targets 5, 6 (b, c again) from t = 4, 5.
    expect(inductionTask({ vocabSize: 5, halfLength: 3 }).halves()).toEqual({ first: [0, 1, 2], repeated: [4, 5] });
    // Without BOS, n = 3: [a b c a b c] at 0..5; targets 1, 2 from t = 0, 1; target 3 not copyable; 4, 5 from t = 3, 4.
    expect(inductionTask({ vocabSize: 5, halfLength: 3, bos: false }).halves()).toEqual({ first: [0, 1], repeated: [3, 4] });
  });

  it('batch: y is x shifted by one, and on the repeated positions the target is the token after the earlier copy', () => {
    const task = inductionTask({ vocabSize: 50, halfLength: 7 });
    const T = task.sequenceLength - 1;
    const n = task.halfLength;
    const { x, y } = task.batch('train', 16, new Rng(11));
    expect(x.length).toBe(16 * T);
    expect(y.length).toBe(16 * T);
    const { repeated } = task.halves();
    for (let b = 0; b < 16; b++) {
      for (let t = 0; t < T - 1; t++) expect(y[b * T + t]).toBe(x[b * T + t + 1]);
      // Copying: x[t] is the second copy of the token at t - n; its successor there, x[t - n + 1], is the target.
      for (const t of repeated) expect(y[b * T + t]).toBe(x[b * T + t - n + 1]);
    }
  });

  it('refuses impossible configurations with a DataError naming the option', () => {
    expect(() => inductionTask({ vocabSize: 1 })).toThrow(DataError);
    expect(() => inductionTask({ vocabSize: 1 })).toThrow(/vocabSize must be an integer >= 2, got 1/);
    expect(() => inductionTask({ halfLength: 1.5 })).toThrow(/halfLength must be an integer >= 2/);
    expect(() => inductionTask({ heldoutFraction: 1 })).toThrow(/heldoutFraction must be in \(0, 1\)/);
    expect(() => inductionTask({ vocabSize: 4, halfLength: 5, distinct: true })).toThrow(/need vocabSize >= 5/);
    const task = inductionTask({ vocabSize: 4, halfLength: 2 });
    expect(() => task.sequences('test' as 'train', 1, new Rng(1))).toThrow(/split must be "train" or "heldout"/);
    expect(() => task.batch('train', 0, new Rng(1))).toThrow(/batchSize must be an integer >= 1/);
  });
});
