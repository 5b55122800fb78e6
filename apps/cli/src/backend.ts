// Picks the compute backend: the WebAssembly SIMD matmul (about 10x the plain
// TypeScript one) unless `--backend cpu` asks for the readable reference path,
// or `--backend gpu` asks for GPU.js (in Node that is gpu.js's own WebAssembly
// mode, slower than ours: see BENCHMARKS.md; it is there to compare, not to win).
import { type GpuBackendHandle, use as useGpu } from '@attn/gpu';
import { setBackend } from '@attn/tensor';
import { registerWasmBackend, type WasmBackendHandle } from '@attn/wasm';
import { choiceFlag } from './errors.js';

let handle: WasmBackendHandle | null = null;
let gpuHandle: GpuBackendHandle | null = null;

/** Activates `name` ('wasm', 'cpu' or 'gpu'). Returns a description of the backend used, GPU.js's mode included. */
export async function useBackend(name: string): Promise<string> {
  const choice = choiceFlag('--backend', name, ['wasm', 'cpu', 'gpu'] as const);
  if (choice === 'cpu') {
    setBackend('cpu');
    return 'cpu';
  }
  if (choice === 'gpu') {
    // Every matmul goes to GPU.js (minFlops 0): the user asked for it by name.
    gpuHandle ??= useGpu({ minFlops: 0 });
    setBackend(gpuHandle.backend.name);
    const info = gpuHandle.backendInfo();
    return `gpu (gpu.js ${info.mode}${info.fallbackReason ? `; ${info.fallbackReason}` : ''})`;
  }
  if (!handle) handle = await registerWasmBackend();
  if (!handle) {
    setBackend('cpu');
    return 'cpu (no WebAssembly SIMD here)';
  }
  setBackend('wasm');
  return `wasm (${handle.threads} threads)`;
}

/** Stops the wasm worker threads and GPU.js kernels so the process can exit. */
export function releaseBackend(): void {
  handle?.dispose();
  handle = null;
  gpuHandle?.dispose();
  gpuHandle = null;
}
