// The readable reference for what the WebAssembly matmul computes: three loops
// over strided operands, summed in float64. Tests compare the fast path with it;
// it is also the whole algorithm without blocking, packing or SIMD.
import type { MatrixCall } from './plan.js';

/** C = op(A) @ op(B) for one matrix call of a plan, with plain loops. */
export function referenceMatmul(a: Float32Array, b: Float32Array, c: Float32Array, call: MatrixCall): void {
  const { M, N, K, rsa, csa, rsb, csb, ldc, aOffset, bOffset, cOffset } = call;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += a[aOffset + i * rsa + k * csa] * b[bOffset + k * rsb + j * csb];
      c[cOffset + i * ldc + j] = sum;
    }
  }
}
