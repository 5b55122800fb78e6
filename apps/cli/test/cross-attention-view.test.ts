import type { AttendedTranslation } from '@attn/inspect';
import { describe, expect, it } from 'vitest';
import { crossAttentionView } from '../src/tasks/cross-attention-view.js';

describe('crossAttentionView', () => {
  // One decoder layer, two heads; two output tokens over the input "ab, c" (5 characters).
  const t = {
    tokens: [7, 8],
    logProb: -1,
    cross: [
      [
        [[0.1, 0.3, 0.0, 0.0, 0.6], [0.5, 0.4, 0.1, 0.0, 0.0]],
        [[0.3, 0.1, 0.0, 0.0, 0.6], [0.1, 0.0, 0.1, 0.0, 0.8]],
      ],
    ],
  } as unknown as AttendedTranslation;
  const inputs = ['a', 'b', ',', ' ', 'c'];

  it('averages the heads (rows still sum to 1) or shows one', () => {
    const mean = crossAttentionView(t, 0, undefined, (id) => `#${id}`);
    expect(mean.outputLabels).toEqual(['#7', '#8']);
    expect(mean.weights[0][0]).toBeCloseTo(0.2, 12);
    expect(mean.weights[1][4]).toBeCloseTo(0.4, 12);
    for (const row of mean.weights) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(crossAttentionView(t, 0, 1, String).weights[1]).toEqual([0.1, 0.0, 0.1, 0.0, 0.8]);
  });

  it('names the input word (characters between spaces and commas) each output reads most', () => {
    const view = crossAttentionView(t, 0, undefined, String);
    // Output 0: "ab" gets 0.4, "c" 0.6. Output 1: "ab" gets 0.3 + 0.2 = 0.5, "c" 0.4 (the comma counts for no word).
    const reads = view.reads(inputs);
    expect(reads.map((r) => r.word)).toEqual(['c', 'ab']);
    expect(reads[0].share).toBeCloseTo(0.6, 12);
    expect(reads[1].share).toBeCloseTo(0.5, 12);
    expect(view.summary(inputs)[1]).toBe('  output  1 "8" reads "ab" (50% of its attention)');
  });
});
