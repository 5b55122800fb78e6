import { cpuBackend, fromArray, gradcheck, type Kernel, type KernelName, Rng, randn, registerBackend, removeBackend, setBackend, type Tensor, tensor } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import { captureActivations, causalMaskWithOffset, keyPaddingMask, Linear, MultiHeadAttention, scaledDotProductAttention } from '../src/index.js';

const rows = (t: Tensor): number[][] => t.toArray() as number[][];

describe('scaledDotProductAttention: the worked example', () => {
  // Word embeddings from the seed document's example sentence.
  const words = tensor([
    [1, 0, 1], // cat
    [0, 1, 1], // sat
    [1, 1, 0], // mat
    [0, 1, 0], // it
  ]);
  // Projections solved by hand so that Q(it) = [0, 1], K = [[2,1],[1,1],[1,2]]
  // and V = [[2,1],[1,3],[1,2]] for cat, sat, mat (stored [in, out]: x @ W).
  const project = (W: number[][]): Linear => {
    const layer = new Linear({ inFeatures: 3, outFeatures: 2, bias: false });
    layer.loadStateDict({ weight: tensor(W) });
    return layer;
  };
  const Wq = project([
    [0, 0],
    [0, 1],
    [0, 0],
  ]);
  const Wk = project([
    [1, 1],
    [0, 1],
    [1, 0],
  ]);
  const Wv = project([
    [1, 0],
    [0, 2],
    [1, 1],
  ]);
  const context = words.slice(0, 0, 3); // cat, sat, mat
  const itWord = words.slice(0, 3, 4); // it

  it('projects to the stated queries, keys and values', () => {
    expect(rows(Wq.forward(itWord))).toEqual([[0, 1]]);
    expect(rows(Wk.forward(context))).toEqual([
      [2, 1],
      [1, 1],
      [1, 2],
    ]);
    expect(rows(Wv.forward(context))).toEqual([
      [2, 1],
      [1, 3],
      [1, 2],
    ]);
  });

  it('"it" attends [0.25, 0.25, 0.5] to cat, sat, mat and outputs [1.25, 2]', () => {
    const { output, weights } = scaledDotProductAttention(Wq.forward(itWord), Wk.forward(context), Wv.forward(context));
    const w = rows(weights)[0];
    [0.25, 0.25, 0.5].forEach((expected, j) => {
      expect(Math.abs(w[j] - expected)).toBeLessThan(0.01);
    });
    const o = rows(output)[0];
    [1.25, 2].forEach((expected, j) => {
      expect(Math.abs(o[j] - expected)).toBeLessThan(0.01);
    });
    // Exactly: scores [1, 1, 2] / sqrt(2), softmaxed by hand.
    const e = [1, 1, 2].map((s) => Math.exp(s / Math.SQRT2));
    const z = e[0] + e[1] + e[2];
    e.forEach((ej, j) => {
      expect(w[j]).toBeCloseTo(ej / z, 6);
    });
    expect(w[0]).toBeCloseTo(0.248, 3);
    expect(w[2]).toBeCloseTo(0.503, 3);
  });
});

