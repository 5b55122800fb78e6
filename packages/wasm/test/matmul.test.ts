// The WebAssembly matmul against the float64 reference loops, over a sweep of
// shapes that exercise every edge of the blocking (partial 4x8 tiles, K and N
// beyond one cache block), all transposed forms, batches with broadcasting,
// and 1 and 2 threads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels, planMatmul, referenceMatmul, type WasmKernels } from '../src/index.js';
import { float32Bound, randomArray } from './helpers.js';

type Case = { a: number[]; b: number[]; transA?: boolean; transB?: boolean };

/** Checks kernels.matmul against the reference element by element, with a float32 error bound. */
function check(kernels: WasmKernels, c: Case, seed: number): void {
  const a = randomArray(c.a.reduce((p, d) => p * d, 1), seed);
  const b = randomArray(c.b.reduce((p, d) => p * d, 1), seed + 1);
  const opts = { transA: c.transA, transB: c.transB };
  const got = kernels.matmul(a, c.a, b, c.b, opts);
  const plan = planMatmul(c.a, c.b, opts);
  expect(got.shape).toEqual(plan.outShape);
  const want = new Float32Array(got.data.length);
  const absA = a.map(Math.abs);
  const absB = b.map(Math.abs);
  const magnitude = new Float32Array(got.data.length);
  for (const call of plan.calls) {
    referenceMatmul(a, b, want, call);
    referenceMatmul(absA, absB, magnitude, call);
  }
  const K = plan.calls[0]?.K ?? 0;
  const bound = float32Bound(K);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got.data[i] - want[i]);
    // the reference is rounded to float32 once; allow that rounding too
    const allowed = bound * magnitude[i] + Math.abs(want[i]) * 2 ** -24 + 1e-30;
    worst = Math.max(worst, err / allowed);
  }
  expect(worst, `${JSON.stringify(c)}: worst error / float32 bound`).toBeLessThanOrEqual(1);
}

const shapes: Case[] = [
  { a: [1, 1], b: [1, 1] },
  { a: [1, 7], b: [7, 1] },
  { a: [1, 300], b: [300, 33] }, // one row: a 1xN product
  { a: [37, 1], b: [1, 19] }, // K = 1
  { a: [3, 5], b: [5, 2] },
  { a: [13, 17], b: [17, 11] }, // odd everything: partial tiles in both directions
  { a: [64, 64], b: [64, 64] },
  { a: [33, 513], b: [513, 9] }, // K crosses two cache blocks (KC = 256)
  { a: [9, 40], b: [40, 1100] }, // N crosses the NC = 1024 block
  { a: [130, 31], b: [31, 70] }, // M crosses the MC = 128 block
  { a: [40, 29], b: [29, 23], transA: false, transB: false },
  { a: [29, 40], b: [29, 23], transA: true },
  { a: [40, 29], b: [23, 29], transB: true },
  { a: [29, 40], b: [23, 29], transA: true, transB: true },
  { a: [64, 96], b: [80, 64], transA: true, transB: true }, // transposed, full 4x4 packing blocks
  { a: [3, 10, 12], b: [3, 12, 7] }, // batched
  { a: [2, 3, 10, 12], b: [12, 7] }, // broadcast B over two batch dims
  { a: [10, 12], b: [4, 12, 9] }, // broadcast A
  { a: [2, 1, 6, 5], b: [1, 3, 5, 4] }, // both broadcast: out (2, 3, 6, 4)
  { a: [4, 2, 16, 8], b: [4, 2, 16, 8], transB: true }, // attention scores q @ k^T
  { a: [5, 8, 6], b: [5, 8, 9], transA: true }, // weight gradient x^T @ dy
  // Few rows (csrc/gemv.c: up to 2 with B row-major, 4 with B transposed), as when decoding one token:
  { a: [1, 768], b: [768, 2304] }, // x @ c_attn: rows form, split by depth on two threads
  { a: [1, 768], b: [300, 768], transB: true }, // x @ wte^T: dots form, split by columns
  { a: [2, 37], b: [37, 21] }, // depth not a multiple of 16, width not a multiple of 4
  { a: [2, 700], b: [700, 9] }, // two rows split by depth
  { a: [3, 301], b: [45, 301], transB: true }, // dots form with scalar tails
  { a: [301, 2], b: [301, 19], transA: true }, // rows form reading A through strides
  { a: [3, 40], b: [40, 19] }, // three rows, B row-major: the packed path
  { a: [301, 4], b: [19, 301], transA: true, transB: true }, // dots form: A's rows copied first
  { a: [1, 13], b: [13, 9000] }, // rows form over several column blocks
  { a: [41000, 4], b: [3, 41000], transA: true, transB: true }, // A too deep to copy: the packed path
  { a: [5, 40], b: [12, 40], transB: true }, // one row more than the dots form takes
  { a: [3, 2, 20], b: [3, 20, 30] }, // a batch of few-row products
  { a: [1, 31], b: [31, 64] }, // too shallow to split by depth
];

