// Fused attention cases the shared suite does not reach, run in the page:
// - heads wider than one column chunk (D = 80: two chunks of 64) and the 32
//   class, query and key counts that are not multiples of the tiles, a
//   KV-cache offset (Tq < Tk) and Tq > Tk without causal masking: the output
//   and the saved log-sum-exp (which the op does not expose; the kernel is
//   called directly) against a float64 loop written here, and the gradients
//   against the CPU backend's autograd through the materialised composition
//   (matmul, mask, softmax, matmul) in float64;
// - memory at T = 512: the most tensor bytes alive during a causal attention
//   forward and backward, fused and materialised, on the backend's pool.
import * as t from '@attn/tensor';
import { lcg, relErr } from './values.js';

interface Case {
  heads: number;
  tq: number;
  tk: number;
  d: number;
  dv: number;
  causal: boolean;
}

/** Output and log-sum-exp per query in float64, the whole score row at once (the definition). */
function reference(q: Float32Array, k: Float32Array, v: Float32Array, { heads, tq, tk, d, dv, causal }: Case): { out: number[]; lse: number[] } {
  const out: number[] = [];
  const lse: number[] = [];
  const scale = 1 / Math.sqrt(d);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < tq; i++) {
      const seen = causal ? i + tk - tq + 1 : tk;
      const s: number[] = [];
      for (let j = 0; j < seen; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[(h * tq + i) * d + c] * k[(h * tk + j) * d + c];
        s.push(dot * scale);
      }
      const mx = Math.max(...s);
      const z = s.reduce((acc, x) => acc + Math.exp(x - mx), 0);
      lse.push(mx + Math.log(z));
      for (let c = 0; c < dv; c++) out.push(s.reduce((acc, x, j) => acc + (Math.exp(x - mx) / z) * v[(h * tk + j) * dv + c], 0));
    }
  }
  return { out, lse };
}

/** Gradients of sum(out * w) w.r.t. q, k, v on the CPU in float64, through the materialised composition. */
function referenceGrads(q: Float32Array, k: Float32Array, v: Float32Array, w: Float32Array, { heads, tq, tk, d, dv, causal }: Case): number[][] {
  const previous = t.getBackend().name;
  t.setBackend('cpu');
  try {
    const f64 = (x: Float32Array, shape: number[]) => t.fromArray(x, shape, { dtype: 'float64', requiresGrad: true });
    const [tq64, tk64, tv64] = [f64(q, [heads, tq, d]), f64(k, [heads, tk, d]), f64(v, [heads, tk, dv])];
    let scores = t.mul(t.matmul(tq64, tk64, { transB: true }), 1 / Math.sqrt(d)); // (heads, Tq, Tk)
    if (causal) {
      const blocked = Array.from({ length: tq * tk }, (_, x) => (x % tk > Math.floor(x / tk) + tk - tq ? 1 : 0));
      scores = t.maskedFill(scores, t.fromArray(blocked, [tq, tk]), Number.NEGATIVE_INFINITY);
    }
    const out = t.matmul(t.softmax(scores, -1), tv64); // (heads, Tq, Dv)
    t.sum(t.mul(out, t.fromArray(w, [heads, tq, dv], { dtype: 'float64' }))).backward();
    return [tq64, tk64, tv64].map((x) => Array.from(x.grad!.dataSync()));
  } finally {
    t.setBackend(previous);
  }
}