describe('scaledDotProductAttention: masks and weights', () => {
  const q = randn([2, 3, 5, 4], { seed: 1 }); // (B, nh, T, hs)
  const k = randn([2, 3, 5, 4], { seed: 2 });
  const v = randn([2, 3, 5, 6], { seed: 3 });

  it('every attention row sums to 1', () => {
    for (const causal of [false, true]) {
      const { weights } = scaledDotProductAttention(q, k, v, { causal });
      expect(weights.shape).toEqual([2, 3, 5, 5]);
      const sums = weights.sum(-1).dataSync();
      for (const s of sums) expect(s).toBeCloseTo(1, 6);
    }
  });

  it('causal weights above the diagonal are exactly 0 and the rest positive', () => {
    const { weights } = scaledDotProductAttention(q, k, v, { causal: true });
    const w = weights.dataSync();
    for (let m = 0; m < 6; m++) {
      for (let i = 0; i < 5; i++) {
        for (let j = 0; j < 5; j++) {
          const value = w[m * 25 + i * 5 + j];
          if (j > i) expect(value).toBe(0);
          else expect(value).toBeGreaterThan(0);
        }
      }
    }
    // The first query can only see itself.
    expect(w[0]).toBe(1);
  });

  it('matches a loop-by-loop reference', () => {
    const { output } = scaledDotProductAttention(q, k, v, { causal: true });
    const [Q, K, V, O] = [q, k, v, output].map((t) => t.dataSync());
    for (let m = 0; m < 6; m++) {
      for (let i = 0; i < 5; i++) {
        const scores: number[] = [];
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let d = 0; d < 4; d++) dot += Q[m * 20 + i * 4 + d] * K[m * 20 + j * 4 + d];
          scores.push(dot / 2);
        }
        const mx = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - mx));
        const z = e.reduce((a, b) => a + b, 0);
        for (let d = 0; d < 6; d++) {
          let expected = 0;
          for (let j = 0; j <= i; j++) expected += (e[j] / z) * V[m * 30 + j * 6 + d];
          expect(O[m * 30 + i * 6 + d]).toBeCloseTo(expected, 5);
        }
      }
    }
  });

  it('padding keys get exactly zero weight', () => {
    const mask = keyPaddingMask([
      [0, 0, 0, 1, 1],
      [0, 0, 0, 0, 1],
    ]);
    expect(mask.shape).toEqual([2, 1, 1, 5]);
    const w = scaledDotProductAttention(q, k, v, { mask }).weights.dataSync();
    for (let b = 0; b < 2; b++) {
      for (let r = 0; r < 15; r++) {
        const row = Array.from(w.subarray((b * 15 + r) * 5, (b * 15 + r + 1) * 5));
        expect(row[4]).toBe(0);
        if (b === 0) expect(row[3]).toBe(0);
        expect(row.reduce((a, c) => a + c, 0)).toBeCloseTo(1, 6);
      }
    }
  });

  it('causal mask with fewer queries than keys lines the queries up with the last positions', () => {
    expect(causalMaskWithOffset(2, 4).toArray()).toEqual([
      [0, 0, 0, 1],
      [0, 0, 0, 0],
    ]);
    expect(causalMaskWithOffset(3, 3).toArray()).toEqual([
      [0, 1, 1],
      [0, 0, 1],
      [0, 0, 0],
    ]);
  });

  it('rejects mismatched shapes with a clear error', () => {
    expect(() => scaledDotProductAttention(q, randn([2, 3, 5, 3]), v)).toThrow(/scaledDotProductAttention: expected q/);
    expect(() => scaledDotProductAttention(q, k.slice(2, 0, 3), v.slice(2, 0, 3), { causal: false })).not.toThrow();
    expect(() =>
      scaledDotProductAttention(q, k.slice(2, 0, 3), v.slice(2, 0, 3), { causal: true }),
    ).toThrow(/causal attention needs Tq <= Tk/);
  });

  it('passes a float64 gradient check (plain, causal and masked)', () => {
    const opts64 = { dtype: 'float64' as const };
    const q64 = randn([2, 3, 4], { ...opts64, seed: 4 });
    const k64 = randn([2, 5, 4], { ...opts64, seed: 5 });
    const v64 = randn([2, 5, 3], { ...opts64, seed: 6 });
    const mask = fromArray([0, 0, 1, 0, 0, 0, 0, 0, 0, 1], [2, 1, 5], opts64);
    for (const opts of [{}, { causal: true }, { mask }]) {
      const result = gradcheck((a, b, c) => scaledDotProductAttention(a, b, c, opts).output, [q64, k64, v64]);
      expect(result.ok, result.details.join('\n')).toBe(true);
      const weightsCheck = gradcheck((a, b, c) => scaledDotProductAttention(a, b, c, opts).weights, [q64, k64, v64]);
      expect(weightsCheck.ok, weightsCheck.details.join('\n')).toBe(true);
    }
  });
});

