// Incremental decoding with a KV cache must give the same numbers as running
// the whole sequence at once.
import { concat, noGrad, randn, Rng, type Tensor, tidy } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import {
  KVCache,
  LayerKVCache,
  MultiHeadAttention,
  TransformerDecoderBlock,
  withHooks,
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

  it('with a capacity: written in place, grown by doubling, the same outputs as the full forward', () => {
    // 150 positions: the buffers start at 64 rows and grow twice (128, then the capacity of 150)
    const long = randn([1, 150, 8], { seed: 11, dtype: 'float64' });
    const mha = new MultiHeadAttention({ dModel: 8, nHead: 2, causal: true, dtype: 'float64', rng: new Rng(6) });
    noGrad(() => {
      const full = mha.forward(long).output;
      const cache = new LayerKVCache({ capacity: 150 });
      const rows: number[] = [];
      const out = incremental(
        (c) =>
          tidy(() => {
            const y = mha.forward(c, { cache }).output;
            rows.push(cache.key!.shape[2]);
            return y;
          }),
        long,
        [40, 1, 30, 1, 1, 70, 7],
      );
      expectClose(out, full, 1e-12);
      expect(cache.length).toBe(150);
      expect(rows).toEqual([64, 64, 128, 128, 128, 150, 150]);
      // tidy() around each step did not free the buffers
      expect(cache.key!.storage.disposed).toBe(false);
      expect(() => mha.forward(long.slice(1, 0, 1), { cache })).toThrow('LayerKVCache.append: 151 positions exceed the cache\'s capacity of 150');
      const buffer = cache.key!;
      cache.clear();
      expect([cache.length, cache.key, buffer.storage.disposed]).toEqual([0, null, true]);
    });
  });

  it('with a capacity: weights and hooks see exactly the cached positions, not the spare rows', () => {
    const mha = new MultiHeadAttention({ dModel: 8, nHead: 2, causal: true, dtype: 'float64', rng: new Rng(3) });
    noGrad(() => {
      const full = mha.forward(x, { returnWeights: true });
      const cache = new LayerKVCache({ capacity: 100 });
      mha.forward(x.slice(1, 0, 5), { cache });
      const seen: number[][] = [];
      const last = withHooks(
        mha,
        (_name, k) => {
          seen.push([...k.shape]);
          return undefined;
        },
        () => mha.forward(x.slice(1, 5, 6), { cache, returnWeights: true }),
        (name) => name === 'hook_k',
      );
      expect(seen).toEqual([[2, 2, 6, 4]]);
      expect(last.weights!.shape).toEqual([2, 2, 1, 6]);
      expectClose(last.weights!, full.weights!.slice(2, 5, 6), 1e-12);
      expectClose(last.output, full.output.slice(1, 5, 6), 1e-12);
    });
  });

  it('snapshot() and restore() undo appends: a failed step leaves either kind of cache as it was', () => {
    for (const cache of [new LayerKVCache(), new LayerKVCache({ capacity: 10 })]) {
      cache.append(randn([1, 2, 3, 4], { seed: 1 }), randn([1, 2, 3, 4], { seed: 2 }));
      const before = Array.from(cache.key!.slice(2, 0, 3).dataSync());
      const mark = cache.snapshot();
      cache.append(randn([1, 2, 2, 4], { seed: 3 }), randn([1, 2, 2, 4], { seed: 4 }));
      expect(cache.length).toBe(5);
      cache.restore(mark);
      expect(cache.length).toBe(3);
      expect(Array.from(cache.key!.slice(2, 0, 3).dataSync())).toEqual(before);
    }
    expect(() => new LayerKVCache({ capacity: 0 })).toThrow('LayerKVCache: capacity must be a positive integer, got 0');
    expect(() => new KVCache({ capacity: 1.5 })).toThrow(/capacity must be a positive integer/);
    expect(new KVCache({ capacity: 8 }).layer(3).capacity).toBe(8);
  });

  it('rejects keys that do not match the cache', () => {
    const cache = new LayerKVCache();
    cache.append(randn([1, 2, 3, 4]), randn([1, 2, 3, 4]));
    expect(() => cache.append(randn([1, 3, 1, 4]), randn([1, 3, 1, 4]))).toThrow(/do not match cached/);
    expect(() => new KVCache().layer(-1)).toThrow(/KVCache.layer/);
  });
});
