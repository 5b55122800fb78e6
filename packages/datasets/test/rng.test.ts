import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../src/index';

// Made by fixtures/mulberry32.py, an independent Python implementation.
const reference: Record<string, number[]> = JSON.parse(
  readFileSync(new URL('./fixtures/mulberry32.json', import.meta.url), 'utf8'),
);

describe('createRng (mulberry32)', () => {
  it('matches the Python reference stream for several seeds', () => {
    for (const [seed, values] of Object.entries(reference)) {
      const rng = createRng(Number(seed));
      for (const v of values) expect(rng.next()).toBe(v);
    }
  });

  it('int(n) stays in [0, n) and reaches both ends', () => {
    const rng = createRng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = rng.int(5);
      expect(Number.isInteger(v) && v >= 0 && v < 5).toBe(true);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('shuffled returns a permutation and leaves the input alone', () => {
    const input = Array.from({ length: 50 }, (_, i) => i);
    const out = createRng(3).shuffled(input);
    expect(out).not.toEqual(input);
    expect(out.slice().sort((a, b) => a - b)).toEqual(input);
    expect(input[0]).toBe(0);
    expect(createRng(3).shuffled(input)).toEqual(out);
  });

  it('rejects bad arguments clearly', () => {
    expect(() => createRng(1.5)).toThrow(/createRng: seed must be an integer/);
    expect(() => createRng(1).int(0)).toThrow(/Rng.int/);
    expect(() => createRng(1).pick([])).toThrow(/Rng.pick: empty/);
  });
});
