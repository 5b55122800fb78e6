// The Tensor: shape + dtype + a Storage on some backend, plus the autograd
// bookkeeping (requiresGrad, grad, the node that produced it). All math lives
// in ./ops; the methods here just call those functions so chains read well.
import { type GradNode, noGrad, runBackward } from './autograd.js';
import type { DType, FloatArray } from './backend.js';
import { keepStorage, read, readSync, release, releaseAll, type Storage, storeValues, tidy } from './engine.js';
import * as ops from './ops/index.js';
import { normalizeAxis, shapeStr, sizeOf } from './shape.js';

/** Nested JS arrays of numbers, e.g. [[1, 2], [3, 4]]. */
export type NestedArray = number | NestedArray[];

let nextId = 0;

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  readonly ndim: number;
  /** Unique id, handy for debugging and maps. */
  readonly id = nextId++;
  /** Whether backward() should compute a gradient for this tensor. */
  requiresGrad = false;
  /** Accumulated gradient (same shape and dtype), or null before backward()/after zeroGrad(). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when the graph was recorded. Internal. */
  gradNode: GradNode | null = null;
  /** Where the values live. Internal. */
  storage: Storage;

  /** Internal: use tensor(), fromArray(), zeros() ... to create tensors. */
  constructor(storage: Storage, shape: readonly number[], dtype: DType) {
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.ndim = shape.length;
  }

  /** Internal: wraps freshly computed values (ownership passes to the backend). */
  static fromValues(values: FloatArray, shape: readonly number[], dtype: DType): Tensor {
    return new Tensor(storeValues(values, dtype), shape, dtype);
  }

  /**
   * The values as a typed array, reading back from the device if needed. On the
   * CPU backend this is the tensor's own storage (no copy): treat it as
   * read-only; to change values use assign().
   */
  dataSync(): FloatArray {
    return readSync(this.storage);
  }

  /**
   * The values, read without blocking: works on every backend, including those
   * whose memory can only be read asynchronously (WebGPU). On the CPU backend
   * this is the tensor's own storage: treat it as read-only.
   */
  data(): Promise<FloatArray> {
    return read(this.storage);
  }

  /** The value of a one-element tensor, read without blocking (works on every backend). */
  async item(): Promise<number> {
    this.checkOneElement('item');
    return (await this.data())[0];
  }

  /** The value of a one-element tensor, read synchronously (backends that can block on a read: cpu, wasm, gpu.js). */
  itemSync(): number {
    this.checkOneElement('itemSync');
    return this.dataSync()[0];
  }

  private checkOneElement(op: string): void {
    if (this.size !== 1) throw new Error(`${op}: expected a tensor with one element, got shape ${shapeStr(this.shape)}`);
  }

  /** Nested JS arrays (a number for a scalar), read without blocking (works on every backend). */
  async array(): Promise<NestedArray> {
    return this.nest(await this.data());
  }

  /** Nested JS arrays (a number for a scalar), read synchronously. */
  toArray(): NestedArray {
    return this.nest(this.dataSync());
  }

  private nest(values: FloatArray): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.ndim) return values[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /**
   * Backpropagates from this tensor. Without `grad` the tensor must have one
   * element (a loss). Gradients accumulate into `.grad` of every leaf with
   * requiresGrad; call zeroGrad() between steps.
   */
  backward(grad?: Tensor): void {
    if (!this.requiresGrad) {
      throw new Error('backward: this tensor does not require grad (no input had requiresGrad, or it was made in noGrad)');
    }
    let seed = grad;
    if (!seed) {
      if (this.size !== 1) {
        throw new Error(`backward: an implicit gradient needs a one-element tensor, got shape ${shapeStr(this.shape)}`);
      }
      seed = ops.onesLike(this);
    } else if (seed.shape.length !== this.ndim || seed.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(`backward: gradient shape ${shapeStr(seed.shape)} differs from tensor shape ${shapeStr(this.shape)}`);
    }
    runBackward(this, seed, ops.add, (g) => ops.mul(g, 1));
  }

  /** A tensor sharing these values but cut from the graph (requiresGrad false). */
  detach(): Tensor {
    this.storage.refs++;
    return new Tensor(this.storage, this.shape, this.dtype);
  }

  /**
   * Drops the gradient and frees its memory, views of it included (backward()
   * gives every leaf a gradient storage of its own). Read it before calling this.
   */
  zeroGrad(): void {
    if (this.grad) releaseAll(this.grad.storage);
    this.grad = null;
  }

  /** Frees this tensor's device memory once no view (reshape/detach) uses it. */
  dispose(): void {
    release(this.storage);
  }

  /**
   * Replaces the values in place (shape and dtype stay): how optimizers update
   * parameters without creating new leaf tensors. Not recorded by autograd.
   * Where the backend can overwrite its storage (cpu, wasm: see
   * Backend.overwrite) views (reshape/detach) see the new values too.
   * A tensor on the same device backend (a GPU's textures) is adopted
   * without a copy or a read-back: this tensor takes over its storage.
   * Elsewhere the values are uploaded as new storage for this tensor.
   */
  assign(values: Tensor | ArrayLike<number>): this {
    if (values instanceof Tensor && this.canAdopt(values)) {
      values.storage.refs++; // the source keeps a view until it is disposed
      keepStorage(values.storage); // a parameter's values outlive any tidy() the update runs in
      release(this.storage);
      this.storage = values.storage;
      return this;
    }
    const source = values instanceof Tensor ? this.valuesToCopy(values) : values;
    if (source.length !== this.size) {
      throw new Error(`assign: expected ${this.size} values for shape ${shapeStr(this.shape)}, got ${source.length}`);
    }
    const { backend, handle } = this.storage;
    if (this.storage.disposed) throw new Error('assign: tensor was used after dispose()');
    if (backend.overwrite) {
      backend.overwrite(handle, source);
      return this;
    }
    // The constructor copies a typed array with one memcpy (TypedArray.from walks an iterator).
    const copy = this.dtype === 'float64' ? new Float64Array(source) : new Float32Array(source);
    const fresh = storeValues(copy, this.dtype, this.storage.backend);
    keepStorage(fresh); // a parameter's values outlive any tidy() the update runs in
    release(this.storage);
    this.storage = fresh;
    return this;
  }

  /**
   * Whether assignAt() can write into this tensor's values in place: they live in host memory
   * that the backend lets assign() overwrite (cpu, wasm), not on a device.
   */
  get writableInPlace(): boolean {
    const { backend, handle, disposed } = this.storage;
    return !disposed && backend.overwrite !== undefined && ArrayBuffer.isView(handle);
  }

  /**
   * Overwrites elements [offset, offset + values.length) of the flat values in place, leaving the
   * rest: how a checkpoint loader fills a large parameter piece by piece, with no buffer the size
   * of the tensor. Like assign(), not recorded by autograd, and views see the new values. Only where
   * writableInPlace is true (cpu, wasm); elsewhere assign() the whole tensor.
   */
  assignAt(offset: number, values: ArrayLike<number>): this {
    if (!Number.isInteger(offset) || offset < 0 || offset + values.length > this.size) {
      throw new Error(`assignAt: ${values.length} values at offset ${offset} do not fit a tensor of ${this.size} (shape ${shapeStr(this.shape)})`);
    }
    if (this.storage.disposed) throw new Error('assignAt: tensor was used after dispose()');
    if (!this.writableInPlace) throw new Error(`assignAt: the ${this.storage.backend.name} backend keeps values off the host; assign() the whole tensor instead`);
    // The same write Backend.overwrite does on host arrays (cpu, wasm), from `offset` on.
    (this.storage.handle as FloatArray).set(values, offset);
    return this;
  }

  /**
   * Overwrites positions [start, start + n) along `axis` with `values` (n =
   * values.shape[axis]; its other dims and dtype as this tensor's), in place
   * like assign(): not recorded by autograd. This is how a key/value cache
   * preallocated for many positions takes in new ones without copying those
   * it holds. Backends with `copyRows` (cpu, wasm) write just those positions
   * and views see them; elsewhere the whole new tensor is built from slices
   * and assigned.
   */
  assignSlice(axis: number, start: number, values: Tensor): this {
    if (!(values instanceof Tensor)) throw new Error('assignSlice: values must be a Tensor');
    const ax = normalizeAxis(axis, this.ndim, 'assignSlice');
    const length = this.shape[ax];
    const n = values.shape[ax];
    if (values.ndim !== this.ndim || values.dtype !== this.dtype || values.shape.some((d, i) => i !== ax && d !== this.shape[i])) {
      throw new Error(
        `assignSlice: values ${shapeStr(values.shape)} ${values.dtype} must match ${shapeStr(this.shape)} ${this.dtype} in every dim but axis ${ax}`,
      );
    }
    if (!Number.isInteger(start) || start < 0 || start + n > length) {
      throw new Error(`assignSlice: ${n} positions from ${start} do not fit axis ${ax} of length ${length} (shape ${shapeStr(this.shape)})`);
    }
    if (this.storage.disposed || values.storage.disposed) throw new Error('assignSlice: tensor was used after dispose()');
    if (n === 0) return this;
    const { backend, handle } = this.storage;
    if (backend.copyRows && values.storage.backend === backend) {
      // (outer, n, inner) into rows [start, start + n) of (outer, length, inner)
      const inner = sizeOf(this.shape.slice(ax + 1));
      const outer = sizeOf(this.shape.slice(0, ax));
      backend.copyRows(values.storage.handle, 0, n * inner, handle, start * inner, length * inner, outer, n * inner);
      return this;
    }
    return noGrad(() =>
      tidy(() => {
        const parts: Tensor[] = [];
        if (start > 0) parts.push(ops.slice(this, ax, 0, start));
        parts.push(values);
        if (start + n < length) parts.push(ops.slice(this, ax, start + n, length));
        return this.assign(ops.concat(parts, ax));
      }),
    );
  }

  /** Whether assign(other) can take over other's storage: same device backend (not host arrays), same size and dtype. */
  private canAdopt(other: Tensor): boolean {
    const mine = this.storage;
    const theirs = other.storage;
    return (
      !mine.disposed &&
      !theirs.disposed &&
      theirs !== mine &&
      theirs.backend === mine.backend &&
      !ArrayBuffer.isView(theirs.handle) &&
      other.size === this.size &&
      other.dtype === this.dtype
    );
  }

  /** Another tensor's values for assign(): its own array when it lives on the same host-memory backend (no read-back copy). */
  private valuesToCopy(other: Tensor): ArrayLike<number> {
    const { backend, handle } = other.storage;
    if (!other.storage.disposed && backend === this.storage.backend && ArrayBuffer.isView(handle)) return handle as FloatArray;
    return other.dataSync();
  }

  toString(): string {
    return `Tensor(shape=${shapeStr(this.shape)}, dtype=${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // Methods mirroring the free functions in ./ops.
  add(other: Tensor | number): Tensor {
    return ops.add(this, other);
  }
  sub(other: Tensor | number): Tensor {
    return ops.sub(this, other);
  }
  mul(other: Tensor | number): Tensor {
    return ops.mul(this, other);
  }
  div(other: Tensor | number): Tensor {
    return ops.div(this, other);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  pow(p: number): Tensor {
    return ops.pow(this, p);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  gelu(approximate: 'tanh' | 'none' = 'tanh'): Tensor {
    return ops.gelu(this, approximate);
  }
  sum(axis?: number | number[], keepdim = false): Tensor {
    return ops.sum(this, axis, keepdim);
  }
  mean(axis?: number | number[], keepdim = false): Tensor {
    return ops.mean(this, axis, keepdim);
  }
  max(axis: number, keepdim = false): Tensor {
    return ops.max(this, axis, keepdim);
  }
  argmax(axis: number, keepdim = false): Tensor {
    return ops.argmax(this, axis, keepdim);
  }
  var(axis?: number | number[], keepdim = false): Tensor {
    return ops.variance(this, axis, keepdim);
  }
  matmul(other: Tensor, opts: { transA?: boolean; transB?: boolean } = {}): Tensor {
    return ops.matmul(this, other, opts);
  }
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  view(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  permute(dims: readonly number[]): Tensor {
    return ops.permute(this, dims);
  }
  slice(axis: number, start: number, end: number): Tensor {
    return ops.slice(this, axis, start, end);
  }
  softmax(axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return ops.maskedFill(this, mask, value);
  }
  /** A copy converted to another dtype (differentiable). */
  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
}

/** Marks a tensor (and its views) to survive every enclosing tidy(). Returns it. */
export function keep<T extends Tensor>(t: T): T {
  keepStorage(t.storage);
  return t;
}

/**
 * Whether the tensor's values are a typed array in host memory (the cpu and wasm
 * backends): reading them costs a copy at most, never a transfer from a device.
 * Code that must not read back from a GPU (gradient clipping) checks this before
 * taking a path that reads.
 */
export function isHostResident(t: Tensor): boolean {
  return !t.storage.disposed && ArrayBuffer.isView(t.storage.handle);
}

/**
 * Calls `fn` with the tensor's values where they lie in host memory, without
 * the copy dataSync() makes on backends that hand out copies (wasm): a pass
 * over every gradient of a model (the gradient norm) then reads megabytes in
 * place instead of copying them first. The array is the backend's own: valid
 * only while `fn` runs, never to be written or kept. Throws unless
 * isHostResident(t).
 */
export function readHostValues<T>(t: Tensor, fn: (values: FloatArray) => T): T {
  if (!isHostResident(t)) {
    const why = t.storage.disposed ? 'it was disposed' : `backend '${t.storage.backend.name}' keeps them on a device; read them with data()`;
    throw new Error(`readHostValues: the tensor's values are not in host memory (${why})`);
  }
  const values = t.storage.handle as FloatArray;
  return fn(values.length === t.size ? values : values.subarray(0, t.size));
}
