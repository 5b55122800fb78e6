// The embedding map: PCA coordinates (from @attn/viz, tested there against NumPy),
// neighbours by cosine similarity and group separation, against hand-computed values.
import { describe, expect, it } from 'vitest';
import { cosineSimilarity, embeddingMap, groupSeparation, InspectError, nearestTokens, tokenEmbeddings } from '../src/index.js';
import { randomGpt } from './models.js';

// Two tight groups: "animals" near the x axis, "containers" near the y axis.
const vectors = [
  [1, 0, 0],
  [1, 0.1, 0],
  [0.9, 0, 0.1],
  [0, 1, 0],
  [0.1, 1, 0],
];
const labels = ['cat', 'dog', 'cow', 'box', 'bag'];

describe('embeddingMap', () => {
  it('projects to 2-D and lists each token’s nearest neighbours by cosine similarity', () => {
    const map = embeddingMap(vectors, labels, { neighbours: 2 });
    expect(map.points).toHaveLength(5);
    expect(map.explainedVarianceRatio[0]).toBeGreaterThan(0.9); // two clusters: one axis separates them
    // The first axis separates the groups: animals on one side, containers on the other.
    const side = map.points.map(([x]) => Math.sign(x));
    expect(new Set(side.slice(0, 3)).size).toBe(1);
    expect(side[3]).toBe(side[4]);
    expect(side[3]).not.toBe(side[0]);
    expect(map.neighbours[3].map((n) => n.label)).toEqual(['bag', 'dog']);
    expect(map.neighbours[3][0].similarity).toBeCloseTo(1 / Math.sqrt(1.01), 12); // box · bag = 1 / |bag|
    expect(map.separation).toBeUndefined();
  });

  it('measures mean cosine distance within and between groups', () => {
    const groups = [
      { name: 'animals', members: [0, 1, 2] },
      { name: 'containers', members: [3, 4] },
    ];
    const s = groupSeparation(vectors, groups);
    const d = (a: number, b: number) => 1 - cosineSimilarity(vectors[a], vectors[b]);
    const within = [d(0, 1), d(0, 2), d(1, 2), d(3, 4)];
    const between = [0, 1, 2].flatMap((a) => [3, 4].map((b) => d(a, b)));
    const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
    expect(s.within).toBeCloseTo(mean(within), 12);
    expect(s.between).toBeCloseTo(mean(between), 12);
    expect(s.ratio).toBeCloseTo(mean(between) / mean(within), 12);
    expect(s.perGroup.containers).toBeCloseTo(d(3, 4), 12);
    expect([s.withinPairs, s.betweenPairs]).toEqual([4, 6]);
    expect(embeddingMap(vectors, labels, { groups }).separation).toEqual(s);
  });

  it('rejects overlapping or tiny groups and mismatched labels', () => {
    expect(() => groupSeparation(vectors, [{ name: 'a', members: [0, 1] }, { name: 'b', members: [1, 2] }])).toThrow(/token 1 is in two groups \('a' and 'b'\)/);
    expect(() => groupSeparation(vectors, [{ name: 'a', members: [0] }, { name: 'b', members: [1, 2] }])).toThrow(/group 'a' needs at least 2 members/);
    expect(() => embeddingMap(vectors, ['x'])).toThrow(InspectError);
  });

  it('tokenEmbeddings reads rows of wte', async () => {
    const model = randomGpt();
    const wte = model.getParameter('transformer.wte.weight').dataSync();
    const rows = await tokenEmbeddings(model, [4, 0]);
    expect(rows[0]).toEqual(Array.from(wte.subarray(4 * 24, 5 * 24)));
    expect(rows[1]).toEqual(Array.from(wte.subarray(0, 24)));
    expect(await tokenEmbeddings(model)).toHaveLength(23);
  });
});

describe('nearestTokens', () => {
  /** Every other token by cosine similarity in float64, most similar first: the reference. */
  function bruteForce(rows: number[][], id: number, among: number): Array<{ id: number; similarity: number }> {
    return rows
      .slice(0, among)
      .map((row, j) => ({ id: j, similarity: cosineSimilarity(rows[id], row) }))
      .filter((t) => t.id !== id)
      .sort((a, b) => b.similarity - a.similarity || a.id - b.id);
  }

  it('finds the most similar rows of the whole table, block by block, as a float64 comparison of every pair does', async () => {
    const model = randomGpt();
    const rows = await tokenEmbeddings(model);
    for (const rowsPerBlock of [4096, 5, 1]) {
      const near = await nearestTokens(model, [4, 0, 22], { k: 6, rowsPerBlock });
      for (const [q, id] of [4, 0, 22].entries()) {
        const expected = bruteForce(rows, id, rows.length).slice(0, 6);
        expect(near[q].map((t) => t.id)).toEqual(expected.map((t) => t.id));
        for (const [i, t] of near[q].entries()) expect(t.similarity).toBeCloseTo(expected[i].similarity, 5);
      }
    }
  });

  it('compares only ids below `among`, leaves the token itself out, and treats an all-zero row as similarity 0', async () => {
    const model = randomGpt();
    const wte = model.getParameter('transformer.wte.weight');
    const C = wte.shape[1];
    const values = Float32Array.from(wte.dataSync());
    values.fill(0, 7 * C, 8 * C); // token 7: all zeros
    for (let c = 0; c < C; c++) values[3 * C + c] = 2 * values[5 * C + c]; // token 3 points where token 5 does
    wte.assign(values);
    const [fromFive, fromZero] = await nearestTokens(model, [5, 7], { k: 3, among: 10 });
    expect(fromFive[0]).toEqual({ id: 3, similarity: expect.closeTo(1, 5) });
    expect(fromFive.every((t) => t.id < 10 && t.id !== 5)).toBe(true);
    expect(fromZero.map((t) => t.similarity)).toEqual([0, 0, 0]);
    expect(fromZero.map((t) => t.id)).toEqual([0, 1, 2]); // ties: lower ids first
    expect(await nearestTokens(model, [1], { k: 0 })).toEqual([[]]);
  });

  it('refuses ids outside the vocabulary and bad options, naming them', async () => {
    const model = randomGpt();
    await expect(nearestTokens(model, [23])).rejects.toThrow(/nearestTokens: token id 23 at position 0 is outside the vocabulary \[0, 23\)/);
    await expect(nearestTokens(model, [1], { among: 24 })).rejects.toThrow(/among must be a whole number from 1 to the vocabulary size 23, got 24/);
    await expect(nearestTokens(model, [1], { k: -1 })).rejects.toThrow(/k must be a non-negative integer/);
    await expect(nearestTokens(model, [1], { rowsPerBlock: 0 })).rejects.toThrow(/rowsPerBlock must be a positive integer/);
    await expect(nearestTokens(model, [1], { rowsPerBlock: 0 })).rejects.toThrow(InspectError);
  });
});
