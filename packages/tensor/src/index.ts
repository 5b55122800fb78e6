// @attn/tensor: tensors with reverse-mode autograd and pluggable named-kernel backends.
export type {
  Backend,
  BinaryOp,
  DataHandle,
  DType,
  FloatArray,
  FusedAttentionAttrs,
  FusedSelfAttentionAttrs,
  Kernel,
  KernelAttrs,
  KernelInput,
  KernelName,
  KernelTable,
  MatMulAttrs,
  RegisterOptions,
  UnaryOp,
} from './backend.js';
export { isHostResident, keep, readHostValues, Tensor, type NestedArray } from './tensor.js';
export { SyncReadError } from './errors.js';
export { Rng, type RngState } from './rng.js';
export { noGrad, isGradEnabled } from './autograd.js';
export { checkFinite, setNanCheck, isNanCheckEnabled } from './checks.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.js';
export { backendHasKernel, getBackend, listBackends, registerBackend, removeBackend, setBackend, tidy } from './engine.js';
export { moveTensors } from './move.js';
export { cpuBackend } from './backends/cpu/index.js';
export { aroundAxis, broadcastStrides, isLeadingPrefix, isTrailingSuffix, stridesOf } from './shape.js';
export * from './ops/index.js';
