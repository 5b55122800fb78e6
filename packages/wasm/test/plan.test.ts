// How work is shared among threads: element and row ranges (splitRange) and
// matmul calls cut into bands of rows or columns (splitCalls), checked by
// reassembling the shares.
import { describe, expect, it } from 'vitest';
import { planMatmul, splitCalls } from '../src/index.js';
import { splitDepth } from '../src/plan.js';
import { splitRange } from '../src/tasks.js';

describe('splitRange', () => {
  it('covers [0, n) exactly with aligned inner boundaries', () => {
    for (const [n, parts, align] of [
      [100, 2, 16],
      [7, 2, 1],
      [1000, 3, 16],
      [33, 4, 8],
    ]) {
      const ranges = splitRange(n, parts, align);
      expect(ranges[0][0]).toBe(0);
      expect(ranges.at(-1)![1]).toBe(n);
      for (let i = 1; i < ranges.length; i++) {
        expect(ranges[i][0]).toBe(ranges[i - 1][1]);
        expect(ranges[i][0] % align).toBe(0);
      }
      expect(ranges.length).toBeLessThanOrEqual(parts);
    }
    expect(splitRange(100, 2, 16)).toEqual([
      [0, 48],
      [48, 100],
    ]);
  });

  it('gives fewer ranges than asked when there is too little to share', () => {
    expect(splitRange(10, 2, 16)).toEqual([[0, 10]]);
    expect(splitRange(1, 4)).toEqual([[0, 1]]);
    expect(splitRange(0, 2)).toEqual([]);
  });
});

describe('splitCalls', () => {
  /** Which output element each share writes, to check that shares tile C exactly once. */
  function coverage(aShape: number[], bShape: number[], threads: number, opts = {}): { counts: number[]; parts: number } {
    const plan = planMatmul(aShape, bShape, opts);
    const size = plan.outShape.reduce((p, d) => p * d, 1);
    const counts = new Array<number>(size).fill(0);
    const parts = splitCalls(plan.calls, threads);
    for (const part of parts) for (const c of part) for (let i = 0; i < c.M; i++) for (let j = 0; j < c.N; j++) counts[c.cOffset + i * c.ldc + j]++;
    return { counts, parts: parts.filter((p) => p.length > 0).length };
  }

  it('cuts a tall product into row bands and a wide one into column bands', () => {
    const tall = splitCalls(planMatmul([768, 128], [128, 384]).calls, 2);
    expect(tall.map((p) => p.map((c) => [c.M, c.N]))).toEqual([[[384, 384]], [[384, 384]]]);
    const wide = splitCalls(planMatmul([128, 768], [768, 384]).calls, 2);
    expect(wide.map((p) => p.map((c) => [c.M, c.N]))).toEqual([[[128, 192]], [[128, 192]]]);
    const weightGrad = splitCalls(planMatmul([768, 128], [768, 384], { transA: true }).calls, 2);
    expect(weightGrad.map((p) => p.map((c) => [c.M, c.N]))).toEqual([[[128, 192]], [[128, 192]]]);
  });

  it('tiles the output exactly once for odd shapes, transposes and batches', () => {
    for (const [a, b, opts, threads] of [
      [[130, 31], [31, 70], {}, 2],
      [[9, 40], [40, 1100], {}, 2],
      [[3, 10, 12], [3, 12, 7], {}, 2],
      [[5, 8, 6], [5, 8, 9], { transA: true }, 2],
      [[64, 96], [80, 64], { transA: true, transB: true }, 3],
      [[1, 300], [300, 33], {}, 2],
    ] as const) {
      const { counts } = coverage([...a], [...b], threads, opts);
      expect(counts.every((c) => c === 1), `${a} @ ${b}`).toBe(true);
    }
  });

  it('gives whole matrices to threads when the batch divides evenly', () => {
    const parts = splitCalls(planMatmul([4, 2, 16, 8], [4, 2, 16, 8], { transB: true }).calls, 2);
    expect(parts.map((p) => p.length)).toEqual([4, 4]);
    expect(parts.flat().every((c) => c.M === 16 && c.N === 16)).toBe(true);
  });
});

describe('splitDepth', () => {
  it('gives each thread a contiguous slice of the depth of a few-row product with a row-major B', () => {
    const [call] = planMatmul([1, 768], [768, 2304]).calls;
    const pieces = splitDepth(call, 2, 2)!;
    expect(pieces.map((p) => [p.K, p.aOffset, p.bOffset, p.cOffset])).toEqual([
      [384, 0, 0, 0],
      [384, 384, 384 * 2304, 0],
    ]);
    // A read transposed: its columns step by csa
    const [t] = planMatmul([100, 2], [100, 7], { transA: true }).calls;
    const slices = splitDepth(t, 2, 2)!;
    expect(slices.map((p) => [p.K, p.aOffset, p.bOffset])).toEqual([
      [48, 0, 0],
      [52, 48 * 2, 48 * 7],
    ]);
    expect(slices.reduce((k, p) => k + p.K, 0)).toBe(100);
  });

  it('does not apply to more rows, a transposed B, one thread or too little depth', () => {
    expect(splitDepth(planMatmul([3, 768], [768, 64]).calls[0], 2, 2)).toBeNull();
    expect(splitDepth(planMatmul([1, 768], [64, 768], { transB: true }).calls[0], 2, 2)).toBeNull();
    expect(splitDepth(planMatmul([1, 768], [768, 64]).calls[0], 1, 2)).toBeNull();
    expect(splitDepth(planMatmul([1, 31], [31, 64]).calls[0], 2, 2)).toBeNull();
  });
});
