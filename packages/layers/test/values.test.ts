// Forward values of the simple layers, computed by hand.
import { tensor } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import {
  GELU,
  LayerNorm,
  LearnedPositionalEmbedding,
  Linear,
  SinusoidalPositionalEncoding,
  sinusoidalPositionalEncoding,
  TransformerEncoderBlock,
} from '../src/index.js';

const close = (actual: number[], expected: number[], digits = 5): void => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(a).toBeCloseTo(expected[i], digits);
  });
};

describe('layer values', () => {
  it('Linear computes x W + b with W stored [in, out]', () => {
    const lin = new Linear({ inFeatures: 2, outFeatures: 3 });
    lin.loadStateDict({ weight: tensor([[1, 2, 3], [4, 5, 6]]), bias: tensor([0.5, 0, -1]) });
    // [1, 1] @ W = [5, 7, 9]; [2, 0] @ W = [2, 4, 6]
    expect(lin.forward(tensor([[[1, 1], [2, 0]]])).toArray()).toEqual([[[5.5, 7, 8], [2.5, 4, 5]]]);
  });

  it('LayerNorm normalises the last dimension, then scales and shifts', () => {
    const ln = new LayerNorm({ dim: 3, eps: 0 });
    const z = 1 / Math.sqrt(2 / 3); // x = [1, 2, 3]: mean 2, population variance 2/3
    close(Array.from(ln.forward(tensor([1, 2, 3])).dataSync()), [-z, 0, z]);
    ln.loadStateDict({ weight: tensor([2, 2, 2]), bias: tensor([1, 1, 1]) });
    close(Array.from(ln.forward(tensor([1, 2, 3])).dataSync()), [1 - 2 * z, 1, 1 + 2 * z]);
  });

  it('GELU: tanh approximation and exact form', () => {
    const x = [-2, -0.5, 0, 1, 3];
    const tanhGelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    close(Array.from(new GELU().forward(tensor(x)).dataSync()), x.map(tanhGelu));
    // Exact GELU(1) = Phi(1) = 0.841344746..., GELU(-0.5) = -0.5 * Phi(-0.5) = -0.154268...
    const exact = Array.from(new GELU({ approximate: 'none' }).forward(tensor(x)).dataSync());
    expect(exact[3]).toBeCloseTo(0.8413447, 5);
    expect(exact[1]).toBeCloseTo(-0.1542687, 5);
  });

  it('sinusoidal positions follow sin(pos / 10000^(2i/C)), cos(...)', () => {
    const pe = sinusoidalPositionalEncoding(3, 4).toArray() as number[][];
    close(pe[0], [0, 1, 0, 1]);
    close(pe[2], [Math.sin(2), Math.cos(2), Math.sin(2 / 100), Math.cos(2 / 100)]);
    // An offset shifts positions (for incremental decoding).
    close((sinusoidalPositionalEncoding(1, 4, 2).toArray() as number[][])[0], pe[2]);
    const layer = new SinusoidalPositionalEncoding({ dim: 4 });
    close(Array.from(layer.forward(tensor([[[1, 1, 1, 1]]]), 2).dataSync()), pe[2].map((v) => v + 1));
  });

  it('learned positions read rows offset..offset+T-1 and refuse to run past maxLength', () => {
    const wpe = new LearnedPositionalEmbedding({ maxLength: 4, dim: 2 });
    wpe.loadStateDict({ weight: tensor([[0, 0], [1, 1], [2, 2], [3, 3]]) });
    expect(wpe.forward(2, 1).toArray()).toEqual([[1, 1], [2, 2]]);
    expect(() => wpe.forward(3, 2)).toThrow(/positions 2..4 exceed maxLength 4/);
  });

  it('bias: false removes every Linear and LayerNorm bias of a block', () => {
    const block = new TransformerEncoderBlock({ dModel: 8, nHead: 2, bias: false });
    expect(Object.keys(block.stateDict()).filter((k) => k.endsWith('bias'))).toEqual([]);
    expect(block.numParameters()).toBe(12 * 64 + 2 * 8);
  });
});
