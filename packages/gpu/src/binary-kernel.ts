// The Binary kernel (add/sub/mul/div with NumPy broadcasting) as a flat gpu.js
// kernel, for the broadcast forms a transformer uses. Each operand is read in
// one of four ways from the output's flat index i:
//   full    same shape as the output            x[i]
//   scalar  one value                           x[0]
//   suffix  trailing dims of the output (bias)  x[i mod n], e.g. (B, T, C) + (C)
//   prefix  leading dims, then 1s (per row)     x[floor(i / inner)], e.g. (B, T, C) / (B, T, 1)
// Both sides may broadcast ((3, 1) + (1, 4): prefix and suffix). Any other
// pattern (a middle dim broadcast, e.g. (2, 3, 4) * (2, 1, 4)) gets no plan
// and the backend runs the CPU kernel on read-back data.
import { type BinaryOp, isLeadingPrefix, isTrailingSuffix } from '@attn/tensor';
import type { KernelPlan } from './flat-kernels.js';

export type Access = { kind: 'full' } | { kind: 'scalar' } | { kind: 'suffix'; period: number } | { kind: 'prefix'; inner: number };

const OPERATORS: Record<BinaryOp, string> = { add: '+', sub: '-', mul: '*', div: '/' };

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** How an operand of `shape` is read for an output of `outShape`, or null if none of the four forms fits. */
export function accessOf(shape: readonly number[], outShape: readonly number[]): Access | null {
  const n = sizeOf(shape);
  const size = sizeOf(outShape);
  if (n === size) return { kind: 'full' };
  if (n === 1) return { kind: 'scalar' };
  if (n === 0) return null;
  if (isTrailingSuffix(shape, outShape)) return { kind: 'suffix', period: n };
  if (isLeadingPrefix(shape, outShape)) return { kind: 'prefix', inner: size / n };
  return null;
}

/** The index expression for one operand; `name` prefixes its constant. floor((i + 0.5) / d) is exact below 2^22. */
export function indexExpr(access: Access, name: string, constants: Record<string, number>): string {
  switch (access.kind) {
    case 'full':
      return 'i';
    case 'scalar':
      return '0';
    case 'suffix':
      constants[`${name}Period`] = access.period;
      return `i - Math.floor((i + 0.5) / this.constants.${name}Period) * this.constants.${name}Period`;
    case 'prefix':
      constants[`${name}Inner`] = access.inner;
      return `Math.floor((i + 0.5) / this.constants.${name}Inner)`;
  }
}

export function describeAccess(access: Access): string {
  if (access.kind === 'suffix') return `suffix${access.period}`;
  if (access.kind === 'prefix') return `prefix${access.inner}`;
  return access.kind;
}

/** The flat kernel for `a op b` -> outShape, or null when the broadcast pattern is not one of the supported forms. */
export function binaryPlan(op: BinaryOp, aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): KernelPlan | null {
  const a = accessOf(aShape, outShape);
  const b = accessOf(bShape, outShape);
  if (!a || !b) return null;
  const constants: Record<string, number> = {};
  const source = `function binary(a, b) {
  const i = this.thread.x;
  return a[${indexExpr(a, 'a', constants)}] ${OPERATORS[op]} b[${indexExpr(b, 'b', constants)}];
}`;
  return { key: `binary:${op}:${describeAccess(a)}:${describeAccess(b)}`, source, constants };
}
