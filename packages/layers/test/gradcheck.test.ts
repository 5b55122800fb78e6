// Float64 gradient checks of every layer against central finite differences
// (tensor's gradcheck), with respect to the input and every parameter.
import { gradcheck, randn, Rng, type Tensor } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import {
  Embedding,
  FeedForward,
  GELU,
  LayerNorm,
  LearnedPositionalEmbedding,
  Linear,
  type Module,
  MultiHeadAttention,
  SinusoidalPositionalEncoding,
  TransformerDecoderBlock,
  TransformerEncoderBlock,
} from '../src/index.js';

const f64 = { dtype: 'float64' as const };

/** Checks d(forward)/d(input) and d(forward)/d(every parameter). */
function check(module: Module, forward: (x: Tensor) => Tensor, x: Tensor): void {
  // Larger-than-default weights so nothing is near-linear and every path matters.
  module.parameters().forEach((p, i) => {
    p.assign(randn([...p.shape], { ...f64, seed: 100 + i }).dataSync());
  });
  const result = gradcheck((input) => forward(input), [x, ...module.parameters()]);
  expect(result.ok, result.details.join('\n')).toBe(true);
  expect(result.maxRelError).toBeLessThan(1e-6);
}

describe('gradient checks (float64, central differences)', () => {
  const x = (shape: number[], seed = 11): Tensor => randn(shape, { ...f64, seed, requiresGrad: true });

  it('Linear, with and without bias', () => {
    const a = new Linear({ inFeatures: 3, outFeatures: 4, ...f64, rng: new Rng(1) });
    check(a, (t) => a.forward(t), x([2, 3, 3]));
    const b = new Linear({ inFeatures: 3, outFeatures: 2, bias: false, ...f64 });
    check(b, (t) => b.forward(t), x([5, 3]));
  });

  it('Embedding (rows used twice get summed gradients)', () => {
    const e = new Embedding({ numEmbeddings: 5, embeddingDim: 3, ...f64 });
    const ids = [1, 4, 1, 0];
    const result = gradcheck(() => e.forward(ids, [2, 2]), [e.weight]);
    expect(result.ok, result.details.join('\n')).toBe(true);
  });

  it('LayerNorm', () => {
    const ln = new LayerNorm({ dim: 5, ...f64 });
    check(ln, (t) => ln.forward(t), x([2, 3, 5]));
    const noBias = new LayerNorm({ dim: 5, bias: false, ...f64 });
    expect(Object.keys(noBias.stateDict())).toEqual(['weight']);
    check(noBias, (t) => noBias.forward(t), x([3, 5]));
  });

  it('GELU (tanh and exact)', () => {
    for (const approximate of ['tanh', 'none'] as const) {
      const g = new GELU({ approximate });
      check(g, (t) => g.forward(t), x([4, 3]));
    }
  });

  it('FeedForward', () => {
    const ff = new FeedForward({ dModel: 3, hidden: 5, ...f64 });
    check(ff, (t) => ff.forward(t), x([2, 2, 3]));
  });

  it('positional encodings', () => {
    const sin = new SinusoidalPositionalEncoding({ dim: 4, dtype: 'float64' });
    check(sin, (t) => sin.forward(t, 3), x([2, 3, 4]));
    const learned = new LearnedPositionalEmbedding({ maxLength: 6, dim: 3, ...f64 });
    const result = gradcheck(() => learned.forward(3, 2), [learned.weight]);
    expect(result.ok, result.details.join('\n')).toBe(true);
  });

  it('MultiHeadAttention: self (causal and not) and cross', () => {
    const self = new MultiHeadAttention({ dModel: 4, nHead: 2, ...f64 });
    for (const causal of [false, true]) check(self, (t) => self.forward(t, { causal }).output, x([2, 3, 4]));
    const cross = new MultiHeadAttention({ dModel: 4, nHead: 2, crossAttention: true, ...f64 });
    const context = x([2, 5, 4], 12);
    check(cross, (t) => cross.forward(t, { context }).output, x([2, 3, 4]));
    // And through the context (keys/values side).
    const result = gradcheck((c) => cross.forward(x([2, 3, 4], 13), { context: c }).output, [context]);
    expect(result.ok, result.details.join('\n')).toBe(true);
  });

  for (const norm of ['pre', 'post'] as const) {
    it(`TransformerEncoderBlock (${norm}-norm)`, () => {
      const block = new TransformerEncoderBlock({ dModel: 4, nHead: 2, dFF: 6, norm, ...f64 });
      check(block, (t) => block.forward(t), x([1, 3, 4]));
    });

    it(`TransformerDecoderBlock (${norm}-norm)`, () => {
      const block = new TransformerDecoderBlock({ dModel: 4, nHead: 2, dFF: 6, norm, ...f64 });
      const context = randn([1, 2, 4], { ...f64, seed: 21 });
      check(block, (t) => block.forward(t, { context }), x([1, 3, 4]));
    });
  }
});
