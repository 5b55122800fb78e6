// A head explained with real numbers must be the head the model runs: every step, recomputed
// in float64 from the weights, equals the forward pass's activations (hook_q/k/v, the hooked
// pattern and scores, hook_z), and the heads' contributions plus c_proj's bias add up to the
// attention block's output.
import { describe, expect, it } from 'vitest';
import { explainHead, gptHooks, InspectError, readActivations, type HostTensor, headRows, positionRow } from '../src/index.js';
import { randomGpt } from './models.js';

function expectClose(actual: number[], expected: number[], tol = 2e-5): void {
  expect(actual).toHaveLength(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  for (const [i, x] of actual.entries()) expect(Math.abs(x - expected[i]), `index ${i}: ${x} vs ${expected[i]}`).toBeLessThan(tol * scale);
}

describe('explainHead on a GPT', () => {
  const ids = [4, 17, 9, 4, 22, 0, 13, 9, 5];
  for (const bias of [true, false]) {
    for (const [layer, head, query] of [
      [0, 2, 8],
      [1, 1, 5],
      [1, 3, 0],
    ] as const) {
      it(`layer ${layer} head ${head}, query ${query}${bias ? '' : ', no biases'}: every step equals the forward pass`, async () => {
        const model = randomGpt({ bias, seed: 11 });
        const e = await explainHead(model, ids, { layer, head, query, labels: ids.map((id) => `t${id}`) });
        const names = [gptHooks.residPre(0), gptHooks.attnInput(layer), gptHooks.q(layer), gptHooks.k(layer), gptHooks.v(layer), gptHooks.scores(layer), gptHooks.pattern(layer), gptHooks.z(layer), gptHooks.attnOut(layer)];
        const { values } = await readActivations(model, ids, names);
        const a = (name: string): HostTensor => values.get(name)!;

        // Step 1: the embedding sum is the stream entering block 0; the head reads ln_1 of its layer's stream.
        for (let i = 0; i < ids.length; i++) {
          expectClose(e.embeddings.sum[i], positionRow(a(gptHooks.residPre(0)), i));
          expectClose(e.input[i], positionRow(a(gptHooks.attnInput(layer)), i), 1e-4);
        }
        // Steps 2-3: every token's q, k, v.
        expect(e.projections.query.shape).toEqual([24, 6]);
        const [q, k, v] = [gptHooks.q(layer), gptHooks.k(layer), gptHooks.v(layer)].map((n) => headRows(a(n), head));
        for (let i = 0; i < ids.length; i++) {
          expectClose(e.queries[i], q[i], 1e-4);
          expectClose(e.keysByToken[i], k[i], 1e-4);
          expectClose(e.valuesByToken[i], v[i], 1e-4);
        }
        // Steps 4-5: scaled scores and weights over the keys at or before the query; later keys get 0.
        expect(e.keys).toEqual(Array.from({ length: query + 1 }, (_, j) => j));
        expect(e.masked).toEqual(Array.from({ length: ids.length - query - 1 }, (_, j) => query + 1 + j));
        expect(e.scale).toBe(1 / Math.sqrt(6));
        const scores = headRows(a(gptHooks.scores(layer)), head)[query];
        const pattern = headRows(a(gptHooks.pattern(layer)), head)[query];
        expectClose(e.scaledScores, scores.slice(0, query + 1), 1e-4);
        expectClose(e.weights, pattern.slice(0, query + 1), 1e-5);
        for (const j of e.masked) expect(pattern[j]).toBe(0);
        expect(e.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
        // Step 6: the weighted sum is hook_z's row.
        expectClose(e.output, headRows(a(gptHooks.z(layer)), head)[query], 1e-4);
        expect(e.steps.map((s) => s.id)).toEqual(['embeddings', 'weights', 'qkv', 'scores', 'softmax', 'output']);
      });
    }
  }

  it('the heads’ contributions through c_proj plus its bias are the attention block’s output', async () => {
    const model = randomGpt({ seed: 3 });
    const layer = 1;
    const query = 6;
    const total = new Array<number>(24).fill(0);
    for (let head = 0; head < 4; head++) {
      const e = await explainHead(model, ids, { layer, head, query });
      expect(e.projection!.matrix.shape).toEqual([6, 24]);
      e.projection!.contribution.forEach((x, c) => {
        total[c] += x;
      });
    }
    const bias = model.getParameter(`transformer.h.${layer}.attn.c_proj.bias`).dataSync();
    const { values } = await readActivations(model, ids, [gptHooks.attnOut(layer)]);
    expectClose(
      total.map((x, c) => x + bias[c]),
      positionRow(values.get(gptHooks.attnOut(layer))!, query),
      1e-4,
    );
  });

  it('defaults to the last token and labels tokens by id', async () => {
    const e = await explainHead(randomGpt(), [1, 2, 3], { layer: 0, head: 0 });
    expect(e.queryIndex).toBe(2);
    expect(e.query).toBe('3');
    expect(e.masked).toEqual([]);
    expect(e.source).toBe('checkpoint');
    expect(e.steps[0].rows.map(([label]) => label).slice(0, 5)).toEqual(['3: token embedding', '3: position 2 embedding', '3: sum', '1: sum', '1: after ln_1']);
  });

  it('rejects a layer, head or query that does not exist, with the valid range', async () => {
    const model = randomGpt();
    await expect(explainHead(model, [1, 2], { layer: 2, head: 0 })).rejects.toThrow(/explainHead: layer must be an integer in 0..1, got 2/);
    await expect(explainHead(model, [1, 2], { layer: 0, head: 4 })).rejects.toThrow(/head must be an integer in 0..3/);
    await expect(explainHead(model, [1, 2], { layer: 0, head: 0, query: 2 })).rejects.toThrow(InspectError);
    await expect(explainHead(model, [1, 2], { layer: 0, head: 0, labels: ['a'] })).rejects.toThrow(/labels has 1 entries for 2 tokens/);
  });
});
