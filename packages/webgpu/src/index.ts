// @attn/webgpu: a WebGPU backend for @attn/tensor (tensors in GPUBuffers, WGSL kernels, asynchronous reads).
export {
  registerWebGPUBackend,
  WEBGPU_PRIORITY,
  type WebGPUBackendHandle,
  type WebGPUBackendOptions,
  type WebGPUStats,
} from './backend.js';
export { type GpuEntry, type PowerPreference, probeWebGPU, type WebGPUAdapterInfo } from './adapter.js';
export { WebGPUBackendError } from './errors.js';
export { sizeClass } from './buffer-pool.js';
export type { AttentionStrategy } from './kernels/attention.js';
export type { MatmulStrategy } from './kernels/matmul.js';
