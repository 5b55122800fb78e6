import { randn, Rng } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import { GPTBlock, TransformerDecoderBlock, TransformerEncoderBlock } from '../src/index.js';

describe('GPTBlock', () => {
  it('is the causal pre-norm encoder block: same parameters, same output, future positions invisible', () => {
    const gpt = new GPTBlock({ dModel: 8, nHead: 2, rng: new Rng(3) }).eval();
    const enc = new TransformerEncoderBlock({ dModel: 8, nHead: 2, causal: true, norm: 'pre', rng: new Rng(3) }).eval();
    expect(gpt.norm).toBe('pre');
    expect(gpt.attn.causal).toBe(true);
    const x = randn([1, 5, 8], { rng: new Rng(9) });
    expect(Array.from(gpt.forward(x).dataSync())).toEqual(Array.from(enc.forward(x).dataSync()));
    // Changing the last position leaves the outputs of the earlier ones alone.
    const values = Float32Array.from(x.dataSync());
    for (let c = 0; c < 8; c++) values[4 * 8 + c] += 1;
    const y = gpt.forward(randn([1, 5, 8], { rng: new Rng(9) })).dataSync();
    const y2 = gpt.forward(x.detach().assign(values)).dataSync();
    for (let i = 0; i < 4 * 8; i++) expect(y2[i]).toBeCloseTo(y[i], 6);
  });
});

describe('init: false', () => {
  it('leaves weights at zero and draws nothing from the generator (for loading a checkpoint)', () => {
    const rng = new Rng(5);
    const before = rng.getState();
    for (const block of [new GPTBlock({ dModel: 8, nHead: 2, rng, init: false }), new TransformerDecoderBlock({ dModel: 8, nHead: 2, rng, init: false })]) {
      for (const [name, p] of block.namedParameters()) {
        const want = name.startsWith('ln') && name.endsWith('.weight') ? 1 : 0; // LayerNorm gains start at one, as always
        expect(p.dataSync().every((v) => v === want), name).toBe(true);
      }
    }
    expect(rng.getState()).toEqual(before);
    const drawn = new GPTBlock({ dModel: 8, nHead: 2, rng });
    expect(drawn.attn.c_attn.weight.dataSync().some((v) => v !== 0)).toBe(true);
  });
});
