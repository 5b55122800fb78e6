// @attn/tensor: tensors with reverse-mode autograd and pluggable backends.
export type {
  Backend,
  BinaryOp,
  DataHandle,
  DType,
  FloatArray,
  Kernel,
  KernelAttrs,
  KernelInput,
  KernelName,
  KernelTable,
  MatMulAttrs,
  RegisterOptions,
  UnaryOp,
} from './backend.js';
export { getBackend, listBackends, registerBackend, removeBackend, setBackend } from './engine.js';
export { cpuBackend } from './backends/cpu/index.js';
