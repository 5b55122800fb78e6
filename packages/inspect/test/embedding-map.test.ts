// The embedding map: PCA coordinates (from @attn/viz, tested there against NumPy),
// neighbours by cosine similarity and group separation, against hand-computed values.
import { describe, expect, it } from 'vitest';
import { cosineSimilarity, embeddingMap, groupSeparation, InspectError, tokenEmbeddings } from '../src/index.js';
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
