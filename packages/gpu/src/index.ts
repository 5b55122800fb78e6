// @attn/gpu: a GPU.js backend for @attn/tensor (MatMul everywhere; in GL modes
// the data stay on the device and most of a transformer's kernels run there too).
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
export { type CalibrateOptions, type Calibration, calibrateMinFlops } from './calibrate.js';
export { MatMulKernels } from './matmul-kernel.js';
export { DEVICE_KERNELS, type DeviceKernelName } from './self-test.js';
