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

const MiB = 2 ** 20;
/** @attn/wasm's default cap on tensor values kept in wasm memory. */
const DEFAULT_RESIDENT_BYTES = 512 * MiB;
/** A wasm32 memory holds at most 2 GiB in @attn/wasm; part of it stays free for the operands and scratch of each kernel call. */
const WASM_MEMORY_BYTES = 2048 * MiB;
const CALL_SCRATCH_BYTES = 256 * MiB;
/** Room for activations beside the weights (GPT-2 small's 64-token forward needs ~30 MiB; longer contexts more). */
const ACTIVATION_BYTES = 256 * MiB;

export interface BackendOptions {
  /** Float32 bytes of the model about to be loaded: the wasm backend sizes its resident memory to hold them. */
  modelBytes?: number;
}

/**
 * The resident budget for a model of `modelBytes`: its weights and activations, so a checkpoint loaded
 * after this lives in wasm memory (GPT-2 small's 498 MB does not fit the 512 MiB default with room to
 * compute). Capped by what wasm memory holds; past that, values stay in JavaScript arrays and are copied
 * in per kernel call (correct, slower).
 */
export function residentBudget(modelBytes: number): { bytes: number; fits: boolean } {
  const wanted = modelBytes + ACTIVATION_BYTES;
  const most = WASM_MEMORY_BYTES - CALL_SCRATCH_BYTES;
  return { bytes: Math.max(DEFAULT_RESIDENT_BYTES, Math.min(wanted, most)), fits: wanted <= most };
}

/** Activates `name` ('wasm', 'cpu' or 'gpu'). Returns a description of the backend used, GPU.js's mode included. */
export async function useBackend(name: string, options: BackendOptions = {}): Promise<string> {
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
  if (!handle) {
    const budget = residentBudget(options.modelBytes ?? 0);
    if (!budget.fits) {
      const gb = ((options.modelBytes ?? 0) / 1e9).toFixed(2);
      process.stderr.write(
        `note: the model's ${gb} GB of float32 weights do not all fit WebAssembly memory (2 GiB); the rest stay in JavaScript memory and are copied in for each product (slower; --backend cpu avoids the copies)\n`,
      );
    }
    handle = await registerWasmBackend({ residentBytes: budget.bytes });
  }
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
