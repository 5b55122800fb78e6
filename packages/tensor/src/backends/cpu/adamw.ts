// The fused AdamW update on the CPU: the reference the WebAssembly kernel is
// checked against, and what @attn/train's AdamW runs on this backend.
import type { DType, FloatArray, KernelAttrs } from '../../backend.js';
import { allocate } from '../../shape.js';

/** Returns [param', m', v'] (see KernelAttrs.AdamW). */
export function adamw(
  param: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  { beta1, beta2, eps, stepSize, invSqrtBias2, keep }: KernelAttrs['AdamW'],
  dtype: DType,
): FloatArray[] {
  const n = param.length;
  const nextParam = allocate(dtype, n);
  const nextM = allocate(dtype, n);
  const nextV = allocate(dtype, n);
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    const mi = beta1 * m[i] + a1 * g;
    const vi = beta2 * v[i] + a2 * g * g;
    nextM[i] = mi;
    nextV[i] = vi;
    nextParam[i] = param[i] * keep - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBias2 + eps);
  }
  return [nextParam, nextM, nextV];
}
