// The MaskedFill kernel (x with `value` where the broadcast mask is nonzero)
// as a flat gpu.js kernel. The mask is read in one of Binary's forms (same
// shape, scalar, trailing suffix such as the (T, T) causal mask over
// (B, nh, T, T), leading prefix). The value is baked into the shader, so it
// must be finite: a GLSL literal cannot be infinite (attention masks with a
// large finite negative, -1e9 in @attn/layers); -Infinity runs on the CPU.
import { accessOf, describeAccess, indexExpr } from './binary-kernel.js';
import type { KernelPlan } from './flat-kernels.js';

export function maskedFillPlan(xShape: readonly number[], maskShape: readonly number[], value: number): KernelPlan | null {
  if (!Number.isFinite(value)) return null;
  const access = accessOf(maskShape, xShape);
  if (!access) return null;
  const constants: Record<string, number> = { value };
  const source = `function maskedFill(a, m) {
  const i = this.thread.x;
  if (Math.abs(m[${indexExpr(access, 'm', constants)}]) > 0) {
    return this.constants.value;
  }
  return a[i];
}`;
  return { key: `maskedFill:${describeAccess(access)}`, source, constants };
}
