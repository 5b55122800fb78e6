// The BroadcastTo kernel (x repeated to outShape, what the backward of a sum
// or mean produces) as a flat gpu.js kernel, for the forms Binary reads its
// operands in: scalar, trailing suffix, leading prefix (see binary-kernel.ts).
// Other patterns get no plan and run the CPU kernel.
import { accessOf, describeAccess, indexExpr } from './binary-kernel.js';
import type { KernelPlan } from './flat-kernels.js';

export function broadcastPlan(shape: readonly number[], outShape: readonly number[]): KernelPlan | null {
  const access = accessOf(shape, outShape);
  if (!access) return null;
  const constants: Record<string, number> = {};
  const source = `function broadcastTo(a) {
  const i = this.thread.x;
  return a[${indexExpr(access, 'a', constants)}];
}`;
  return { key: `broadcast:${describeAccess(access)}`, source, constants };
}
