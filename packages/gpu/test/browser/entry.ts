// Bundled by test/browser.test.ts (and the bench's gpu-browser suite) with
// esbuild for the browser (gpu.js resolves to its browser build through the
// package's "browser" field). The checks run in the page live beside it.
export { registerGpuBackend } from '../../src/index.js';
export { fromArray, matmul, setBackend } from '@attn/tensor';
export { GPT } from '@attn/model';
export { residentChain, selfFeeding } from './chain.js';
export { runConformance } from './conformance.js';
export { gptForwardBackward } from './gpt.js';
export { trainSteps } from './train.js';
export { trainGpt } from './train-gpt.js';
