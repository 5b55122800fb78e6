// Fused, numerically stable neural-network ops: softmax, log-softmax,
// cross-entropy, layer norm, masked fill, dropout, causal mask.
import { broadcastShapes, normalizeAxis, shapeStr, sizeOf } from '../shape.js';
import type { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { div, mul } from './elementwise.js';
import { assertTensor, record, run, runMulti } from './op.js';
import { sum } from './reduce.js';
import { reshape } from './reshape.js';

/** exp(x) / sum(exp(x)) along axis (max subtracted first). */
export function softmax(x: Tensor, axis = -1): Tensor {
  assertTensor(x, 'softmax', 'x');
  const ax = normalizeAxis(axis, x.ndim, 'softmax');
  const y = run('Softmax', [x], { axis: ax }, x.shape);
  return record(y, 'softmax', [x], (dy) => [run('SoftmaxGrad', [y, dy], { axis: ax }, x.shape)]);
}

/** x - logsumexp(x) along axis. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  assertTensor(x, 'logSoftmax', 'x');
  const ax = normalizeAxis(axis, x.ndim, 'logSoftmax');
  const y = run('LogSoftmax', [x], { axis: ax }, x.shape);
  return record(y, 'logSoftmax', [x], (dy) => [run('LogSoftmaxGrad', [y, dy], { axis: ax }, x.shape)]);
}

export interface CrossEntropyOptions {
  /** Targets equal to this contribute nothing (default -100, as in PyTorch). */
  ignoreIndex?: number;
  /** 'mean' over non-ignored targets (default), 'sum', or 'none' (per position, shape logits.shape[:-1]). */
  reduction?: 'mean' | 'sum' | 'none';
}

/** Cross-entropy of logits (..., V) against integer targets (one per row). */
export function crossEntropy(logits: Tensor, targets: ArrayLike<number>, opts: CrossEntropyOptions = {}): Tensor {
  assertTensor(logits, 'crossEntropy', 'logits');
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const reduction = opts.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new Error(`crossEntropy: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
  }
  if (logits.ndim < 1) throw new Error('crossEntropy: logits must have at least 1 dim (..., V)');
  const v = logits.shape[logits.ndim - 1];
  const rowsShape = logits.shape.slice(0, -1);
  const n = sizeOf(rowsShape);
  if (!targets || targets.length !== n) {
    throw new Error(`crossEntropy: expected ${n} targets for logits ${shapeStr(logits.shape)}, got ${targets?.length}`);
  }
  const t = new Int32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const target = targets[i];
    if (target === ignoreIndex) {
      t[i] = target;
      continue;
    }
    if (!Number.isInteger(target) || target < 0 || target >= v) {
      throw new Error(`crossEntropy: target ${target} at position ${i} is out of range [0, ${v}) (ignoreIndex ${ignoreIndex})`);
    }
    t[i] = target;
    count++;
  }
  const flat = reshape(logits, [n, v]); // (N, V)
  const attrs = { targets: t, ignoreIndex };
  const losses = record(run('CrossEntropy', [flat], attrs, [n]), 'crossEntropy', [flat], (dLoss) => [
    run('CrossEntropyGrad', [flat, dLoss], attrs, [n, v]),
  ]);
  if (reduction === 'none') return reshape(losses, rowsShape);
  const total = sum(losses);
  // Like PyTorch, a mean over zero targets is NaN.
  return reduction === 'sum' ? total : div(total, count);
}

/** Layer norm over the last dim: (x - mean) / sqrt(var + eps) * weight + bias. */
export function layerNorm(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  assertTensor(x, 'layerNorm', 'x');
  if (x.ndim < 1) throw new Error('layerNorm: x must have at least 1 dim');
  const c = x.shape[x.ndim - 1];
  for (const [name, p] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (p && (p.ndim !== 1 || p.shape[0] !== c)) {
      throw new Error(`layerNorm: ${name} must have shape [${c}] for x ${shapeStr(x.shape)}, got ${shapeStr(p.shape)}`);
    }
    if (p && p.dtype !== x.dtype) throw new Error(`layerNorm: ${name} dtype ${p.dtype} differs from x dtype ${x.dtype}`);
  }
  const rows = x.size / Math.max(c, 1);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const hasWeight = !!weight;
  const hasBias = !!bias;
  const [y, means, rstds] = runMulti('LayerNorm', inputs, { eps, hasWeight, hasBias }, [x.shape, [rows], [rows]]);
  return record(y, 'layerNorm', inputs, (dy, needs) => {
    const gradInputs = [x, ...(weight ? [weight] : []), means, rstds, dy];
    const [dx, dw, db] = runMulti('LayerNormGrad', gradInputs, { hasWeight }, [x.shape, [c], [c]]);
    const grads: (Tensor | null)[] = [needs[0] ? dx : null];
    if (weight) grads.push(dw);
    if (bias) grads.push(db);
    return grads;
  });
}

/** x with `value` where mask (broadcastable to x) is nonzero; e.g. -Infinity above a causal diagonal. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  assertTensor(x, 'maskedFill', 'x');
  assertTensor(mask, 'maskedFill', 'mask');
  const outShape = broadcastShapes(x.shape, mask.shape, 'maskedFill');
  if (outShape.length !== x.ndim || outShape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`maskedFill: mask ${shapeStr(mask.shape)} must broadcast to x ${shapeStr(x.shape)}`);
  }
  const y = run('MaskedFill', [x, mask], { value }, x.shape);
  return record(y, 'maskedFill', [x], (dy) => [run('MaskedFill', [dy, mask], { value: 0 }, x.shape)]);
}

/** (T, T) with 1 above the diagonal (the future positions a causal model must not see). */
export function causalMask(t: number): Tensor {
  if (!Number.isInteger(t) || t < 0) throw new Error(`causalMask: T must be a non-negative integer, got ${t}`);
  const values = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) values[i * t + j] = 1;
  return Tensor.fromValues(values, [t, t], 'float32');
}

export interface DropoutOptions {
  /** Source of the random mask (seeded, so runs are reproducible). */
  rng: Rng;
  /** Dropout only acts in training; otherwise x is returned unchanged. */
  training: boolean;
}

/** Zeroes each element with probability p and scales the rest by 1/(1-p). */
export function dropout(x: Tensor, p: number, opts: DropoutOptions): Tensor {
  assertTensor(x, 'dropout', 'x');
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (!opts || typeof opts.training !== 'boolean') throw new Error('dropout: opts.training (boolean) is required');
  if (!opts.training || p === 0) return x;
  if (!opts.rng) throw new Error('dropout: opts.rng is required in training mode');
  const scale = 1 / (1 - p);
  const mask = x.dtype === 'float64' ? new Float64Array(x.size) : new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = opts.rng.next() < p ? 0 : scale;
  return mul(x, Tensor.fromValues(mask, x.shape, x.dtype));
}
