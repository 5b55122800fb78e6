// @attn/tensor backend 'webgpu': tensors live in GPUBuffers and every kernel
// of the contract runs as a WGSL compute shader (kernels/*.ts).
//
// Reads are asynchronous: `await tensor.data()` / `await tensor.item()` copy a
// buffer to a mappable one and wait for the GPU. `dataSync()` and the engine's
// CPU fallback cannot work (a browser cannot block on the GPU), so the backend
// says `syncReads: false`: dataSync() throws a SyncReadError that points at
// data(), and a kernel the backend lacks fails with its name rather than
// reading back behind the caller's back.
//
// Memory: each tensor holds one pooled buffer (buffer-pool.ts), returned to the
// pool by disposeData (tidy(), dispose()) or, for a tensor dropped without
// either, by a FinalizationRegistry. `Tensor.assign` adopts a device tensor's
// buffer (an optimizer step copies nothing), and `overwrite` uploads host
// values in place.
import { type Backend, type FloatArray, type KernelTable, listBackends, registerBackend, removeBackend, SyncReadError } from '@attn/tensor';
import { defaultGpu, describeAdapter, type GpuEntry, type PowerPreference, requestAdapter, type WebGPUAdapterInfo } from './adapter.js';
import { BufferPool } from './buffer-pool.js';
import { type GpuTensorData, KernelContext } from './context.js';
import { Dispatcher } from './dispatcher.js';
import { WebGPUBackendError } from './errors.js';
import { adamwKernels } from './kernels/adamw.js';
import { type AttentionStrategy, attentionKernels } from './kernels/attention.js';
import { crossEntropyKernels } from './kernels/cross-entropy.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { layerNormKernels } from './kernels/layer-norm.js';
import { layoutKernels } from './kernels/layout.js';
import { type MatmulStrategy, matmulKernels } from './kernels/matmul.js';
import { reduceKernels } from './kernels/reduce.js';
import { softmaxKernels } from './kernels/softmax.js';
import { PipelineCache } from './pipelines.js';

/** Priority in the registry: above 'cpu' (1), 'wasm' and 'gpu' (10), so registering it makes it the default. */
export const WEBGPU_PRIORITY = 20;

export interface WebGPUBackendOptions {
  /** Registry name (default 'webgpu'). */
  name?: string;
  /** Registry priority (default WEBGPU_PRIORITY: the default backend once registered). */
  priority?: number;
  /** Passed to requestAdapter(): 'high-performance' picks the discrete GPU on a laptop with two. */
  powerPreference?: PowerPreference;
  /** The WebGPU entry point (default navigator.gpu, in a page or a Web Worker; in Node, Dawn's, see the README). */
  gpu?: GpuEntry;
  /** Most bytes of free buffers the pool keeps for reuse (default 256 MiB); beyond it released buffers are destroyed. */
  maxPooledBytes?: number;
  /**
   * The MatMul kernel (kernels/matmul.ts): 'tiled' stages tiles in workgroup
   * memory, 'direct' reads the buffers straight into registers. 'auto' (the
   * default) picks 'tiled' on a GPU and 'direct' on a software adapter
   * (SwiftShader), where it measured faster.
   */
  matmul?: 'auto' | MatmulStrategy;
  /**
   * The fused attention kernels (kernels/attention.ts): 'tiled' walks blocks of
   * keys through workgroup memory, 'direct' reads them straight from the
   * buffers. 'auto' (the default) picks as for matmul: 'tiled' on a GPU,
   * 'direct' on a software adapter, where it measured faster.
   */
  attention?: 'auto' | AttentionStrategy;
}

/** Counters for tests, the bench and bug reports. */
export interface WebGPUStats {
  /** Tensor buffers alive (held by tensors or in-flight temporaries), and their bytes. A training loop in tidy() keeps this flat. */
  liveBuffers: number;
  liveBytes: number;
  /** Most bytes of tensor buffers alive at once since registration or the last resetPeak(): what a computation needed at its height. */
  peakLiveBytes: number;
  /** Free buffers waiting in the pool, and their bytes. */
  pooledBuffers: number;
  pooledBytes: number;
  /** Tensor buffers created / destroyed since registration (flat in a steady loop: the pool serves every request). */
  buffersCreated: number;
  buffersDestroyed: number;
  /** Compiled pipelines (one per kernel variant and size class, never per shape) and compiles so far. */
  pipelines: number;
  pipelineCompiles: number;
  /** Cached MatMul batch-offset buffers. */
  offsetBuffers: number;
  /** Kernel dispatches, command-buffer submits, host uploads (and bytes), read-backs, so far. */
  dispatches: number;
  submits: number;
  uploads: number;
  uploadBytes: number;
  readbacks: number;
}

export interface WebGPUBackendHandle {
  backend: Backend;
  /** The adapter in use (vendor, architecture, whether it is CPU emulation, a label for people). */
  adapter: WebGPUAdapterInfo;
  /** The MatMul kernel in use ('auto' resolved). */
  matmul: MatmulStrategy;
  /** The fused attention kernels in use ('auto' resolved). */
  attention: AttentionStrategy;
  stats(): WebGPUStats;
  /** Starts stats().peakLiveBytes again from the bytes alive now. */
  resetPeak(): void;
  /** Names of the compiled pipelines, sorted. */
  pipelineKeys(): string[];
  /** Submits the recorded kernels now (reads do it themselves). */
  flush(): void;
  /** Resolves when the GPU has finished every kernel recorded so far. */
  idle(): Promise<void>;
  /**
   * Unregisters the backend and destroys the device. Tensors still on it become
   * unusable: read what you need with `await data()` first.
   */
  dispose(): void;
}