/** Each list of values within 1e-5 (relative, or absolute below 1) of the reference's. */
function expectWithinFloat32(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(got[i].length).toBe(want[i].length);
    for (let j = 0; j < want[i].length; j++) expect(Math.abs(got[i][j] - want[i][j])).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i][j])));
  }
}

describe('scaledDotProductAttention: the fused path when the weights are not wanted', () => {
  const q = randn([2, 2, 6, 4], { seed: 11 });
  const k = randn([2, 2, 6, 4], { seed: 12 });
  const v = randn([2, 2, 6, 3], { seed: 13 });

  /** The op that produced the output, as recorded for autograd. */
  const producer = (opts: Parameters<typeof scaledDotProductAttention>[3]) => {
    const [a, b, c] = [q, k, v].map((t) => {
      const leaf = t.detach();
      leaf.requiresGrad = true;
      return leaf;
    });
    return scaledDotProductAttention(a, b, c, opts).output.gradNode?.op;
  };

  it('runs fusedAttention only when nothing needs the weights', () => {
    expect(producer({ causal: true, returnWeights: false })).toBe('fusedAttention');
    expect(producer({ causal: true })).toBe('matmul'); // weights returned
    expect(producer({ returnWeights: false, mask: fromArray([0, 0, 0, 0, 0, 1], [1, 1, 1, 6]) })).toBe('matmul');
    expect(producer({ returnWeights: false, dropout: { p: 0.1, rng: new Rng(1), training: true } })).toBe('matmul');
    expect(producer({ returnWeights: false, dropout: { p: 0.1, rng: new Rng(1), training: false } })).toBe('fusedAttention');
    // weights not returned even where the materialised path ran for the mask
    expect(scaledDotProductAttention(q, k, v, { returnWeights: false, mask: fromArray([0, 0, 0, 0, 0, 1], [1, 1, 1, 6]) }).weights).toBeNull();
  });

  it('keeps the composition on a backend without the FusedAttention kernel (no trip to the CPU)', () => {
    // a backend that is the CPU backend minus FusedAttention
    const { FusedAttention: _fused, FusedAttentionGrad: _grad, ...kernels } = cpuBackend.kernels;
    registerBackend({ ...cpuBackend, name: 'no-fused', kernels }, { priority: 0 });
    setBackend('no-fused');
    try {
      expect(producer({ causal: true, returnWeights: false })).toBe('matmul');
    } finally {
      setBackend('cpu');
      removeBackend('no-fused');
    }
  });

  it('gives the reference output and gradients within float32 tolerance (causal, and a KV-cache offset)', () => {
    for (const [qs, causal] of [
      [q, true],
      [q.slice(2, 4, 6), true], // the last 2 of 6 positions, as while decoding with a cache
      [q, false],
    ] as const) {
      const run = (returnWeights: boolean) => {
        const leaves = [qs, k, v].map((t) => {
          const leaf = t.detach();
          leaf.requiresGrad = true;
          return leaf;
        });
        const out = scaledDotProductAttention(leaves[0], leaves[1], leaves[2], { causal, returnWeights }).output;
        out.mul(out).sum().backward();
        return [out, ...leaves.map((l) => l.grad!)].map((t) => Array.from(t.dataSync()));
      };
      const fused = run(false);
      const reference = run(true);
      expectWithinFloat32(fused, reference);
    }
  });

  it('passes a float64 gradient check through the fused kernel (the CPU reference)', () => {
    const opts64 = { dtype: 'float64' as const };
    const q64 = randn([2, 3, 4], { ...opts64, seed: 4 });
    const k64 = randn([2, 5, 4], { ...opts64, seed: 5 });
    const v64 = randn([2, 5, 3], { ...opts64, seed: 6 });
    for (const causal of [false, true]) {
      const result = gradcheck((a, b, c) => scaledDotProductAttention(a, b, c, { causal, returnWeights: false }).output, [q64, k64, v64]);
      expect(result.ok, result.details.join('\n')).toBe(true);
    }
  });
});

