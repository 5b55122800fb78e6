// Picks the compute backend: the WebAssembly SIMD matmul (about 10x the plain
// TypeScript one) unless `--backend cpu` asks for the readable reference path.
import { setBackend } from '@attn/tensor';
import { registerWasmBackend, type WasmBackendHandle } from '@attn/wasm';
import { choiceFlag } from './errors.js';

let handle: WasmBackendHandle | null = null;

/** Activates `name` ('wasm' or 'cpu'; 'gpu' is not available in Node and falls back to wasm). Returns the backend used. */
export async function useBackend(name: string): Promise<string> {
  const choice = choiceFlag('--backend', name, ['wasm', 'cpu', 'gpu'] as const);
  if (choice === 'cpu') {
    setBackend('cpu');
    return 'cpu';
  }
  if (!handle) handle = await registerWasmBackend();
  if (!handle) {
    setBackend('cpu');
    return 'cpu (no WebAssembly SIMD here)';
  }
  setBackend('wasm');
  return `wasm (${handle.threads} threads)`;
}

/** Stops the wasm worker threads so the process can exit. */
export function releaseBackend(): void {
  handle?.dispose();
  handle = null;
}