/**
 * Requests a WebGPU adapter and device and registers backend 'webgpu' (see
 * the options). Works in a page and in a Web Worker (both have navigator.gpu on
 * a secure context). Throws a WebGPUBackendError when WebGPU or an adapter is
 * missing; use probeWebGPU() to ask first.
 */
export async function registerWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<WebGPUBackendHandle> {
  const name = options.name ?? 'webgpu';
  if (typeof name !== 'string' || name === '') throw new WebGPUBackendError(`registerWebGPUBackend: name must be a non-empty string, got ${JSON.stringify(name)}`);
  if (listBackends().includes(name)) {
    throw new WebGPUBackendError(`registerWebGPUBackend: a backend named '${name}' is already registered; dispose() it first`);
  }
  const maxPooledBytes = options.maxPooledBytes ?? 256 * 2 ** 20;
  if (!(maxPooledBytes >= 0)) throw new WebGPUBackendError(`registerWebGPUBackend: maxPooledBytes must be a number >= 0, got ${options.maxPooledBytes}`);
  const requestedMatmul = options.matmul ?? 'auto';
  if (!['auto', 'tiled', 'direct'].includes(requestedMatmul)) {
    throw new WebGPUBackendError(`registerWebGPUBackend: matmul must be 'auto', 'tiled' or 'direct', got ${JSON.stringify(options.matmul)}`);
  }
  const requestedAttention = options.attention ?? 'auto';
  if (!['auto', 'tiled', 'direct'].includes(requestedAttention)) {
    throw new WebGPUBackendError(`registerWebGPUBackend: attention must be 'auto', 'tiled' or 'direct', got ${JSON.stringify(options.attention)}`);
  }
  const adapter = await requestAdapter(options.gpu ?? defaultGpu(), options.powerPreference);
  const adapterInfo = describeAdapter(adapter);
  const matmulStrategy: MatmulStrategy = requestedMatmul === 'auto' ? (adapterInfo.software ? 'direct' : 'tiled') : requestedMatmul;
  const attentionStrategy: AttentionStrategy = requestedAttention === 'auto' ? (adapterInfo.software ? 'direct' : 'tiled') : requestedAttention;
  // Ask for the adapter's full buffer sizes: the defaults (128 MiB bindings) would cap the model size.
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  const dispatcher = new Dispatcher(device);
  const pipelines = new PipelineCache(device);
  const pool = new BufferPool(device, maxPooledBytes, (buffer) => dispatcher.retire(buffer));
  const ctx = new KernelContext(dispatcher, pipelines, pool, device.limits.maxStorageBufferBindingSize);
  const matmul = matmulKernels(ctx, matmulStrategy);
  const kernels: KernelTable = {
    ...elementwiseKernels(ctx),
    ...reduceKernels(ctx),
    ...layoutKernels(ctx),
    ...softmaxKernels(ctx),
    ...crossEntropyKernels(ctx),
    ...layerNormKernels(ctx),
    ...adamwKernels(ctx),
    ...attentionKernels(ctx, attentionStrategy),
    ...matmul.kernels,
  };

  const upload = (handle: GpuTensorData, values: ArrayLike<number>) => {
    dispatcher.upload(handle.buffer, values instanceof Float32Array ? values : Float32Array.from(values));
  };
  const backend: Backend = {
    name,
    syncReads: false,
    kernels,
    supportsDType: (dtype) => dtype === 'float32',
    write: (values: FloatArray) => {
      const handle = ctx.alloc(values.length);
      upload(handle, values);
      return handle;
    },
    readSync: () => {
      throw new SyncReadError(
        `${name}: dataSync()/itemSync()/toArray() cannot read a WebGPU buffer synchronously (the browser maps GPU memory asynchronously); ` +
          'use `await tensor.data()`, `await tensor.item()` or `await tensor.array()`',
        name,
      );
    },
    read: async (handle, size) => {
      const data = handle as GpuTensorData;
      if (data.released) throw new WebGPUBackendError(`${name}: read of a freed buffer (tensor used after dispose())`);
      return new Float32Array(await dispatcher.read(data.buffer, size * 4));
    },
    disposeData: (handle) => ctx.free(handle as GpuTensorData),
    overwrite: (handle, values) => upload(handle as GpuTensorData, values),
  };
  registerBackend(backend, { priority: options.priority ?? WEBGPU_PRIORITY });

  return {
    backend,
    adapter: adapterInfo,
    matmul: matmulStrategy,
    attention: attentionStrategy,
    stats: () => {
      const p = pool.snapshot();
      const c = dispatcher.counters;
      return {
        liveBuffers: p.live,
        liveBytes: p.liveBytes,
        peakLiveBytes: p.peakLiveBytes,
        pooledBuffers: p.pooled,
        pooledBytes: p.pooledBytes,
        buffersCreated: p.created,
        buffersDestroyed: p.destroyed,
        pipelines: pipelines.size,
        pipelineCompiles: pipelines.compiles,
        offsetBuffers: matmul.offsets.size,
        dispatches: c.dispatches,
        submits: c.submits,
        uploads: c.uploads,
        uploadBytes: c.uploadBytes,
        readbacks: c.readbacks,
      };
    },
    resetPeak: () => pool.resetPeak(),
    pipelineKeys: () => pipelines.keys(),
    flush: () => dispatcher.flush(),
    idle: () => dispatcher.idle(),
    dispose: () => {
      removeBackend(name);
      dispatcher.dispose();
      pool.trim();
      device.destroy();
    },
  };
}
