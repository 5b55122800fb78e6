// Creating tensors: from nested arrays, flat arrays, constants, ranges, random.
import type { DType } from '../backend.js';
import { Rng } from '../rng.js';
import { allocate, checkShape, shapeStr, sizeOf } from '../shape.js';
import { type NestedArray, Tensor } from '../tensor.js';

/** Options shared by the creation functions. */
export interface CreateOptions {
  /** Element type (default float32). */
  dtype?: DType;
  /** Make this a leaf whose gradient backward() computes. */
  requiresGrad?: boolean;
}

function checkDType(dtype: DType | undefined, op: string): DType {
  const d = dtype ?? 'float32';
  if (d !== 'float32' && d !== 'float64') throw new Error(`${op}: dtype must be 'float32' or 'float64', got '${d}'`);
  return d;
}

function finish(values: Float32Array | Float64Array, shape: readonly number[], opts: CreateOptions, dtype: DType): Tensor {
  const t = Tensor.fromValues(values, shape, dtype);
  t.requiresGrad = opts.requiresGrad ?? false;
  return t;
}

/** A tensor from nested arrays; the shape is inferred and must be rectangular. */
export function tensor(data: NestedArray, opts: CreateOptions = {}): Tensor {
  const dtype = checkDType(opts.dtype, 'tensor');
  const shape: number[] = [];
  let probe: NestedArray = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const values = allocate(dtype, sizeOf(shape));
  let at = 0;
  const walk = (node: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof node !== 'number') throw new Error(`tensor: expected a number at ${path || 'top level'}, got ${typeof node}`);
      values[at++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[dim]) {
      throw new Error(`tensor: ragged nested array at ${path || 'top level'}: expected length ${shape[dim]} (shape ${shapeStr(shape)})`);
    }
    node.forEach((child, i) => {
      walk(child, dim + 1, `${path}[${i}]`);
    });
  };
  walk(data, 0, '');
  return finish(values, shape, opts, dtype);
}

/** A tensor of `shape` holding a copy of `data` (row-major). */
export function fromArray(data: ArrayLike<number>, shape: readonly number[], opts: CreateOptions = {}): Tensor {
  checkShape(shape, 'fromArray');
  const dtype = checkDType(opts.dtype, 'fromArray');
  if (data.length !== sizeOf(shape)) {
    throw new Error(`fromArray: ${data.length} values do not fill shape ${shapeStr(shape)} (needs ${sizeOf(shape)})`);
  }
  const values = dtype === 'float64' ? Float64Array.from(data) : Float32Array.from(data);
  return finish(values, shape, opts, dtype);
}

export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  checkShape(shape, 'full');
  const dtype = checkDType(opts.dtype, 'full');
  const values = allocate(dtype, sizeOf(shape));
  if (value !== 0) values.fill(value);
  return finish(values, shape, opts, dtype);
}

export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Ones with the shape and dtype of t. */
export function onesLike(t: Tensor): Tensor {
  return full(t.shape, 1, { dtype: t.dtype });
}

/** Zeros with the shape and dtype of t. */
export function zerosLike(t: Tensor): Tensor {
  return full(t.shape, 0, { dtype: t.dtype });
}

/** [0, 1, ..., n-1]. */
export function arange(n: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new Error(`arange: n must be a non-negative integer, got ${n}`);
  const dtype = checkDType(opts.dtype, 'arange');
  const values = allocate(dtype, n);
  for (let i = 0; i < n; i++) values[i] = i;
  return finish(values, [n], opts, dtype);
}

/** Random source for randn/rand: an Rng, a seed, or (neither) a shared default stream. */
export interface RandomOptions extends CreateOptions {
  rng?: Rng;
  seed?: number;
}

const defaultRng = new Rng(1337);

function pickRng(opts: RandomOptions): Rng {
  if (opts.rng) return opts.rng;
  if (opts.seed !== undefined) return new Rng(opts.seed);
  return defaultRng;
}

/** Normal samples, mean `mean` (0) and standard deviation `std` (1). */
export function randn(shape: readonly number[], opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkShape(shape, 'randn');
  const dtype = checkDType(opts.dtype, 'randn');
  const rng = pickRng(opts);
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  const values = allocate(dtype, sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = mean + std * rng.normal();
  return finish(values, shape, opts, dtype);
}

/** Uniform samples in [low, high), default [0, 1). */
export function rand(shape: readonly number[], opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape(shape, 'rand');
  const dtype = checkDType(opts.dtype, 'rand');
  const rng = pickRng(opts);
  const low = opts.low ?? 0;
  const high = opts.high ?? 1;
  const values = allocate(dtype, sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * rng.next();
  return finish(values, shape, opts, dtype);
}
