import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/index.js';

// Made by fixtures/mulberry32.py, an independent Python implementation of the same algorithm.
const reference = JSON.parse(readFileSync(new URL('./fixtures/mulberry32.json', import.meta.url), 'utf8')) as {
  next: Record<string, number[]>;
  int: { seed: number; n: number[]; values: number[] };
  shuffled: { seed: number; input: number[]; output: number[] };
};

describe('Rng (mulberry32)', () => {
  it('matches the Python reference stream for several seeds, negative ones included', () => {
    for (const [seed, values] of Object.entries(reference.next)) {
      const rng = new Rng(Number(seed));
      for (const v of values) expect(rng.next()).toBe(v);
    }
  });

  it('int(n) and shuffled() match the reference', () => {
    const rng = new Rng(reference.int.seed);
    const got = reference.int.n.flatMap((n) => [rng.int(n), rng.int(n), rng.int(n)]);
    expect(got).toEqual(reference.int.values);
    expect(new Rng(reference.shuffled.seed).shuffled(reference.shuffled.input)).toEqual(reference.shuffled.output);
  });

  it('int(n) stays in [0, n) and reaches both ends; shuffled leaves its input alone', () => {
    const rng = new Rng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = rng.int(5);
      expect(Number.isInteger(v) && v >= 0 && v < 5).toBe(true);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    const input = Array.from({ length: 50 }, (_, i) => i);
    const out = new Rng(3).shuffled(input);
    expect(out.slice().sort((a, b) => a - b)).toEqual(input);
    expect(input[0]).toBe(0);
  });

  it('getState/setState resume the same sequence, normals included, and refuse a bad state', () => {
    const a = new Rng(42);
    a.next();
    a.normal(); // leaves a spare normal behind
    const saved = JSON.parse(JSON.stringify(a.getState())); // survives a trip through JSON (checkpoint metadata)
    const expected = [a.normal(), a.next(), a.int(10), a.normal(), a.pick(['x', 'y', 'z'])];
    const b = new Rng(7);
    b.setState(saved);
    expect([b.normal(), b.next(), b.int(10), b.normal(), b.pick(['x', 'y', 'z'])]).toEqual(expected);
    const c = Rng.fromState(saved);
    expect([c.normal(), c.next()]).toEqual(expected.slice(0, 2));
    expect(() => b.setState({ state: -1, spare: null })).toThrow('Rng.setState: expected { state: uint32, spare: number | null }');
  });

  it('rejects bad arguments clearly', () => {
    expect(() => new Rng(Number.NaN)).toThrow(/Rng: seed must be a finite number/);
    expect(() => new Rng(1).int(0)).toThrow(/Rng.int/);
    expect(() => new Rng(1).pick([])).toThrow(/Rng.pick: empty/);
  });
});
