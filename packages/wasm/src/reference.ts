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

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/**
 * GELU, tanh approximation, in float64: 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3),
 * evaluated as x / (1 + exp(-2u)) (the same function) because 1 + tanh(u) cancels to 0
 * in float64 below x = -8, where the true value is still about 1e-20.
 */
export function geluTanhReference(x: number): number {
  return x / (1 + Math.exp(-2 * SQRT_2_OVER_PI * (x + GELU_C * x * x * x)));
}

/** d/dx of geluTanhReference, in float64: s + x 2 s (1 - s) du/dx with s = 1 / (1 + exp(-2u)). */
export function geluTanhGradReference(x: number): number {
  const e = Math.exp(-2 * SQRT_2_OVER_PI * (x + GELU_C * x * x * x));
  const s = 1 / (1 + e);
  return s + x * 2 * s * s * e * SQRT_2_OVER_PI * (1 + 3 * GELU_C * x * x);
}
