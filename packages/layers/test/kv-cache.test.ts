// Incremental decoding with a KV cache must give the same numbers as running
// the whole sequence at once.
import { concat, noGrad, randn, Rng, type Tensor } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import {
  KVCache,
  LayerKVCache,
  MultiHeadAttention,
  TransformerDecoderBlock,
  TransformerEncoderBlock,
} from '../src/index.js';

function expectClose(actual: Tensor, expected: Tensor, tol: number): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  const b = expected.dataSync();
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).toBeLessThan(tol);
}

/** Feeds x (B, T, C) in chunks of the given sizes, returns the outputs concatenated along T. */
function incremental(step: (chunk: Tensor) => Tensor, x: Tensor, chunks: number[]): Tensor {
  const outs: Tensor[] = [];
  let start = 0;
  for (const n of chunks) {
    outs.push(step(x.slice(1, start, start + n))); // (B, n, C)
    start += n;
  }
  return concat(outs, 1); // (B, T, C)
}

describe('KV cache', () => {
  const x = randn([2, 6, 8], { seed: 7, dtype: 'float64' });

  it('causal MultiHeadAttention: token-by-token and chunked equal the full forward', () => {
    const mha = new MultiHeadAttention({ dModel: 8, nHead: 2, causal: true, dtype: 'float64', rng: new Rng(3) });
    noGrad(() => {
      const full = mha.forward(x, { returnWeights: true });
      for (const chunks of [[1, 1, 1, 1, 1, 1], [3, 2, 1], [6]]) {
        const cache = new LayerKVCache();
        const out = incremental((c) => mha.forward(c, { cache }).output, x, chunks);
        expectClose(out, full.output, 1e-12);
        expect(cache.length).toBe(6);
      }
      // The last query's weights from the cache equal the last row of the full weights.
      const cache = new LayerKVCache();
      mha.forward(x.slice(1, 0, 5), { cache });
      const last = mha.forward(x.slice(1, 5, 6), { cache, returnWeights: true }).weights!;
      expect(last.shape).toEqual([2, 2, 1, 6]);
      expectClose(last, full.weights!.slice(2, 5, 6), 1e-12);
    });
  });

  it('float32 incremental matches full to 1e-5', () => {
    const mha = new MultiHeadAttention({ dModel: 8, nHead: 4, causal: true, rng: new Rng(4) });
    const x32 = randn([1, 5, 8], { seed: 8 });
    const cache = new LayerKVCache();
    const full = mha.forward(x32).output;
    expectClose(incremental((c) => mha.forward(c, { cache }).output, x32, [2, 1, 1, 1]), full, 1e-5);
  });

  it('a causal pre-norm block stack (GPT-style) decodes incrementally', () => {
    const blocks = [0, 1].map(
      (i) => new TransformerEncoderBlock({ dModel: 8, nHead: 2, causal: true, dtype: 'float64', rng: new Rng(10 + i) }),
    );
    const run = (h: Tensor, kv?: KVCache): Tensor =>
      blocks.reduce((acc, block, i) => block.forward(acc, { cache: kv?.layer(i) }), h);
    const kv = new KVCache();
    expectClose(
      incremental((c) => run(c, kv), x, [2, 1, 3]),
      run(x),
      1e-12,
    );
    expect(kv.length).toBe(6);
    kv.clear();
    expect(kv.length).toBe(0);
  });

  it('a decoder block with cross-attention reuses the projected context', () => {
    const block = new TransformerDecoderBlock({ dModel: 8, nHead: 2, dtype: 'float64', rng: new Rng(5) });
    const context = randn([2, 4, 8], { seed: 9, dtype: 'float64' });
    const full = block.forward(x, { context });
    const cache = new LayerKVCache();
    const crossCache = new LayerKVCache();
    // After the first step the context is not passed again: it lives in crossCache.
    let first = true;
    const out = incremental(
      (c) => {
        const y = block.forward(c, { context: first ? context : undefined, cache, crossCache });
        first = false;
        return y;
      },
      x,
      [1, 2, 3],
    );
    expectClose(out, full, 1e-12);
    expect(crossCache.length).toBe(4);
  });

  it('rejects keys that do not match the cache', () => {
    const cache = new LayerKVCache();
    cache.append(randn([1, 2, 3, 4]), randn([1, 2, 3, 4]));
    expect(() => cache.append(randn([1, 3, 1, 4]), randn([1, 3, 1, 4]))).toThrow(/do not match cached/);
    expect(() => new KVCache().layer(-1)).toThrow(/KVCache.layer/);
  });
});
