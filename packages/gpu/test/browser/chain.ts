// A resident chain in the page: x -> 8 x (matmul, bias add, gelu) -> one
// dataSync. On the device every step takes the previous output texture, so
// the values come back to the host exactly once; the result is compared with
// the same chain on the CPU backend.
import { add, exp, fromArray, gelu, matmul, mul, neg, setBackend, type Tensor } from '@attn/tensor';
import type { GpuBackendHandle } from '../../src/index.js';

/** Deterministic values in [-scale/2, scale/2). */
export function lcg(seed: number, n: number, scale = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * scale;
  });
}

export interface ChainResult {
  maxAbsErr: number;
  /** Counter deltas over the gpu run. */
  readbacks: number;
  uploads: number;
  gpuCalls: number;
  deviceOps: number;
  hostOps: number;
}

export function residentChain(handle: GpuBackendHandle, n = 16, depth = 8): ChainResult {
  const run = (backend: string): Float32Array => {
    setBackend(backend);
    try {
      const w = fromArray(lcg(1, n * n, 2 / Math.sqrt(n)), [n, n]);
      const b = fromArray(lcg(2, n, 0.2), [n]);
      let x: Tensor = fromArray(lcg(3, 4 * n, 2), [4, n]);
      for (let i = 0; i < depth; i++) x = gelu(add(matmul(x, w), b));
      return Float32Array.from(x.dataSync());
    } finally {
      setBackend('cpu');
    }
  };
  const want = run('cpu');
  const before = handle.backendInfo();
  const got = run(handle.backend.name);
  const after = handle.backendInfo();
  let maxAbsErr = 0;
  for (let i = 0; i < want.length; i++) maxAbsErr = Math.max(maxAbsErr, Math.abs(got[i] - want[i]));
  return {
    maxAbsErr,
    readbacks: after.readbacks - before.readbacks,
    uploads: after.uploads - before.uploads,
    gpuCalls: after.gpuCalls - before.gpuCalls,
    deviceOps: after.deviceOps - before.deviceOps,
    hostOps: after.hostOps - before.hostOps,
  };
}

/**
 * Kernels fed their own output (neg(neg(...)), z + z) while earlier outputs of the same kernel are kept alive:
 * gpu.js reuses a kernel's output texture unless a clone still holds it, so this checks no kept value is
 * overwritten. Returns the largest difference from the same ops on the CPU backend.
 */
export function selfFeeding(backendName: string): number {
  const run = (backend: string): number[] => {
    setBackend(backend);
    try {
      const x = fromArray([1, -2, 3, -4, 5, -6], [2, 3]);
      const kept: Tensor[] = [];
      let y = x;
      for (let i = 0; i < 5; i++) kept.push((y = neg(y)));
      let z = add(x, x);
      for (let i = 0; i < 4; i++) kept.push((z = add(z, z)));
      let w = mul(x, 0.5);
      for (let i = 0; i < 4; i++) kept.push((w = exp(neg(exp(w)))));
      return kept.flatMap((t) => Array.from(t.dataSync()));
    } finally {
      setBackend('cpu');
    }
  };
  const want = run('cpu');
  const got = run(backendName);
  return want.reduce((m, v, i) => Math.max(m, Math.abs(got[i] - v)), got.length === want.length ? 0 : Number.POSITIVE_INFINITY);
}
