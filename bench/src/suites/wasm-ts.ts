// The plain TypeScript backend's matmul, through @attn/tensor's public API.
import { fromArray, matmul, setBackend } from '@attn/tensor';

/** n x n @ n x n on the 'cpu' (TypeScript) backend; returns the result data. */
export function tsMatmul(a: Float32Array, b: Float32Array, n: number): Float32Array | Float64Array {
  setBackend('cpu');
  return matmul(fromArray(a, [n, n]), fromArray(b, [n, n])).dataSync();
}
