// Bundled by test/browser.test.ts with esbuild for the browser (gpu.js resolves
// to its browser build through the package's "browser" field).
export { registerGpuBackend } from '../../src/index.js';
export { fromArray, matmul, setBackend } from '@attn/tensor';
export { GPT } from '@attn/model';