/** Errors of out, lse, dq, dk, dv per case, on `backendName`. */
export async function attentionEdgeCases(backendName: string): Promise<Record<string, number>> {
  const cases: Case[] = [
    { heads: 3, tq: 70, tk: 70, d: 40, dv: 24, causal: true }, // classes 64 (q, k) and 32 (v); tiles of 32 rows and 16/32 keys, partly filled
    { heads: 2, tq: 5, tk: 77, d: 80, dv: 80, causal: true }, // a KV-cache offset of 72; two column chunks of 64
    { heads: 2, tq: 50, tk: 20, d: 9, dv: 70, causal: false }, // more queries than keys; Dv in two chunks, D in one
  ];
  const errors: Record<string, number> = {};
  t.setBackend(backendName);
  try {
    const backend = t.getBackend();
    const kernel = backend.kernels.FusedAttention!;
    let seed = 1;
    for (const c of cases) {
      const { heads, tq, tk, d, dv, causal } = c;
      const name = JSON.stringify(c);
      const [q, k, v, w] = [heads * tq * d, heads * tk * d, heads * tk * dv, heads * tq * dv].map((n) => lcg(seed++, n, 2));
      const want = reference(q, k, v, c);
      // The kernel itself, for lse (the op keeps it for the backward pass and returns only out).
      const input = (x: Float32Array, shape: number[]) => ({ handle: backend.write(x, 'float32'), shape, dtype: 'float32' as const });
      const inputs = [input(q, [heads, tq, d]), input(k, [heads, tk, d]), input(v, [heads, tk, dv])];
      const attrs = { scale: 1 / Math.sqrt(d), causal, kvLength: tk };
      const [out, lse] = kernel(inputs, attrs, [heads, tq, dv]) as t.DataHandle[];
      errors[`out ${name}`] = relErr(await backend.read(out, heads * tq * dv, 'float32'), want.out);
      errors[`lse ${name}`] = relErr(await backend.read(lse, heads * tq, 'float32'), want.lse);
      for (const h of [out, lse, ...inputs.map((x) => x.handle)]) backend.disposeData(h);
      // Gradients through the op (its backward is FusedAttentionGrad).
      const leaves = [
        t.fromArray(q, [heads, tq, d], { requiresGrad: true }),
        t.fromArray(k, [heads, tk, d], { requiresGrad: true }),
        t.fromArray(v, [heads, tk, dv], { requiresGrad: true }),
      ];
      t.tidy(() => t.sum(t.mul(t.fusedAttention(leaves[0], leaves[1], leaves[2], { causal }), t.fromArray(w, [heads, tq, dv]))).backward());
      const [gq, gk, gv] = await Promise.all(leaves.map((x) => x.grad!.data()));
      for (const x of leaves) x.dispose();
      const [rq, rk, rv] = referenceGrads(q, k, v, w, c);
      errors[`dq ${name}`] = relErr(gq, rq);
      errors[`dk ${name}`] = relErr(gk, rk);
      errors[`dv ${name}`] = relErr(gv, rv);
    }
    return errors;
  } finally {
    t.setBackend('cpu');
  }
}

export interface AttentionMemory {
  /** Bytes of one head's (T, T) scores, and of all heads' (what the materialised path stores per matrix). */
  oneHeadScoresBytes: number;
  allHeadsScoresBytes: number;
  /** Tensor bytes alive before each run (q, k, v, the incoming gradient, the mask). */
  inputBytes: number;
  /** Most tensor bytes alive at once above the inputs, during forward + backward. */
  fusedPeakBytes: number;
  materialisedPeakBytes: number;
  /** Fused against materialised, on the same backend: |difference| relative to max(1, |value|). */
  outErr: number;
  gradErr: number;
}

/** Stats the memory check needs (@attn/webgpu's handle). */
export interface PeakSource {
  stats(): { liveBytes: number; peakLiveBytes: number };
  resetPeak(): void;
}

/**
 * One causal attention forward and backward over (1, nh, T, hs) inputs, fused
 * and materialised (the composition a layer runs when the weights are wanted),
 * measuring the most bytes the pool had alive above the inputs.
 */
export async function attentionMemory(backendName: string, source: PeakSource, nh: number, T: number, hs: number): Promise<AttentionMemory> {
  t.setBackend(backendName);
  try {
    const shape = [1, nh, T, hs]; // (B, nh, T, hs)
    const n = nh * T * hs;
    const [q, k, v] = [1, 2, 3].map((seed) => t.fromArray(lcg(seed, n, 2), shape, { requiresGrad: true }));
    const dOut = t.fromArray(lcg(4, n), shape);
    const mask = t.causalMask(T); // built before the measurement: the materialised path's input, as a model caches it
    const run = async (fused: boolean) => {
      source.resetPeak();
      const base = source.stats().liveBytes;
      const out = t.tidy(() => {
        const o = fused
          ? t.fusedAttention(q, k, v, { causal: true })
          : t.matmul(t.softmax(t.maskedFill(t.mul(t.matmul(q, k, { transB: true }), 1 / Math.sqrt(hs)), mask, -1e9), -1), v); // (1, nh, T, T) weights
        o.backward(dOut); // the gradients stay on q, k, v
        return o;
      });
      const peak = source.stats().peakLiveBytes - base; // reads below use staging buffers outside the pool
      const values = await Promise.all([out, q.grad!, k.grad!, v.grad!].map((x) => x.data()));
      out.dispose();
      for (const x of [q, k, v]) x.zeroGrad();
      return { peak, values };
    };
    const inputBytes = source.stats().liveBytes;
    const fused = await run(true);
    const materialised = await run(false);
    return {
      oneHeadScoresBytes: T * T * 4,
      allHeadsScoresBytes: nh * T * T * 4,
      inputBytes,
      fusedPeakBytes: fused.peak,
      materialisedPeakBytes: materialised.peak,
      outErr: relErr(fused.values[0], materialised.values[0]),
      gradErr: Math.max(...[1, 2, 3].map((i) => relErr(fused.values[i], materialised.values[i]))),
    };
  } finally {
    t.setBackend('cpu');
  }
}
