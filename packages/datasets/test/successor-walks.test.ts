import { Rng } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import { DataError, successorWalks } from '../src/index';

describe('successorWalks', () => {
  it('starts every row with BOS and keeps ids in range', () => {
    const walks = successorWalks({ vocabSize: 8, length: 64 });
    expect(walks.bosId).toBe(8);
    expect(walks.modelVocabSize).toBe(9);
    for (const row of walks.rows(50, new Rng(1))) {
      expect(row.length).toBe(65);
      expect(row[0]).toBe(8);
      expect(Array.from(row.subarray(1)).every((t) => Number.isInteger(t) && t >= 0 && t < 8)).toBe(true);
    }
  });

  it('follows one successor map per row: with no jumps each token is always followed by the same token, and the map is a permutation', () => {
    const walks = successorWalks({ vocabSize: 6, length: 40, jump: 0 });
    const maps = walks.rows(30, new Rng(2)).map((row) => {
      const next = new Map<number, number>();
      for (let t = 1; t < row.length - 1; t++) {
        const seen = next.get(row[t]);
        if (seen !== undefined) expect(row[t + 1]).toBe(seen);
        next.set(row[t], row[t + 1]);
      }
      // Distinct tokens have distinct successors (a permutation), so a walk never merges into another's path.
      expect(new Set(next.values()).size).toBe(next.size);
      return JSON.stringify([...next.entries()].sort((a, b) => a[0] - b[0]));
    });
    expect(new Set(maps).size).toBeGreaterThan(20); // a new map in (nearly) every row: 720 possible
  });

  it('jumps at the rate asked: the share of steps that break the row\'s map', () => {
    // With jump p, a step leaves the map when it jumps and the fresh token is not the successor: p (1 - 1/V).
    const V = 8;
    const p = 0.1;
    const walks = successorWalks({ vocabSize: V, length: 200, jump: p });
    let broken = 0;
    let steps = 0;
    // The map is unknown to the test, but a token's successor is the one that follows it most often in the row.
    for (const row of walks.rows(200, new Rng(3))) {
      const counts = new Map<number, Map<number, number>>();
      for (let t = 1; t < row.length - 1; t++) {
        const c = counts.get(row[t]) ?? new Map<number, number>();
        c.set(row[t + 1], (c.get(row[t + 1]) ?? 0) + 1);
        counts.set(row[t], c);
      }
      for (const c of counts.values()) {
        const total = [...c.values()].reduce((a, b) => a + b, 0);
        broken += total - Math.max(...c.values());
        steps += total;
      }
    }
    const expected = p * (1 - 1 / V); // 0.0875
    expect(Math.abs(broken / steps - expected)).toBeLessThan(0.01); // 39,800 steps: about 7 standard deviations
  });

  it('is a function of the Rng: the same seed gives the same rows', () => {
    const walks = successorWalks();
    expect(walks.rows(10, new Rng(5))).toEqual(walks.rows(10, new Rng(5)));
    expect(walks.rows(10, new Rng(5))).not.toEqual(walks.rows(10, new Rng(6)));
  });

  it('refuses impossible settings, naming the option', () => {
    expect(() => successorWalks({ vocabSize: 1 })).toThrow(DataError);
    expect(() => successorWalks({ vocabSize: 1 })).toThrow('successorWalks: vocabSize must be an integer >= 2, got 1');
    expect(() => successorWalks({ length: 1.5 })).toThrow('successorWalks: length must be an integer >= 2, got 1.5');
    expect(() => successorWalks({ jump: 1 })).toThrow('successorWalks: jump must be a probability in [0, 1), got 1');
    expect(() => successorWalks().rows(0, new Rng(1))).toThrow('successorWalks: count must be an integer >= 1, got 0');
  });
});
