// The fused attention kernels (csrc/attention.c) called directly, against a
// float64 reference written here (weights materialised row by row): shapes
// that cross the 64-key blocks, partial 4-query tiles, widths that are not
// multiples of 8, the causal offset of a KV cache, fewer than four queries (the
// row-by-row path of a decoding step), keys and values in a cache preallocated
// for more rows than take part, on 1 and 2 threads and on both builds. The same kernels through @attn/tensor are in the conformance
// suite (conformance.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttentionShape, createWasmKernels, type PackedAttentionShape, type WasmKernels } from '../src/index.js';
import { randomArray } from './helpers.js';

interface Reference {
  out: Float64Array;
  lse: Float64Array;
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
}

/** Forward and backward of softmax(scale q k^T) v per head, in float64 (keys from the first tk of kvRows rows per head). */
function reference(q: Float32Array, k: Float32Array, v: Float32Array, dout: Float32Array, s: AttentionShape): Reference {
  const { heads, tq, tk, d, dv: w, scale, causal } = s;
  const rows = s.kvRows ?? tk;
  const r: Reference = {
    out: new Float64Array(heads * tq * w),
    lse: new Float64Array(heads * tq),
    dq: new Float64Array(heads * tq * d),
    dk: new Float64Array(heads * rows * d),
    dv: new Float64Array(heads * rows * w),
  };
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < tq; i++) {
      const row = h * tq + i;
      const seen = causal ? i + tk - tq + 1 : tk;
      const scores: number[] = [];
      for (let j = 0; j < seen; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[row * d + c] * k[(h * rows + j) * d + c];
        scores.push(dot * scale);
      }
      const mx = Math.max(...scores);
      const z = scores.reduce((acc, x) => acc + Math.exp(x - mx), 0);
      const p = scores.map((x) => Math.exp(x - mx) / z);
      r.lse[row] = mx + Math.log(z);
      for (let j = 0; j < seen; j++) for (let c = 0; c < w; c++) r.out[row * w + c] += p[j] * v[(h * rows + j) * w + c];
      const dp = p.map((_, j) => {
        let dot = 0;
        for (let c = 0; c < w; c++) dot += dout[row * w + c] * v[(h * rows + j) * w + c];
        return dot;
      });
      const di = p.reduce((acc, pj, j) => acc + pj * dp[j], 0);
      for (let j = 0; j < seen; j++) {
        const ds = p[j] * (dp[j] - di) * scale;
        for (let c = 0; c < w; c++) r.dv[(h * rows + j) * w + c] += p[j] * dout[row * w + c];
        for (let c = 0; c < d; c++) {
          r.dq[row * d + c] += ds * k[(h * rows + j) * d + c];
          r.dk[(h * rows + j) * d + c] += ds * q[row * d + c];
        }
      }
    }
  }
  return r;
}

/** max |got - want| / max(1, |want|) */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return worst;
}

const shapes: [number, number, number, number, number, boolean, number][] = [
  // heads, tq, tk, d, dv, causal, rows of k and v per head
  [2, 5, 5, 3, 2, true, 5], // everything smaller than a tile
  [2, 5, 5, 3, 2, false, 5],
  [3, 70, 70, 8, 8, true, 70], // crosses the 64-key block and the 64-query chunk
  [1, 13, 150, 16, 12, true, 150], // KV-cache offset over three key blocks, dv not a multiple of 8
  [2, 130, 130, 33, 17, false, 130], // odd widths, not causal
  [1, 1, 9, 4, 4, true, 9], // one query (a decoding step)
  [4, 64, 64, 32, 32, true, 64], // a nanoGPT head
  [12, 1, 70, 64, 64, true, 128], // a GPT-2 decoding step in a preallocated cache
  [2, 1, 1, 8, 5, true, 4], // the first token: one key
  [3, 2, 9, 5, 6, true, 16], // two queries, odd widths
  [2, 3, 7, 3, 2, false, 7], // three queries, not causal
  [2, 6, 9, 5, 6, true, 12], // the tiled path in a preallocated cache
];