describe.each([
  [1, true],
  [2, true],
  [1, false],
  [2, false],
])('matmul on %i thread(s), relaxed SIMD %s', (threads, relaxedSimd) => {
  let kernels: WasmKernels;
  beforeAll(async () => {
    // minParallelFlops 0: split even tiny products, so the threaded path is exercised by every shape
    kernels = await createWasmKernels({ threads, minParallelFlops: 0, relaxedSimd });
  });
  afterAll(() => kernels.dispose());

  it('uses the requested thread count and build', () => {
    expect(kernels.threads).toBe(threads);
    expect(kernels.relaxedSimd).toBe(relaxedSimd);
  });

  it.each(shapes.map((c, i) => [i, c] as const))('shape case %i matches the reference: %j', (i, c) => {
    check(kernels, c, 1000 + i);
  });

  it.each([
    // op(A) rows, K, N, transA: a Linear layer's weight gradient X^T dY is (in, rows) @ (rows, out)
    [128, 768, 384, true],
    [9, 300, 13, true], // a partial last panel, two depth blocks, bands of rows
    [5, 40, 600, false], // N past one packed block of B (512 columns), bands of columns
    [3, 1, 2, false],
    [2, 50, 9, false], // two rows: the few-row path, which reads B in place
  ])('a product with the column sums of op(B): %i x %i x %i, transA %s', (m, k, n, transA) => {
    const a = randomArray(m * k, 11);
    const b = randomArray(k * n, 12);
    const call = planMatmul(transA ? [k, m] : [m, k], [k, n], { transA }).calls[0];
    const [c, sums] = kernels.runCallWithColumnSums(a, b, call, 2 * m * n * k);
    const want = new Float32Array(m * n);
    referenceMatmul(a, b, want, call);
    for (let i = 0; i < want.length; i++) expect(Math.abs(c[i] - want[i])).toBeLessThan(1e-5 * k);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += b[l * n + j];
      expect(Math.abs(sums[j] - s), `column ${j}`).toBeLessThan(1e-6 * k);
    }
  });

  it('handles a 512x512 product (several cache blocks, all threads busy)', () => {
    check(kernels, { a: [512, 512], b: [512, 512] }, 7);
  });

  it('randomized shapes, transposes and batches', () => {
    let seed = 99;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return 1 + (seed % n);
    };
    for (let trial = 0; trial < 25; trial++) {
      const [M, N, K] = [next(70), next(70), next(300)];
      const transA = next(2) === 1;
      const transB = next(2) === 1;
      const batch = next(3) - 1;
      const pre = batch ? [batch] : [];
      check(
        kernels,
        { a: [...pre, ...(transA ? [K, M] : [M, K])], b: [...(transB ? [N, K] : [K, N])], transA, transB },
        trial,
      );
    }
  });

  it('returns zeros when the inner dimension is 0 and empty results for empty outputs', () => {
    const z = kernels.matmul(new Float32Array(0), [3, 0], new Float32Array(0), [0, 2]);
    expect(z.shape).toEqual([3, 2]);
    expect(Array.from(z.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(kernels.matmul(new Float32Array(0), [0, 4], new Float32Array(8), [4, 2]).shape).toEqual([0, 2]);
  });

  it('computes a small product exactly as by hand', () => {
    // [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]]
    const r = kernels.matmul(Float32Array.of(1, 2, 3, 4), [2, 2], Float32Array.of(5, 6, 7, 8), [2, 2]);
    expect(Array.from(r.data)).toEqual([19, 22, 43, 50]);
    // transB: [[1,2],[3,4]] @ [[5,6],[7,8]]^T = [[17,23],[39,53]]
    const t = kernels.matmul(Float32Array.of(1, 2, 3, 4), [2, 2], Float32Array.of(5, 6, 7, 8), [2, 2], {
      transB: true,
    });
    expect(Array.from(t.data)).toEqual([17, 23, 39, 53]);
  });
});

describe('matmul input errors', () => {
  let kernels: WasmKernels;
  beforeAll(async () => {
    kernels = await createWasmKernels({ threads: 1 });
  });

  it('names the op and the shapes when inner dimensions differ', () => {
    expect(() => kernels.matmul(new Float32Array(6), [2, 3], new Float32Array(20), [4, 5])).toThrow(
      'matmul: inner dimensions differ: [2,3] @ [4,5]',
    );
  });

  it('rejects batch dims that do not broadcast', () => {
    expect(() => kernels.matmul(new Float32Array(24), [2, 3, 4], new Float32Array(60), [3, 4, 5])).toThrow(
      /batch dimensions do not broadcast: \[2,3,4\] @ \[3,4,5\]/,
    );
  });

  it('rejects 1-D operands and data that does not fill the shape', () => {
    expect(() => kernels.matmul(new Float32Array(3), [3], new Float32Array(3), [3, 1])).toThrow(/at least 2-D/);
    expect(() => kernels.matmul(new Float32Array(5), [2, 3], new Float32Array(3), [3, 1])).toThrow(
      'matmul: A has 5 elements but shape [2,3] needs 6',
    );
    expect(() => kernels.matmul(new Float32Array(6), [2, 3], new Float32Array(3), [3, 1.5])).toThrow(/invalid shape/);
  });

  it('refuses an op that needs more memory than the module allows, before allocating it', () => {
    // 30000 x 30000 floats = 3.6 GB per operand
    const fakeA = { length: 30000 * 30000 } as unknown as Float32Array;
    expect(() => kernels.matmul(fakeA, [30000, 30000], fakeA, [30000, 30000])).toThrow(/MiB of WebAssembly memory/);
  });
});
