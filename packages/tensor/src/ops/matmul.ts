// Matrix multiply: 2-D and batched with NumPy broadcasting of the batch dims,
// with transA/transB read through strides (no transpose is materialised).
import type { MatMulAttrs } from '../backend.js';
import { broadcastShapes, broadcastStrides, shapeStr, sizeOf } from '../shape.js';
import { backendHasKernel } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { add, cast, sumTo } from './elementwise.js';
import { assertTensor, record, run, runMulti } from './op.js';
import { sum } from './reduce.js';
import { reshape } from './reshape.js';

export interface MatMulOptions {
  /** Use a's last two dims transposed: a is (..., k, m). */
  transA?: boolean;
  /** Use b's last two dims transposed: b is (..., n, k). */
  transB?: boolean;
}

const SINGLE = new Int32Array([0]);

/** Builds the kernel attrs (see the MatMul contract in backend.ts). */
function matmulAttrs(a: Tensor, b: Tensor, transA: boolean, transB: boolean): { attrs: MatMulAttrs; outShape: number[] } {
  if (a.ndim < 2 || b.ndim < 2) {
    throw new Error(`matmul: both operands need at least 2 dims: ${shapeStr(a.shape)} @ ${shapeStr(b.shape)}`);
  }
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const kb = transB ? bc : br;
  const n = transB ? br : bc;
  if (k !== kb) {
    const t = (flag: boolean) => (flag ? 'ᵀ' : '');
    throw new Error(`matmul: inner dimensions differ: ${shapeStr(a.shape)}${t(transA)} @ ${shapeStr(b.shape)}${t(transB)}`);
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batchShape = broadcastShapes(aBatch, bBatch, 'matmul');
  const batch = sizeOf(batchShape);
  let aOffsets = SINGLE;
  let bOffsets = SINGLE;
  if (batchShape.length > 0) {
    // Offsets of the matrix each output matrix reads, with stride 0 on broadcast dims.
    const aStrides = broadcastStrides(aBatch, batchShape);
    const bStrides = broadcastStrides(bBatch, batchShape);
    aOffsets = new Int32Array(batch);
    bOffsets = new Int32Array(batch);
    for (let p = 0; p < batch; p++) {
      let rem = p;
      let ao = 0;
      let bo = 0;
      for (let d = batchShape.length - 1; d >= 0; d--) {
        const i = rem % batchShape[d];
        rem = (rem - i) / batchShape[d];
        ao += i * aStrides[d];
        bo += i * bStrides[d];
      }
      aOffsets[p] = ao * m * k;
      bOffsets[p] = bo * k * n;
    }
  }
  const attrs: MatMulAttrs = {
    m,
    n,
    k,
    transA,
    transB,
    aRowStride: transA ? 1 : k,
    aColStride: transA ? m : 1,
    bRowStride: transB ? 1 : n,
    bColStride: transB ? k : 1,
    batch,
    batchShape,
    aOffsets,
    bOffsets,
  };
  return { attrs, outShape: [...batchShape, m, n] };
}

/** op(a) @ op(b), where op transposes the last two dims when asked. */
export function matmul(a: Tensor, b: Tensor, opts: MatMulOptions = {}): Tensor {
  assertTensor(a, 'matmul', 'a');
  assertTensor(b, 'matmul', 'b');
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  if (a.dtype !== b.dtype) {
    if (a.dtype === 'float32') a = cast(a, 'float64');
    else b = cast(b, 'float64');
  }
  const { attrs, outShape } = matmulAttrs(a, b, transA, transB);
  const y = run('MatMul', [a, b], attrs, outShape);
  const A = a;
  const B = b;
  return record(y, 'matmul', [A, B], (dy, needs) => {
    // C = op(A) op(B)  =>  d op(A) = dC op(B)ᵀ,  d op(B) = op(A)ᵀ dC; then undo op and the batch broadcast.
    let dA: Tensor | null = null;
    let dB: Tensor | null = null;
    if (needs[0]) {
      dA = transA ? matmul(B, dy, { transA: transB, transB: true }) : matmul(dy, B, { transB: !transB });
      dA = sumTo(dA, A.shape);
    }
    if (needs[1]) {
      dB = transB ? matmul(dy, A, { transA: true, transB: transA }) : matmul(A, dy, { transA: !transA });
      dB = sumTo(dB, B.shape);
    }
    return [dA, dB];
  });
}

/**
 * x (..., K) @ weight (K, N) + bias (N) -> (..., N): a Linear layer's forward.
 * One MatMulBias kernel where the backend has it (the bias is added as the
 * product is stored, saving a pass over the output); elsewhere, and for mixed
 * dtypes, the composition matmul then add, which it equals. Without a bias it
 * is matmul. Differentiable in x, weight and bias.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  assertTensor(x, 'linear', 'x');
  assertTensor(weight, 'linear', 'weight');
  if (bias !== null) assertTensor(bias, 'linear', 'bias');
  if (weight.ndim !== 2 || x.ndim < 1 || x.shape[x.ndim - 1] !== weight.shape[0]) {
    throw new Error(`linear: expected x (..., K) and weight (K, N), got x ${shapeStr(x.shape)} and weight ${shapeStr(weight.shape)}`);
  }
  const [k, n] = weight.shape;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== n)) throw new Error(`linear: expected bias (${n}), got ${shapeStr(bias.shape)}`);
  const lead = x.shape.slice(0, -1);
  const flat = reshape(x, [-1, k]); // (rows, K), rows = product of the leading dims
  const sameDType = x.dtype === weight.dtype && bias?.dtype === x.dtype;
  if (!bias || !sameDType || !backendHasKernel('MatMulBias', x.dtype)) {
    const y = matmul(flat, weight); // (rows, N)
    return reshape(bias ? add(y, bias) : y, [...lead, n]); // (..., N)
  }
  const { attrs, outShape } = matmulAttrs(flat, weight, false, false);
  const y = run('MatMulBias', [flat, weight, bias], attrs, outShape); // (rows, N)
  const out = record(y, 'linear', [flat, weight, bias], (dy, needs) => {
    const dx = needs[0] ? matmul(dy, weight, { transB: true }) : null; // (rows, K)
    if (needs[1] && needs[2] && backendHasKernel('MatMulColumnSums', dy.dtype)) {
      // X^T dY (K, N) and dY summed over its rows (N), in one pass over dY
      const [dw, db] = runMulti('MatMulColumnSums', [flat, dy], matmulAttrs(flat, dy, true, false).attrs, [[k, n], [n]]);
      return [dx, dw, db];
    }
    return [
      dx,
      needs[1] ? matmul(flat, dy, { transA: true }) : null, // (K, N)
      needs[2] ? sum(dy, 0) : null, // (N)
    ];
  });
  return reshape(out, [...lead, n]); // (..., N)
}
