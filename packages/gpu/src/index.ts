// @attn/gpu: a GPU.js-accelerated MatMul backend for @attn/tensor.
export {
  defaultMinFlops,
  GPU_PRIORITY,
  type GpuBackendHandle,
  type GpuBackendInfo,
  type GpuBackendOptions,
  type GpuMode,
  registerGpuBackend,
  use,
} from './backend.js';
export { MatMulKernels } from './matmul-kernel.js';
