import { describe, expect, it } from 'vitest';
import { Rng } from '@attn/tensor';
import { sampleBatch, splitExamples, splitInOrder, splitSeeded } from '../src/index';

const arange = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe('splitInOrder', () => {
  it('takes the first 90% for training as views', () => {
    const data = arange(1000);
    const { train, val } = splitInOrder(data);
    expect(train.length).toBe(900);
    expect(val.length).toBe(100);
    expect(train[899]).toBe(899);
    expect(val[0]).toBe(900);
    expect(train.buffer).toBe(data.buffer); // no copy
  });

  it('splits text and other fractions', () => {
    expect(splitInOrder('abcdefghij', 0.3)).toEqual({ train: 'abcdefg', val: 'hij' });
    expect(() => splitInOrder('abc', 1)).toThrow(/splitInOrder: valFraction must be in \(0, 1\)/);
  });
});

describe('splitSeeded', () => {
  const data = Uint16Array.from({ length: 10_050 }, (_, i) => i % 65536);

  it('is deterministic in the seed and differs across seeds', () => {
    const a = splitSeeded(data, { seed: 1, chunkSize: 100 });
    const b = splitSeeded(data, { seed: 1, chunkSize: 100 });
    const c = splitSeeded(data, { seed: 2, chunkSize: 100 });
    expect(a.val).toEqual(b.val);
    expect(a.val).not.toEqual(c.val);
  });

  it('partitions whole chunks, keeping their order, with round(chunks * fraction) in validation', () => {
    const { train, val } = splitSeeded(data, { seed: 5, chunkSize: 100, valFraction: 0.1 });
    expect(train.length + val.length).toBe(data.length);
    // 101 chunks (the last holds 50) -> round(10.1) = 10 chunks in validation.
    const chunkStarts = (part: Uint16Array) => {
      const starts: number[] = [];
      for (let i = 0; i < part.length; i++) if (part[i] % 100 === 0) starts.push(part[i] / 100);
      return starts;
    };
    const valChunks = chunkStarts(val);
    const trainChunks = chunkStarts(train);
    expect(valChunks).toHaveLength(10);
    expect([...valChunks, ...trainChunks].sort((p, q) => p - q)).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect(valChunks).toEqual(valChunks.slice().sort((p, q) => p - q));
    // Every chunk is intact: consecutive values within it.
    for (let i = 1; i < val.length; i++) if (val[i] % 100 !== 0) expect(val[i]).toBe(val[i - 1] + 1);
  });

  it('works on strings and rejects tiny inputs', () => {
    const { train, val } = splitSeeded('abcdefghijklmnopqrst', { chunkSize: 5, valFraction: 0.25, seed: 0 });
    expect(val).toHaveLength(5);
    expect([...train, ...val].sort().join('')).toBe('abcdefghijklmnopqrst');
    expect(() => splitSeeded('abc', { chunkSize: 5 })).toThrow(/need at least 2 chunks/);
  });
});

describe('splitExamples', () => {
  it('is a seeded partition of the items', () => {
    const items = Array.from({ length: 20 }, (_, i) => `e${i}`);
    const a = splitExamples(items, 0.25, 9);
    expect(a.val).toHaveLength(5);
    expect([...a.train, ...a.val].sort()).toEqual(items.slice().sort());
    expect(splitExamples(items, 0.25, 9)).toEqual(a);
    expect(splitExamples(items, 0.25, 10)).not.toEqual(a);
  });
});

describe('sampleBatch', () => {
  it('rows are contiguous windows and y is x shifted by one', () => {
    const tokens = Int32Array.from({ length: 300 }, (_, i) => 1000 + i);
    const B = 16;
    const T = 8;
    const { x, y } = sampleBatch(tokens, B, T, new Rng(1));
    expect(x.length).toBe(B * T);
    expect(y.length).toBe(B * T);
    for (let b = 0; b < B; b++) {
      const start = x[b * T] - 1000;
      for (let t = 0; t < T; t++) {
        expect(x[b * T + t]).toBe(tokens[start + t]);
        expect(y[b * T + t]).toBe(tokens[start + t + 1]);
      }
    }
  });

  it('reaches every valid start, including the last, and nothing beyond', () => {
    const tokens = Uint16Array.from(arange(12));
    const T = 4; // valid starts 0..7
    const starts = new Set<number>();
    const rng = new Rng(2);
    for (let i = 0; i < 200; i++) {
      const { x, y } = sampleBatch(tokens, 3, T, rng);
      for (let b = 0; b < 3; b++) starts.add(x[b * T]);
      expect(Math.max(...y)).toBeLessThanOrEqual(11);
    }
    expect([...starts].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('is deterministic in the rng seed', () => {
    const tokens = arange(500);
    expect(sampleBatch(tokens, 4, 10, new Rng(3))).toEqual(sampleBatch(tokens, 4, 10, new Rng(3)));
    expect(sampleBatch(tokens, 4, 10, new Rng(3)).x).not.toEqual(sampleBatch(tokens, 4, 10, new Rng(4)).x);
  });

  it('works with exactly blockSize + 1 tokens and rejects fewer', () => {
    const { x, y } = sampleBatch(arange(5), 2, 4, new Rng(0));
    expect(Array.from(x)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(Array.from(y)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    expect(() => sampleBatch(arange(4), 2, 4, new Rng(0))).toThrow(
      'sampleBatch: need at least blockSize + 1 = 5 tokens for one window, got 4',
    );
    expect(() => sampleBatch(arange(9), 0, 4, new Rng(0))).toThrow(/batchSize must be a positive integer/);
  });
});
