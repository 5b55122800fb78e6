// The engine: the backend registry, tensor storage, and `runKernel`, the one
// place where ops meet backends (including the fallback to the CPU backend).
import type { Backend, DataHandle, DType, FloatArray, KernelAttrs, KernelInput, KernelName, RegisterOptions } from './backend.js';
import { cpuBackend } from './backends/cpu/index.js';
import { SyncReadError } from './errors.js';

/**
 * Where a tensor's values live. Tensors that are views of each other (reshape,
 * detach) share one Storage; when the data move to another backend the Storage
 * is updated in place, so every view follows. `refs` counts the tensors using it.
 */
export class Storage {
  constructor(
    public backend: Backend,
    public handle: DataHandle,
    /** Number of elements. */
    public readonly size: number,
    public readonly dtype: DType,
  ) {}
  refs = 1;
  disposed = false;
}

/** What runKernel needs to know about an input (a Tensor satisfies this). */
export interface KernelOperand {
  readonly storage: Storage;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

interface Registered {
  backend: Backend;
  priority: number;
}

const registry = new Map<string, Registered>();
let selected: Backend | null = null;

/** Adds a backend. With no setBackend() call, the highest priority wins. */
export function registerBackend(backend: Backend, options: RegisterOptions = {}): void {
  if (!backend || typeof backend.name !== 'string' || !backend.name) {
    throw new Error('registerBackend: expected a backend object with a non-empty name');
  }
  registry.set(backend.name, { backend, priority: options.priority ?? 0 });
}

/** Makes the named backend the one new tensors and kernels use. */
export function setBackend(name: string): void {
  const entry = registry.get(name);
  if (!entry) throw new Error(`setBackend: no backend named '${name}' (registered: ${listBackends().join(', ')})`);
  selected = entry.backend;
}

/** The backend in use: the one chosen with setBackend(), else the highest priority. */
export function getBackend(): Backend {
  if (selected) return selected;
  let best: Registered | null = null;
  for (const entry of registry.values()) if (!best || entry.priority > best.priority) best = entry;
  return best!.backend;
}

/** Names of the registered backends, highest priority first. */
export function listBackends(): string[] {
  return [...registry.values()].sort((a, b) => b.priority - a.priority).map((e) => e.backend.name);
}

/** Removes a backend (tests use this). Tensors already on it stay readable only while it lives. */
export function removeBackend(name: string): void {
  if (name === 'cpu') throw new Error("removeBackend: the 'cpu' backend is the fallback and cannot be removed");
  const entry = registry.get(name);
  registry.delete(name);
  if (entry && selected === entry.backend) selected = null;
}

registerBackend(cpuBackend, { priority: 1 });

/** Stores values on the current backend (or `backend`). Takes ownership of `values`. */
export function storeValues(values: FloatArray, dtype: DType, backend: Backend = getBackend()): Storage {
  const target = backend.supportsDType(dtype) ? backend : cpuBackend;
  return track(new Storage(target, target.write(values, dtype), values.length, dtype));
}

// ## Scopes (tidy)
//
// JavaScript frees a tensor's memory only when the garbage collector finds it
// unreachable, which is fine for host arrays but not for device or WebAssembly
// memory, and a training step makes hundreds of intermediate tensors. tidy(fn)
// records every storage created while fn runs and releases, when it returns,
// those that did not escape: storages of the tensors fn returns, and of tensors
// passed to keep() (autograd keeps the gradients it leaves on parameters), move
// to the enclosing scope, if any. Same idea as tf.tidy.

/** Open scopes, innermost last; each holds the storages created in it that may still be released. */
const scopes: Set<Storage>[] = [];

function track(storage: Storage): Storage {
  if (scopes.length > 0) scopes[scopes.length - 1].add(storage);
  return storage;
}

/** Takes a storage out of every open scope, so no tidy() releases it. */
export function keepStorage(storage: Storage): void {
  for (const scope of scopes) scope.delete(storage);
}

/** Storages of the Tensors in `value` (a tensor, or arrays / plain objects holding tensors, searched a few levels deep). */
function storagesIn(value: unknown, out: Set<Storage>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  const storage = (value as { storage?: unknown }).storage;
  if (storage instanceof Storage) {
    out.add(storage);
    return;
  }
  if (ArrayBuffer.isView(value)) return;
  const items = Array.isArray(value) ? value : value.constructor === Object ? Object.values(value) : [];
  for (const item of items) storagesIn(item, out, depth + 1);
}

/**
 * Runs fn and then frees the memory of every tensor created inside it, except
 * those it returns (directly, or in an array or plain object) and those passed
 * to keep(). Gradients that backward() leaves on leaf tensors are kept. Using
 * a released tensor afterwards throws "tensor was used after dispose()".
 * Tensors created before tidy() are never touched. fn must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Storage>();
  scopes.push(scope);
  let result: T;
  let escaped = new Set<Storage>();
  try {
    result = fn();
    if (result instanceof Promise) throw new Error('tidy: fn must be synchronous (it returned a Promise)');
    storagesIn(result, escaped);
  } catch (err) {
    escaped = new Set();
    throw err;
  } finally {
    scopes.pop();
    for (const storage of scope) {
      if (escaped.has(storage)) {
        if (scopes.length > 0) scopes[scopes.length - 1].add(storage);
      } else {
        releaseAll(storage);
      }
    }
  }
  return result;
}

/**
 * Frees a storage whatever its view count: for storages whose views are all
 * dead or owned by one tensor (a scope's leftovers, a leaf's gradient).
 */
export function releaseAll(storage: Storage): void {
  if (storage.disposed) return;
  storage.refs = 0;
  storage.backend.disposeData(storage.handle);
  storage.disposed = true;
}

/** Moves a storage's values to `backend` (in place), reading them back if needed. */
export function moveTo(storage: Storage, backend: Backend): void {
  if (storage.disposed) throw new Error('tensor was used after dispose()');
  if (storage.backend === backend) return;
  // A GPU read returns a fresh array; the CPU returns its own, which it never
  // touches again after disposeData, so the new owner may keep either.
  const values = storage.backend.readSync(storage.handle, storage.size, storage.dtype);
  const handle = backend.write(values, storage.dtype);
  storage.backend.disposeData(storage.handle);
  storage.backend = backend;
  storage.handle = handle;
}

/**
 * moveTo without a synchronous read: reads the values with the source backend's
 * asynchronous `read` (which every backend has, WebGPU included), then writes them
 * to `backend`. For moving long-lived tensors (weights, optimizer state) off a
 * backend that cannot read synchronously; nothing may compute on the storage meanwhile.
 */
export async function moveToAsync(storage: Storage, backend: Backend): Promise<void> {
  if (storage.disposed) throw new Error('tensor was used after dispose()');
  if (storage.backend === backend) return;
  const source = storage.backend;
  const handle = storage.handle;
  const values = await source.read(handle, storage.size, storage.dtype);
  // A kernel that ran meanwhile may already have moved it (or it was disposed): nothing left to do.
  if (storage.disposed || storage.backend !== source || storage.handle !== handle) return;
  const target = backend.supportsDType(storage.dtype) ? backend : cpuBackend;
  storage.handle = target.write(values, storage.dtype);
  storage.backend = target;
  source.disposeData(handle);
}

/** A registered backend by name, or an error listing the names there are. */
export function backendNamed(name: string): Backend {
  const entry = registry.get(name);
  if (!entry) throw new Error(`no backend named '${name}' (registered: ${listBackends().join(', ')})`);
  return entry.backend;
}

/** Reads values as a typed array (the CPU backend's own array: treat as read-only). */
export function readSync(storage: Storage): FloatArray {
  if (storage.disposed) throw new Error('tensor was used after dispose()');
  return storage.backend.readSync(storage.handle, storage.size, storage.dtype);
}

export function read(storage: Storage): Promise<FloatArray> {
  if (storage.disposed) return Promise.reject(new Error('tensor was used after dispose()'));
  return storage.backend.read(storage.handle, storage.size, storage.dtype);
}

/** Drops one reference; frees the backend memory when the last view goes. */
export function release(storage: Storage): void {
  if (storage.disposed) return;
  storage.refs--;
  if (storage.refs <= 0) {
    storage.backend.disposeData(storage.handle);
    storage.disposed = true;
  }
}

/**
 * Whether kernel `name` runs where tensors of `dtype` live: on the selected
 * backend, or on the CPU for a dtype the selected backend leaves to the CPU.
 * False means running it would move its inputs to the CPU backend and back;
 * a layer that has a fused kernel and a composition of common ones for the
 * same result (attention) asks this to pick the composition there.
 */
export function backendHasKernel(name: KernelName, dtype: DType = 'float32'): boolean {
  const active = getBackend();
  if (!active.supportsDType(dtype)) return true;
  return active.kernels[name] !== undefined;
}

/** The backend a kernel will run on: the selected one if it can, else the CPU. */
function backendFor(name: KernelName, dtype: DType): Backend {
  const active = getBackend();
  if (active.kernels[name] && active.supportsDType(dtype)) return active;
  return cpuBackend;
}

/**
 * Runs kernel `name` and returns the output storages (one for most kernels,
 * several for LayerNorm, LayerNormGrad, AdamW, AdamWGroup, FusedAttention,
 * FusedAttentionGrad, FusedSelfAttention and MatMulColumnSums). `outShape` is the first output's shape.
 */
export function runKernel<K extends KernelName>(
  name: K,
  inputs: readonly KernelOperand[],
  attrs: KernelAttrs[K],
  outShape: readonly number[],
  outDType: DType = inputs[0].dtype,
): Storage[] {
  const backend = backendFor(name, outDType);
  const kernelInputs: KernelInput[] = inputs.map((t) => {
    if (t.storage.backend !== backend && t.storage.backend.syncReads === false && !t.storage.disposed) {
      throw fallbackError(name, outDType, t.storage.backend, backend);
    }
    moveTo(t.storage, backend);
    return { handle: t.storage.handle, shape: t.shape, dtype: t.dtype };
  });
  const kernel = backend.kernels[name]!;
  const result = kernel(kernelInputs, attrs, outShape);
  const handles = Array.isArray(result) ? result : [result];
  return handles.map((h, i) => {
    const size = i === 0 ? sizeOfShape(outShape) : outputSizeOf(name, i, inputs, attrs);
    return track(new Storage(backend, h, size, outDType));
  });
}

/** Why kernel `name` cannot run: its input lives on a backend that cannot be read synchronously, and `target` is elsewhere. */
function fallbackError(name: KernelName, dtype: DType, source: Backend, target: Backend): SyncReadError {
  const why = !source.supportsDType(dtype)
    ? `backend '${source.name}' does not support ${dtype}`
    : source.kernels[name]
      ? `the kernel runs on backend '${target.name}'`
      : `backend '${source.name}' has no '${name}' kernel`;
  return new SyncReadError(
    `${name}: ${why}, and moving a '${source.name}' tensor to '${target.name}' needs a synchronous read, which '${source.name}' ` +
      `cannot do. Read the values with \`await tensor.data()\` and compute on the CPU, or run the kernel on '${source.name}'.`,
    source.name,
  );
}

/** Sizes of the extra outputs of multi-output kernels. */
function outputSizeOf<K extends KernelName>(name: K, index: number, inputs: readonly KernelOperand[], attrs: KernelAttrs[K]): number {
  const x = inputs[0].shape;
  if (name === 'MatMulColumnSums') return (attrs as KernelAttrs['MatMulColumnSums']).n; // sums: (n)
  if (name === 'FusedSelfAttention') return (sizeOfShape(x) / x[x.length - 1]) * (attrs as KernelAttrs['FusedSelfAttention']).heads; // lse: (..., H, T)
  if (name === 'AdamW') return sizeOfShape(x); // m', v': the size of param
  if (name === 'AdamWGroup') return sizeOfShape(inputs[index % (inputs.length / 4)].shape); // param'_i, m'_i, v'_i: the size of param_i
  if (name === 'FusedAttention') return sizeOfShape(x) / x[x.length - 1]; // lse: (..., Tq)
  if (name === 'FusedAttentionGrad') return sizeOfShape(inputs[index].shape); // dk, dv: shaped like k, v
  const cols = x[x.length - 1];
  const rows = sizeOfShape(x) / cols;
  if (name === 'LayerNorm') return rows; // mean, rstd: (R)
  if (name === 'LayerNormGrad') return cols; // dweight, dbias: (C)
  throw new Error(`runKernel: kernel '${name}' returned ${index + 1} outputs but has only one`);
}

function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
