// @attn/wasm: WebAssembly SIMD kernels (matmul, fused attention, the memory-bound
// kernels of a training step) on one or more threads.
export { detectFeatures, type WasmFeatures } from './features.js';
export { type AttentionShape, createWasmKernels, type PackedAttentionShape, WasmKernels, type WasmKernelsOptions } from './engine.js';
export { planMatmul, splitCalls, type MatmulOptions, type MatmulPlan, type MatrixCall } from './plan.js';
export { geluTanhGradReference, geluTanhReference, referenceMatmul } from './reference.js';
export {
  callsFromAttrs,
  createWasmBackend,
  registerWasmBackend,
  WASM_PRIORITY,
  type WasmBackendHandle,
} from './backend.js';
