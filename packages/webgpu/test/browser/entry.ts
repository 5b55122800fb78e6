// Bundled by test/browser.test.ts (and the bench's webgpu suite) with esbuild
// for the browser; the checks that run in the page live beside it.
export { probeWebGPU, registerWebGPUBackend, WebGPUBackendError } from '../../src/index.js';
export * as tensor from '@attn/tensor';
export { runConformance } from './conformance.js';
export { compilesPerShape, gptForwardBackward } from './gpt.js';
export { trainGpt } from './train.js';
export { greedyTokens } from './generate.js';
export { kernelEdgeCases } from './kernels.js';
export { attentionEdgeCases, attentionMemory } from './attention.js';
