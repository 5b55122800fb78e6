// Cross-attention maps of the encoder-decoder Transformer, read from hook points, against
// the attention the model returns itself, and padding that must get no attention.
import { Transformer } from '@attn/model';
import { translate } from '@attn/sample';
import { noGrad } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import { crossAttentionMaps, headsOf, translateWithAttention } from '../src/index.js';

const config = { srcVocabSize: 12, tgtVocabSize: 9, maxLen: 10, nEncoderLayer: 2, nDecoderLayer: 2, nHead: 2, dModel: 16, dFF: 32, bosId: 1, eosId: 2, dropout: 0.1 };

describe('crossAttentionMaps', () => {
  it('is [layer][head][target][source] and equals the model’s returned cross-attention (dropout off)', async () => {
    const model = new Transformer(config, { seed: 4 });
    model.train(); // inspection must switch dropout off by itself, and restore the mode
    const src = [3, 4, 5, 6, 7];
    const tgt = [1, 3, 4];
    const maps = await crossAttentionMaps(model, src, tgt);
    expect(model.training).toBe(true);
    expect(maps).toHaveLength(2);
    expect(maps[0]).toHaveLength(2);
    expect(maps[0][0]).toHaveLength(3);
    expect(maps[0][0][0]).toHaveLength(5);
    model.eval();
    const returned = noGrad(() => model.forward(src, tgt, { returnAttention: true }).attention!.cross);
    for (const [l, t] of returned.entries()) expect(maps[l]).toEqual(headsOf({ shape: [...t.shape], data: Float32Array.from(t.dataSync()) }));
    for (const row of maps[1][1]) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('gives padded source positions no attention', async () => {
    const model = new Transformer({ ...config, srcPadId: 0 }, { seed: 2 });
    const maps = await crossAttentionMaps(model, [5, 6, 0, 0], [1, 3]);
    for (const heads of maps) for (const rows of heads) for (const row of rows) expect(row.slice(2)).toEqual([0, 0]);
  });

  it('translateWithAttention: one row per generated token, from the pass over BOS + output', async () => {
    const model = new Transformer(config, { seed: 9 }).eval();
    const src = [3, 8, 5];
    const t = await translateWithAttention(model, src, { maxTokens: 4 });
    const direct = translate(model, src, { maxTokens: 4 });
    expect(t.tokens).toEqual(direct.tokens);
    expect(t.logProb).toBeCloseTo(direct.logProb, 5);
    const full = await crossAttentionMaps(model, src, [1, ...t.tokens]);
    expect(t.cross[1][0]).toEqual(full[1][0].slice(0, t.tokens.length));
    expect(t.cross[0][1]).toHaveLength(t.tokens.length);
  });

  it('names the function in errors', async () => {
    const model = new Transformer(config, { seed: 4 });
    await expect(crossAttentionMaps(model, [99], [1])).rejects.toThrow(/crossAttentionMaps: Transformer: source id 99/);
  });
});
