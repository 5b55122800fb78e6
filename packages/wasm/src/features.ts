// What this JavaScript engine can run. Feature detection compiles nothing:
// WebAssembly.validate on our own kernel modules answers exactly the question
// "can this engine run these kernels?" (SIMD, and for the threaded module also
// atomics and shared memory), and a shared Memory must be constructible, which
// browsers only allow on cross-origin-isolated pages.
import { decodeBase64 } from './base64.js';
import { singleWasm, threadedWasm } from './kernels.generated.js';

export interface WasmFeatures {
  /** WebAssembly with 128-bit SIMD is available: the single-thread kernels can run. */
  simd: boolean;
  /** Shared memory, atomics and a worker API are available: the threaded kernels can run. */
  threads: boolean;
}

let cached: WasmFeatures | null = null;

/** Detects (once) what the current engine supports. */
export function detectFeatures(): WasmFeatures {
  if (cached) return cached;
  const hasWasm = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function';
  const simd = hasWasm && WebAssembly.validate(decodeBase64(singleWasm));
  let threads = false;
  if (simd && typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object') {
    try {
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
      threads = WebAssembly.validate(decodeBase64(threadedWasm)) && hasWorkers();
    } catch {
      threads = false;
    }
  }
  cached = { simd, threads };
  return cached;
}

/** True in Node (worker_threads) and in pages/workers that have Web Workers. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

function hasWorkers(): boolean {
  return isNode() || typeof (globalThis as { Worker?: unknown }).Worker === 'function';
}
