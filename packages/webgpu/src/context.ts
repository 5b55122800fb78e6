// What every kernel file uses: tensor buffers (allocated from the pool and
// freed through disposeData or, for tensors never disposed, a
// FinalizationRegistry), compiled programs and recorded dispatches.
import type { KernelInput } from '@attn/tensor';
import type { BufferPool } from './buffer-pool.js';
import type { Dispatcher } from './dispatcher.js';
import { WebGPUBackendError } from './errors.js';
import type { Params } from './params.js';
import type { PipelineCache } from './pipelines.js';
import { PRELUDE } from './prelude.js';

/** A tensor's storage on this backend: a pooled storage buffer holding `size` float32 values. */
export interface GpuTensorData {
  readonly buffer: GPUBuffer;
  /** Elements (the buffer may be larger: it comes from a size class). */
  readonly size: number;
  /** Set once the buffer went back to the pool; the handle is dead. */
  released: boolean;
}

export class KernelContext {
  /** Frees the buffers of handles the garbage collector found unreachable without a dispose() (autograd intermediates outside tidy()). */
  private readonly finalizer = new FinalizationRegistry<GPUBuffer>((buffer) => this.pool.release(buffer));

  constructor(
    readonly dispatcher: Dispatcher,
    readonly pipelines: PipelineCache,
    readonly pool: BufferPool,
    /** Largest storage buffer binding the device allows, in bytes. */
    readonly maxBindingBytes: number,
  ) {}

  /** A new tensor buffer of `size` float32 elements (contents undefined until a kernel or upload writes it). */
  alloc(size: number): GpuTensorData {
    const bytes = Math.max(4, size * 4);
    if (bytes > this.maxBindingBytes) {
      throw new WebGPUBackendError(
        `webgpu: a tensor of ${size} elements (${bytes} bytes) exceeds this device's maxStorageBufferBindingSize (${this.maxBindingBytes} bytes)`,
      );
    }
    const handle: GpuTensorData = { buffer: this.pool.acquire(bytes), size, released: false };
    this.finalizer.register(handle, handle.buffer, handle);
    return handle;
  }

  /** Gives a handle's buffer back to the pool (once). */
  free(handle: GpuTensorData): void {
    if (handle.released) return;
    handle.released = true;
    this.finalizer.unregister(handle);
    this.pool.release(handle.buffer);
  }

  /** The buffer behind a kernel input. */
  buffer(input: KernelInput): GPUBuffer {
    const data = input.handle as GpuTensorData;
    if (data.released) throw new WebGPUBackendError('webgpu: a kernel input was already freed (tensor used after dispose())');
    return data.buffer;
  }

  /** Records `key`'s kernel (compiled from PRELUDE + body() the first time) over `workgroups`. */
  run(key: string, body: () => string, params: Params, buffers: readonly GPUBuffer[], workgroups: readonly [number, number, number]): void {
    const program = this.pipelines.get(key, () => PRELUDE + body());
    this.dispatcher.dispatch(program, params.words, buffers, workgroups);
  }

  /**
   * Uploads 32-bit integers (indices, targets) to a temporary buffer for `use`,
   * then gives the buffer back to the pool: commands run in recorded order, so
   * a later kernel may recycle it safely.
   */
  withInts<T>(values: Int32Array, use: (buffer: GPUBuffer) => T): T {
    const buffer = this.pool.acquire(Math.max(4, values.byteLength));
    try {
      this.dispatcher.upload(buffer, values);
      return use(buffer);
    } finally {
      this.pool.release(buffer);
    }
  }
}

/** Elements in a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
