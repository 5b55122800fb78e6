// The logit lens: its last row is the model's own prediction, and a middle row equals an
// independent float64 calculation (layer norm of the residual stream, then dot products with
// every token embedding, then a softmax).
import { describe, expect, it } from 'vitest';
import { gptHooks, inspectPrompt, layerNorm64, logitLens, positionRow, readActivations, topTokens } from '../src/index.js';
import { randomGpt } from './models.js';

describe('logitLens', () => {
  const ids = [5, 9, 2, 6, 5, 3];

  it('has the embeddings and every layer; the last row is the model’s output', async () => {
    const model = randomGpt();
    const lens = await logitLens(model, ids, { k: 3 });
    expect(lens.map((l) => l.label)).toEqual(['embeddings', 'layer 0', 'layer 1']);
    expect(lens.map((l) => l.hook)).toEqual([gptHooks.residPre(0), gptHooks.residPost(0), gptHooks.residPost(1)]);
    const { logits } = await readActivations(model, ids, []);
    for (let t = 0; t < ids.length; t++) {
      const expected = topTokens(positionRow(logits, t), 3);
      const got = lens[2].predictions[t];
      expect(got.map((p) => p.id)).toEqual(expected.map((p) => p.id));
      for (const [i, p] of got.entries()) expect(p.prob).toBeCloseTo(expected[i].prob, 5);
    }
  });

  it('reads layer 0’s stream through ln_f and the tied embedding, as a float64 calculation does', async () => {
    const model = randomGpt({ seed: 8 });
    const lens = await logitLens(model, ids);
    const { values } = await readActivations(model, ids, [gptHooks.residPost(0)]);
    const wte = model.getParameter('transformer.wte.weight').dataSync(); // (23, 24)
    const w = model.getParameter('transformer.ln_f.weight').dataSync();
    const b = model.getParameter('transformer.ln_f.bias').dataSync();
    for (let t = 0; t < ids.length; t++) {
      const x = layerNorm64(positionRow(values.get(gptHooks.residPost(0))!, t), w, b);
      const logits = Array.from({ length: 23 }, (_, v) => x.reduce((s, xi, c) => s + xi * wte[v * 24 + c], 0));
      const [best] = topTokens(logits, 1);
      expect(lens[1].predictions[t][0].id).toBe(best.id);
      expect(lens[1].predictions[t][0].prob).toBeCloseTo(best.prob, 5);
    }
  });

  it('inspectPrompt gives the same lens, attention and next tokens from one pass', async () => {
    const model = randomGpt();
    const all = await inspectPrompt(model, ids, { topK: 4 });
    expect(all.ids).toEqual(ids);
    // inspectPrompt materialises the patterns it reports, logitLens alone runs fused attention:
    // the same predictions, probabilities equal up to float32 summation order.
    const alone = await logitLens(model, ids);
    expect(all.logitLens.map((l) => [l.label, l.hook, l.predictions.map((row) => row.map((p) => p.id))])).toEqual(
      alone.map((l) => [l.label, l.hook, l.predictions.map((row) => row.map((p) => p.id))]),
    );
    for (const [d, l] of all.logitLens.entries()) {
      for (const [t, row] of l.predictions.entries()) {
        for (const [k, p] of row.entries()) expect(p.prob).toBeCloseTo(alone[d].predictions[t][k].prob, 6);
      }
    }
    expect(all.next).toHaveLength(4);
    expect(all.next[0]).toEqual(all.logitLens[2].predictions[ids.length - 1][0]);
    expect(all.heads).toHaveLength(8);
    expect(all.attention[1][3][5]).toHaveLength(6);
    const single = await inspectPrompt(model, [4]);
    expect(single.heads).toEqual([]); // the detector needs two tokens
  });
});
