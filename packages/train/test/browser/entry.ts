// Bundled for the page by gpu-readbacks.test.ts: the gpu backend, a GPT and the trainer.
export { registerGpuBackend } from '@attn/gpu';
export { GPT } from '@attn/model';
export { setBackend } from '@attn/tensor';
export { tokenWindows, Trainer } from '../../src/index.js';