describe('MultiHeadAttention: fused unless the weights are asked for', () => {
  it('gives the same output and parameter gradients either way (float32 tolerance)', () => {
    const run = (returnWeights: boolean) => {
      const mha = new MultiHeadAttention({ dModel: 8, nHead: 2, causal: true, rng: new Rng(3) });
      const x = randn([2, 5, 8], { seed: 7 });
      const { output, weights } = mha.forward(x, { returnWeights });
      expect(weights === null).toBe(!returnWeights);
      output.mul(output).sum().backward();
      return [output, ...mha.parameters().map((p) => p.grad!)].map((t) => Array.from(t.dataSync()));
    };
    const fused = run(false);
    const reference = run(true);
    expectWithinFloat32(fused, reference);
  });
});

describe('MultiHeadAttention: self-attention from the packed projection', () => {
  /** Names of the kernels `body` runs (on a copy of the CPU backend that records them). */
  const kernelsRun = (body: () => void): Set<string> => {
    const seen = new Set<string>();
    const kernels: Record<string, Kernel<KernelName>> = {};
    for (const [name, kernel] of Object.entries(cpuBackend.kernels as Record<string, Kernel<KernelName>>)) {
      kernels[name] = (inputs, attrs, outShape) => {
        seen.add(name);
        return kernel(inputs, attrs, outShape);
      };
    }
    registerBackend({ ...cpuBackend, name: 'recording', kernels }, { priority: 0 });
    setBackend('recording');
    try {
      body();
    } finally {
      setBackend('cpu');
      removeBackend('recording');
    }
    return seen;
  };
  const mha = new MultiHeadAttention({ dModel: 8, nHead: 2, causal: true, rng: new Rng(3) });
  const x = randn([2, 5, 8], { seed: 7 });

  it('runs FusedSelfAttention, with no slices or head transposes, when nothing asks for a per-head activation', () => {
    const packed = kernelsRun(() => mha.forward(x).output.sum().backward());
    expect(packed.has('FusedSelfAttention') && packed.has('FusedSelfAttentionGrad')).toBe(true);
    for (const name of ['Slice', 'PadAxis', 'Transpose', 'FusedAttention']) expect(packed.has(name), name).toBe(false);
  });

  it('takes the per-head path when the weights, a hook on q, a mask or attention dropout need it', () => {
    const cases: [string, () => void][] = [
      ['returnWeights', () => mha.forward(x, { returnWeights: true })],
      ['hook_q', () => captureActivations(mha, () => mha.forward(x), (name) => name.endsWith('hook_q'))],
      ['mask', () => mha.forward(x, { mask: fromArray([0, 0, 0, 0, 1], [1, 1, 1, 5]) })],
      [
        'attention dropout',
        () => new MultiHeadAttention({ dModel: 8, nHead: 2, causal: true, attnDropout: 0.1, rng: new Rng(3) }).forward(x),
      ],
    ];
    for (const [why, body] of cases) {
      const seen = kernelsRun(body);
      expect(seen.has('FusedSelfAttention'), why).toBe(false);
      expect(seen.has('Transpose'), why).toBe(true);
    }
  });

  it('captures the same hook_z as the output the packed path merges', () => {
    // hook_z (B, nh, T, hs) from the per-head path, merged by hand, feeds c_proj to the same output
    const { result, activations } = captureActivations(mha, () => mha.forward(x).output, (name) => name.endsWith('hook_z'));
    const z = [...activations.values()][0];
    const merged = z.transpose(1, 2).reshape([2, 5, 8]); // (B, nh, T, hs) -> (B, T, C)
    const want = mha.c_proj.forward(merged);
    const packed = mha.forward(x).output;
    const [a, b, c] = [result, want, packed].map((t) => Array.from(t.dataSync()));
    for (let i = 0; i < a.length; i++) {
      expect(a[i]).toBeCloseTo(b[i], 6);
      expect(c[i]).toBeCloseTo(b[i], 5);
    }
  });
});
