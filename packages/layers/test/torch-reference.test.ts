// Golden outputs from PyTorch 1.13 (nn.MultiheadAttention,
// nn.TransformerEncoderLayer, nn.TransformerDecoderLayer in float64), made by
// fixtures/make_torch_reference.py. Weights were renamed to our paths and
// transposed to our [in, out] layout by the script, so these tests also pin
// down the layout and the post-/pre-norm arrangements.
import { readFileSync } from 'node:fs';
import { fromArray, type Tensor } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import {
  keyPaddingMask,
  type Module,
  MultiHeadAttention,
  type StateDictInput,
  TransformerDecoderBlock,
  TransformerEncoderBlock,
} from '../src/index.js';

interface Flat {
  shape: number[];
  data: number[];
}
interface Case {
  weights: Record<string, Flat>;
  output: Flat;
  attn?: Flat;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/torch-reference.json', import.meta.url), 'utf8')) as Record<
  string,
  Case
> & { x: Flat; context: Flat; padding: number[][] };

const f64 = (f: Flat): Tensor => fromArray(f.data, f.shape, { dtype: 'float64' });
const x = f64(fixture.x); // (2, 4, 8)
const context = f64(fixture.context); // (2, 3, 8)
const shared = { dModel: 8, nHead: 2, dtype: 'float64' as const };

function load<M extends Module>(module: M, c: Case): M {
  module.loadStateDict(c.weights as StateDictInput);
  return module.eval();
}

function expectMatches(actual: Tensor, expected: Flat): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  let worst = 0;
  expected.data.forEach((e, i) => {
    worst = Math.max(worst, Math.abs(a[i] - e));
  });
  expect(worst).toBeLessThan(1e-9);
}

describe('agreement with PyTorch', () => {
  it('causal self-attention: output and per-head weights', () => {
    const c = fixture.selfAttention;
    const mha = load(new MultiHeadAttention({ ...shared, causal: true }), c);
    const { output, weights } = mha.forward(x, { returnWeights: true });
    expectMatches(output, c.output);
    expectMatches(weights!, c.attn!); // (B, nh, T, T)
  });

  it('cross-attention with a key padding mask', () => {
    const c = fixture.crossAttention;
    const mha = load(new MultiHeadAttention({ ...shared, crossAttention: true }), c);
    const mask = keyPaddingMask(fixture.padding, 'float64');
    const { output, weights } = mha.forward(x, { context, mask, returnWeights: true });
    expectMatches(output, c.output);
    expectMatches(weights!, c.attn!); // (B, nh, T, S)
  });

  for (const norm of ['post', 'pre'] as const) {
    it(`TransformerEncoderLayer, ${norm}-norm, with source padding`, () => {
      const c = fixture[`encoder_${norm}`] as Case & { srcPadding: number[][] };
      const block = load(new TransformerEncoderBlock({ ...shared, dFF: 16, norm, activation: 'none' }), c);
      expectMatches(block.forward(x, { mask: keyPaddingMask(c.srcPadding, 'float64') }), c.output);
    });

    it(`TransformerDecoderLayer, ${norm}-norm, causal, with memory padding`, () => {
      const c = fixture[`decoder_${norm}`];
      const block = load(new TransformerDecoderBlock({ ...shared, dFF: 16, norm, activation: 'none' }), c);
      const out = block.forward(x, { context, contextMask: keyPaddingMask(fixture.padding, 'float64') });
      expectMatches(out, c.output);
    });
  }
});