describe.each([
  [1, true],
  [2, true],
  [2, false],
])('fused attention on %i thread(s), relaxed SIMD %s', (threads, relaxedSimd) => {
  let k: WasmKernels;
  beforeAll(async () => {
    k = await createWasmKernels({ threads, relaxedSimd, minParallelFlops: 0 });
  });
  afterAll(() => k.dispose());

  it.each(shapes)('heads %i, Tq %i, Tk %i, D %i, Dv %i, causal %s, %i rows of k and v: forward and backward match float64', (heads, tq, tk, d, dv, causal, kvRows) => {
    const s: AttentionShape = { heads, tq, tk, kvRows, d, dv, scale: 1 / Math.sqrt(d), causal };
    const q = randomArray(heads * tq * d, 1);
    const kk = randomArray(heads * kvRows * d, 2);
    const v = randomArray(heads * kvRows * dv, 3);
    const dout = randomArray(heads * tq * dv, 4);
    const want = reference(q, kk, v, dout, s);
    const [out, lse] = k.attention(q, kk, v, s);
    const [dq, dk, dV] = k.attentionGrad(q, kk, v, out, lse, dout, s);
    expect(relErr(out, want.out), 'out').toBeLessThan(2e-6);
    expect(relErr(lse, want.lse), 'lse').toBeLessThan(2e-6);
    expect(relErr(dq, want.dq), 'dq').toBeLessThan(1e-5);
    expect(relErr(dk, want.dk), 'dk').toBeLessThan(1e-5);
    expect(relErr(dV, want.dv), 'dv').toBeLessThan(1e-5);
  });

  it.each([
    // batch, T, heads, D, causal
    [12, 64, 4, 32, true], // the nanoGPT CPU config's attention
    [2, 70, 3, 8, true], // past the 64-key block
    [3, 9, 2, 5, false], // a head width that is not a multiple of 8
    [2, 3, 2, 8, true], // fewer than four positions: the row-by-row path
  ])('packed qkv: batch %i, T %i, heads %i, D %i, causal %s: forward and backward match float64 on the gathered heads', (batch, t, heads, d, causal) => {
    const s: PackedAttentionShape = { batch, t, heads, d, scale: 1 / Math.sqrt(d), causal };
    const width = heads * d;
    const qkv = randomArray(batch * t * 3 * width, 5);
    const dout = randomArray(batch * t * width, 6);
    // head h of entry b of part p (q, k, v) of a (batch, T, 3 heads D) array, as (batch * heads, T, D) blocks; and back
    const blockAt = (b: number, h: number, i: number) => ((b * heads + h) * t + i) * d;
    const gather = (x: Float32Array, rowWidth: number, first: number) => {
      const out = new Float32Array(batch * heads * t * d);
      for (let b = 0; b < batch; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < t; i++) {
        const at = (b * t + i) * rowWidth + first + h * d;
        out.set(x.subarray(at, at + d), blockAt(b, h, i));
      }
      return out;
    };
    const scatter = (blocks: Float64Array, into: Float64Array, rowWidth: number, first: number) => {
      for (let b = 0; b < batch; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < t; i++) {
        into.set(blocks.subarray(blockAt(b, h, i), blockAt(b, h, i) + d), (b * t + i) * rowWidth + first + h * d);
      }
    };
    const split: AttentionShape = { heads: batch * heads, tq: t, tk: t, d, dv: d, scale: s.scale, causal };
    const want = reference(gather(qkv, 3 * width, 0), gather(qkv, 3 * width, width), gather(qkv, 3 * width, 2 * width), gather(dout, width, 0), split);
    const wantOut = new Float64Array(batch * t * width);
    scatter(want.out, wantOut, width, 0);
    const wantGrad = new Float64Array(qkv.length);
    [want.dq, want.dk, want.dv].forEach((g, part) => {
      scatter(g, wantGrad, 3 * width, part * width);
    });
    const [out, lse] = k.attentionQkv(qkv, s);
    const dqkv = k.attentionQkvGrad(qkv, out, lse, dout, s);
    expect(relErr(out, wantOut), 'out').toBeLessThan(2e-6);
    expect(relErr(lse, want.lse), 'lse').toBeLessThan(2e-6);
    expect(relErr(dqkv, wantGrad), 'dqkv').toBeLessThan(1e-5);
    expect(() => k.attentionQkv(qkv.subarray(1), s)).toThrow(`attentionQkv: qkv has ${qkv.length - 1} elements, expected ${qkv.length}`);
  });

  it('gives large scores a stable softmax (no overflow) and exactly 0 weight past the causal limit', () => {
    const s: AttentionShape = { heads: 1, tq: 3, tk: 3, d: 1, dv: 1, scale: 1, causal: true };
    // scores q_i k_j = 100 * 100: exp would overflow without the running max
    const [out, lse] = k.attention(Float32Array.of(100, 100, 100), Float32Array.of(100, 100, 100), Float32Array.of(1, 2, 3), s);
    expect(Array.from(out)).toEqual([1, 1.5, 2]); // equal scores: plain means of the values each query sees
    expect(lse[2]).toBeCloseTo(1e4 + Math.log(3), 0);
  });

  it('refuses shapes that do not add up, naming the operand', () => {
    const s: AttentionShape = { heads: 1, tq: 2, tk: 2, d: 2, dv: 2, scale: 1, causal: false };
    expect(() => k.attention(new Float32Array(4), new Float32Array(3), new Float32Array(4), s)).toThrow('attention: k has 3 elements, expected 4');
    expect(() => k.attention(new Float32Array(4), new Float32Array(2), new Float32Array(2), { ...s, tk: 1, causal: true })).toThrow(/causal attention needs tq <= tk/);
    expect(() => k.attention(new Float32Array(4), new Float32Array(4), new Float32Array(4), { ...s, kvRows: 1 })).toThrow('attention: kvRows must be an integer >= tk (2), got 1');
  });
});
