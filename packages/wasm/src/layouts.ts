// How @attn/tensor's kernel inputs map onto the row-wise WebAssembly kernels:
// which broadcast a binary op is (see OPERAND_LAYOUTS), how an axis splits a
// shape, and which permutations are whole-row moves. Anything these return
// null for runs on the TypeScript CPU backend instead.
import { isLeadingPrefix, isTrailingSuffix } from '@attn/tensor';
import type { OperandLayout } from './engine.js';

const product = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);

export interface BinaryLayout {
  a: OperandLayout;
  b: OperandLayout;
  rows: number;
  cols: number;
}

/**
 * The (rows, cols) view of a broadcasting binary op and how each operand
 * covers it, or null when the broadcast is not one of: same shape, scalar,
 * bias over the trailing dims, one value per row.
 */
export function binaryLayout(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): BinaryLayout | null {
  const size = product(outShape);
  const na = product(aShape);
  const nb = product(bShape);
  const plain = (n: number): OperandLayout | null => (n === size ? 'full' : n === 1 ? 'scalar' : null);
  const pa = plain(na);
  const pb = plain(nb);
  if (pa && pb) return { a: pa, b: pb, rows: 1, cols: size };
  if (size === 0) return null;
  // one operand is full or scalar, the other a trailing bias or per-row value
  const [fixed, other, otherShape, otherIsA] = pa ? [pa, nb, bShape, false] : pb ? [pb, na, aShape, true] : [null, 0, bShape, false];
  if (!fixed || other === 0) return null;
  let layout: BinaryLayout | null = null;
  if (isTrailingSuffix(otherShape, outShape)) layout = { a: fixed, b: 'col', rows: size / other, cols: other };
  else if (isLeadingPrefix(otherShape, outShape)) layout = { a: fixed, b: 'row', rows: other, cols: size / other };
  if (!layout) return null;
  return otherIsA ? { a: layout.b, b: layout.a, rows: layout.rows, cols: layout.cols } : layout;
}

/** A shape seen as (outer, length, inner) around `axis`. */
export function aroundAxis(shape: readonly number[], axis: number): { outer: number; length: number; inner: number } {
  return { outer: product(shape.slice(0, axis)), length: shape[axis], inner: product(shape.slice(axis + 1)) };
}

export interface RowPermutation {
  /** Output's leading dims, padded to three with leading 1s. */
  dims: [number, number, number];
  /** Input row stride (in rows) of each of those output dims. */
  strides: [number, number, number];
  /** Floats per row (the kept last dim). */
  row: number;
}

/**
 * A permutation that keeps the last axis and has at most three leading dims,
 * e.g. (B, T, nh, hs) -> (B, nh, T, hs), as whole-row moves; null otherwise.
 */
export function rowPermutation(shape: readonly number[], perm: readonly number[]): RowPermutation | null {
  const nd = shape.length;
  if (nd < 2 || nd > 4 || perm[nd - 1] !== nd - 1) return null;
  const lead = nd - 1;
  const rowStrides: number[] = new Array(lead);
  for (let d = lead - 1, s = 1; d >= 0; d--) {
    rowStrides[d] = s;
    s *= shape[d];
  }
  const dims: number[] = [];
  const strides: number[] = [];
  for (let j = 0; j < lead; j++) {
    dims.push(shape[perm[j]]);
    strides.push(rowStrides[perm[j]]);
  }
  while (dims.length < 3) {
    dims.unshift(1);
    strides.unshift(0);
  }
  return { dims: dims as [number, number, number], strides: strides as [number, number, number], row: shape[nd - 1] };
}
