import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pca2d } from '../src/index.js';

describe('pca2d', () => {
  it('matches a hand-computed case', () => {
    // Centred already except for the constant third coordinate (mean 5).
    // Variance along x: (4 + 0 + 4 + 0) / 3 = 8/3; along y: (0 + 1 + 0 + 1) / 3 = 2/3.
    const result = pca2d([
      [2, 0, 5],
      [0, 1, 5],
      [-2, 0, 5],
      [0, -1, 5],
    ]);
    expect(result.mean).toEqual([0, 0, 5]);
    expect(result.explainedVariance[0]).toBeCloseTo(8 / 3, 10);
    expect(result.explainedVariance[1]).toBeCloseTo(2 / 3, 10);
    expect(result.explainedVarianceRatio[0]).toBeCloseTo(0.8, 10);
    expect(result.explainedVarianceRatio[1]).toBeCloseTo(0.2, 10);
    const expected = [
      [2, 0],
      [0, 1],
      [-2, 0],
      [0, -1],
    ];
    result.points.forEach((p, i) => {
      expect(p[0]).toBeCloseTo(expected[i][0], 8);
      expect(p[1]).toBeCloseTo(expected[i][1], 8);
    });
    expect(result.components[0].map((c) => Math.abs(c))).toEqual([1, expect.closeTo(0, 8), 0]);
  });

  it('finds a rotated axis: points on the line y = x', () => {
    // Projection onto (1, 1)/√2 of (t, t) is t·√2; the second axis carries no variance.
    const result = pca2d([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    const [a, b] = result.components[0];
    expect(a).toBeCloseTo(Math.SQRT1_2, 10);
    expect(b).toBeCloseTo(Math.SQRT1_2, 10);
    expect(result.points.map((p) => p[0])).toEqual([expect.closeTo(-Math.SQRT2, 10), expect.closeTo(0, 10), expect.closeTo(Math.SQRT2, 10)]);
    expect(result.explainedVariance[1]).toBeCloseTo(0, 12);
    for (const p of result.points) expect(p[1]).toBeCloseTo(0, 10);
  });

  it('matches NumPy SVD on random anisotropic data (golden fixture)', () => {
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/pca.json', import.meta.url), 'utf8'));
    const result = pca2d(fixture.vectors);
    for (let j = 0; j < fixture.mean.length; j++) expect(result.mean[j]).toBeCloseTo(fixture.mean[j], 10);
    for (let a = 0; a < 2; a++) {
      expect(result.explainedVariance[a]).toBeCloseTo(fixture.explainedVariance[a], 8);
      expect(result.explainedVarianceRatio[a]).toBeCloseTo(fixture.explainedVarianceRatio[a], 8);
      result.components[a].forEach((c, j) => {
        expect(c).toBeCloseTo(fixture.components[a][j], 7);
      });
    }
    result.points.forEach((p, i) => {
      expect(p[0]).toBeCloseTo(fixture.points[i][0], 6);
      expect(p[1]).toBeCloseTo(fixture.points[i][1], 6);
    });
  });

  it('gives the same answer when d > n (via the Gram matrix)', () => {
    // Pad the 30 x 6 fixture with 34 zero columns: d = 40 > n = 30 takes the
    // Gram-matrix path, and the axes are the fixture's axes padded with zeros.
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/pca.json', import.meta.url), 'utf8'));
    const padded = fixture.vectors.map((v: number[]) => [...v, ...Array(34).fill(0)]);
    const result = pca2d(padded);
    for (let a = 0; a < 2; a++) {
      expect(result.explainedVariance[a]).toBeCloseTo(fixture.explainedVariance[a], 8);
      result.components[a].slice(0, 6).forEach((c, j) => {
        expect(c).toBeCloseTo(fixture.components[a][j], 7);
      });
      expect(result.components[a].slice(6).every((c) => c === 0)).toBe(true);
    }
    result.points.forEach((p, i) => {
      expect(p[0]).toBeCloseTo(fixture.points[i][0], 6);
      expect(p[1]).toBeCloseTo(fixture.points[i][1], 6);
    });
  });

  it('handles one vector and one dimension', () => {
    expect(pca2d([[3, 4]]).points).toEqual([[0, 0]]);
    const line = pca2d([[1], [3]]);
    // Centred values are -1 and 1; the only axis is (1).
    expect(line.points.map((p) => p[0])).toEqual([-1, 1]);
    expect(line.components).toEqual([[1], [0]]);
    expect(line.points.map((p) => p[1])).toEqual([0, 0]);
  });

  it('rejects bad input with a clear error', () => {
    expect(() => pca2d([])).toThrow(/pca2d: vectors must hold at least one vector/);
    expect(() => pca2d([[1, 2], [3]])).toThrow(/pca2d: vectors\[1\] has 1 values but 2 were expected/);
    expect(() => pca2d([[Number.POSITIVE_INFINITY]])).toThrow(/vectors\[0\]\[0\] must be a finite number/);
  });
});
