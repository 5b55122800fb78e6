// Turns a batched matmul with broadcast batch dims and transposed operands
// into a list of single-matrix calls over strided row-major storage, and
// splits that list across threads. Pure shape arithmetic: no memory here.
import { splitRange } from './tasks.js';

/** One C = op(A) @ op(B) call; offsets and strides are in elements (floats). */
export interface MatrixCall {
  aOffset: number;
  bOffset: number;
  cOffset: number;
  /** Rows of op(A) and C. */
  M: number;
  /** Columns of op(B) and C. */
  N: number;
  /** Inner dimension. */
  K: number;
  /** op(A)[i, k] = A[aOffset + i * rsa + k * csa] */
  rsa: number;
  csa: number;
  /** op(B)[k, j] = B[bOffset + k * rsb + j * csb] */
  rsb: number;
  csb: number;
  /** C[i, j] = C[cOffset + i * ldc + j] */
  ldc: number;
}

export interface MatmulPlan {
  /** Shape of the result: (...broadcast batch, M, N). */
  outShape: number[];
  /** One call per output batch matrix. */
  calls: MatrixCall[];
  /** Multiply-adds times two, for GFLOP/s figures and the threading threshold. */
  flops: number;
}

export interface MatmulOptions {
  /** Use A's last two dims transposed: A is (..., K, M). */
  transA?: boolean;
  /** Use B's last two dims transposed: B is (..., N, K). */
  transB?: boolean;
}

const fmtShape = (s: readonly number[]) => `[${s.join(',')}]`;

/** Plans op(A) @ op(B) for A of shape aShape and B of shape bShape (both at least 2-D). */
export function planMatmul(aShape: readonly number[], bShape: readonly number[], opts: MatmulOptions = {}): MatmulPlan {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  if (aShape.length < 2 || bShape.length < 2) {
    throw new Error(`matmul: both operands must be at least 2-D, got ${fmtShape(aShape)} @ ${fmtShape(bShape)}`);
  }
  const ra = aShape.length;
  const rb = bShape.length;
  const M = transA ? aShape[ra - 1] : aShape[ra - 2];
  const Ka = transA ? aShape[ra - 2] : aShape[ra - 1];
  const Kb = transB ? bShape[rb - 1] : bShape[rb - 2];
  const N = transB ? bShape[rb - 2] : bShape[rb - 1];
  if (Ka !== Kb) {
    const t = `${transA ? ' (transA)' : ''}${transB ? ' (transB)' : ''}`;
    throw new Error(`matmul: inner dimensions differ: ${fmtShape(aShape)} @ ${fmtShape(bShape)}${t}`);
  }
  const K = Ka;
  const batchA = aShape.slice(0, -2);
  const batchB = bShape.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB, aShape, bShape);
  const count = batch.reduce((p, d) => p * d, 1);
  const aStrides = broadcastStrides(batchA, batch, M * K);
  const bStrides = broadcastStrides(batchB, batch, K * N);
  const rsa = transA ? 1 : K;
  const csa = transA ? M : 1;
  const rsb = transB ? 1 : N;
  const csb = transB ? K : 1;
  const calls: MatrixCall[] = [];
  const index = new Array<number>(batch.length).fill(0);
  for (let n = 0; n < count; n++) {
    let aOffset = 0;
    let bOffset = 0;
    for (let d = 0; d < batch.length; d++) {
      aOffset += index[d] * aStrides[d];
      bOffset += index[d] * bStrides[d];
    }
    calls.push({ aOffset, bOffset, cOffset: n * M * N, M, N, K, rsa, csa, rsb, csb, ldc: N });
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++index[d] < batch[d]) break;
      index[d] = 0;
    }
  }
  return { outShape: [...batch, M, N], calls, flops: 2 * count * M * N * K };
}

function broadcastShapes(a: number[], b: number[], aFull: readonly number[], bFull: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`matmul: batch dimensions do not broadcast: ${fmtShape(aFull)} @ ${fmtShape(bFull)}`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Element strides of each output batch dim in an operand whose matrices hold `matrixSize` floats (0 where broadcast). */
function broadcastStrides(operandBatch: number[], outBatch: number[], matrixSize: number): number[] {
  const strides = new Array<number>(outBatch.length).fill(0);
  let stride = matrixSize;
  for (let i = operandBatch.length - 1; i >= 0; i--) {
    const d = outBatch.length - operandBatch.length + i;
    strides[d] = operandBatch[i] === 1 ? 0 : stride;
    stride *= operandBatch[i];
  }
  return strides;
}

/**
 * Splits calls into at most `threads` groups of about equal work. Whole
 * matrices go to threads when the batch divides evenly. Otherwise every matrix
 * is cut in bands: of rows (multiples of 4, the micro-kernel height), where
 * each thread packs all of op(B) again, or of columns (multiples of 8, its
 * width), where each packs all of op(A) again; the cut that repeats the
 * smaller packing wins (columns when M < N), as long as the dimension is
 * long enough to give every thread a band.
 */
export function splitCalls(calls: MatrixCall[], threads: number): MatrixCall[][] {
  if (threads <= 1 || calls.length === 0) return [calls];
  if (calls.length % threads === 0) {
    const per = calls.length / threads;
    return Array.from({ length: threads }, (_, t) => calls.slice(t * per, (t + 1) * per));
  }
  const parts: MatrixCall[][] = Array.from({ length: threads }, () => []);
  for (const call of calls) {
    const byColumns = (call.M < call.N || call.M < 4 * threads) && call.N >= 8 * threads;
    const unit = byColumns ? 8 : 4;
    const length = byColumns ? call.N : call.M;
    const band = Math.ceil(length / threads / unit) * unit;
    for (let t = 0; t < threads; t++) {
      const start = t * band;
      const end = Math.min(length, start + band);
      if (end <= start) continue;
      parts[t].push(
        byColumns
          ? { ...call, bOffset: call.bOffset + start * call.csb, cOffset: call.cOffset + start, N: end - start }
          : { ...call, aOffset: call.aOffset + start * call.rsa, cOffset: call.cOffset + start * call.ldc, M: end - start },
      );
    }
  }
  return parts;
}

/**
 * Splits a product with few rows whose B is row-major (the rows form of
 * csrc/gemv.c: one token's activations times a Linear weight (in, out)) by
 * depth: piece t multiplies columns [k0, k1) of op(A) with rows [k0, k1) of B,
 * a contiguous slice of B's storage, and the caller adds the pieces' partial
 * products. Split by columns instead, each thread would read a piece of every
 * row of B, and such interleaved reads stream from memory at about half the
 * rate of one sequential pass (see the README's decoding section). Returns
 * null where this split does not apply: more than `rowsMaxM` rows (the packed
 * path runs), B not row-major, one thread, or too little depth to share.
 */
export function splitDepth(call: MatrixCall, threads: number, rowsMaxM: number): MatrixCall[] | null {
  if (threads <= 1 || call.M > rowsMaxM || call.csb !== 1 || call.K < 16 * threads) return null;
  return splitRange(call.K, threads, 16).map(([k0, k1]) => ({
    ...call,
    aOffset: call.aOffset + k0 * call.csa,
    bOffset: call.bOffset + k0 * call.rsb,
    K: k1 - k0,
  }));
}
