// The activation cache: what it keeps, that it is the forward pass's own numbers, that it
// leaves the model's mode alone, and that it frees what it holds.
import { noGrad } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import { attentionMaps, gptHooks, headsOf, InspectError, nextTokens, readActivations, runWithCache, topTokens } from '../src/index.js';
import { randomGpt } from './models.js';

describe('runWithCache', () => {
  it('keeps every activation by name, and the logits equal a plain forward pass', async () => {
    const model = randomGpt();
    const ids = [1, 5, 2, 9];
    const cache = runWithCache(model, ids);
    expect(cache.ids).toEqual(ids);
    for (const name of [gptHooks.embed, gptHooks.posEmbed, gptHooks.pattern(1), gptHooks.z(0), gptHooks.residPost(1), gptHooks.final]) expect(cache.activations.has(name)).toBe(true);
    // The plain pass runs fused attention (no weights kept), the cached one materialises the
    // pattern it records: the same numbers up to float32 summation order.
    const plain = noGrad(() => model.forward(ids).logits.dataSync());
    const cached = (await cache.read('logits')).data;
    expect(cached.length).toBe(plain.length);
    for (let i = 0; i < plain.length; i++) expect(Math.abs(cached[i] - plain[i])).toBeLessThan(1e-5);
    expect((await cache.read(gptHooks.pattern(1))).shape).toEqual([1, 4, 4, 4]);
    cache.dispose();
    expect(() => cache.get(gptHooks.embed)).toThrow(/the cache was disposed/);
  });

  it('keeps only what the filter asks for, and says what it kept when asked for more', () => {
    const model = randomGpt();
    const cache = runWithCache(model, [1, 2], { filter: [gptHooks.pattern(0)] });
    expect([...cache.activations.keys()]).toEqual([gptHooks.pattern(0)]);
    expect(() => cache.get(gptHooks.q(0))).toThrow(/no activation named 'transformer.h.0.attn.hook_q' was kept \(kept: transformer.h.0.attn.hook_pattern\)/);
    cache.dispose();
    const byPattern = runWithCache(model, [1, 2], { filter: /hook_resid_post$/ });
    expect([...byPattern.activations.keys()]).toEqual([gptHooks.residPost(0), gptHooks.residPost(1)]);
    byPattern.dispose();
  });

  it('runs without dropout and gives a model in training mode back in training mode', () => {
    const model = randomGpt();
    model.train();
    const cache = runWithCache(model, [3, 4]);
    expect(model.training).toBe(true);
    cache.dispose();
  });

  it('refuses ids the model cannot read, with an InspectError', () => {
    const model = randomGpt();
    expect(() => runWithCache(model, [])).toThrow(/runWithCache: needs at least 1 token, got 0/);
    expect(() => runWithCache(model, [1, 23])).toThrow(/token id 23 at position 1 is outside the vocabulary \[0, 23\)/);
    expect(() => runWithCache(model, new Array(17).fill(0))).toThrow(InspectError);
  });
});

describe('attention maps and next tokens', () => {
  it('maps are the forward pass’s returned attention, as [layer][head][query][key]', async () => {
    const model = randomGpt();
    const ids = [2, 7, 1, 8, 2, 8];
    const maps = await attentionMaps(model, ids);
    const returned = noGrad(() => model.forward(ids, { returnAttention: true }).attention!);
    expect(maps).toHaveLength(2);
    for (const [l, t] of returned.entries()) {
      const expected = headsOf({ shape: [...t.shape], data: Float32Array.from(t.dataSync()) });
      expect(maps[l]).toEqual(expected);
      for (const head of maps[l]) for (const row of head) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });

  it('topTokens: softmax in float64, most probable first, ties to the lower id', () => {
    // logits [1, 3, 3, 0]: exp / (e + 2e^3 + 1)
    const z = Math.E + 2 * Math.exp(3) + 1;
    expect(topTokens([1, 3, 3, 0], 3)).toEqual([
      { id: 1, prob: Math.exp(3) / z, logit: 3 },
      { id: 2, prob: Math.exp(3) / z, logit: 3 },
      { id: 0, prob: Math.E / z, logit: 1 },
    ]);
    expect(topTokens([0.5], 10)).toEqual([{ id: 0, prob: 1, logit: 0.5 }]);
    expect(() => topTokens([1, 2], 0)).toThrow(/k must be a positive integer/);
  });

  it('nextTokens reads the last position’s logits', async () => {
    const model = randomGpt();
    const ids = [3, 1, 4];
    const next = await nextTokens(model, ids, 5);
    const { logits } = await readActivations(model, ids, []);
    const last = Array.from(logits.data.subarray(2 * 23, 3 * 23));
    expect(next).toEqual(topTokens(last, 5));
    expect(next[0].id).toBe(last.indexOf(Math.max(...last)));
  });
});
