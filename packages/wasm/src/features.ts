// What this JavaScript engine can run. Feature detection compiles nothing:
// WebAssembly.validate on our own kernel modules answers exactly the question
// "can this engine run these kernels?" (SIMD, and for the threaded module also
// atomics and shared memory), and a shared Memory must be constructible, which
// browsers only allow on cross-origin-isolated pages. Relaxed SIMD (for the
// fused multiply-add) is found by validating a one-instruction module; Node 20
// has it behind a V8 flag, which is switched on here first (see
// enableRelaxedSimdFlag).
import { decodeBase64 } from './base64.js';
import { singleWasm, threadedWasm } from './kernels.generated.js';

export interface WasmFeatures {
  /** WebAssembly with 128-bit SIMD is available: the single-thread kernels can run. */
  simd: boolean;
  /** Shared memory, atomics and a worker API are available: the threaded kernels can run. */
  threads: boolean;
  /** Relaxed SIMD (f32x4.relaxed_madd) validates: the fused multiply-add modules can run. */
  relaxedSimd: boolean;
}

let cached: WasmFeatures | null = null;

/**
 * A module with one function, (v128, v128, v128) -> v128, whose body is
 * f32x4.relaxed_madd of its parameters: it validates exactly where relaxed
 * SIMD's multiply-add (0xfd 0x85 0x02) is available.
 */
const RELAXED_MADD_PROBE = Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, // code section: one body of 11 bytes, no locals
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02, // local.get 0, 1, 2
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0x0b, // end
);

/**
 * In Node, turns on V8's relaxed-SIMD flag (Node 20 ships relaxed SIMD
 * behind --experimental-wasm-relaxed-simd; later versions have it on, and
 * there the flag is a no-op). It must run before the modules are compiled.
 * V8 flags are process-wide, so the workers see it too. Elsewhere (browsers)
 * it does nothing: Chromium has relaxed SIMD on by default.
 */
export function enableRelaxedSimdFlag(): void {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.versions?.node !== 'string' || typeof proc.getBuiltinModule !== 'function') return;
  try {
    const v8 = proc.getBuiltinModule('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined;
    v8?.setFlagsFromString?.('--experimental-wasm-relaxed-simd');
  } catch {
    // An engine that refuses the flag simply reports relaxedSimd: false below.
  }
}

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
  let relaxedSimd = false;
  if (simd) {
    enableRelaxedSimdFlag();
    relaxedSimd = WebAssembly.validate(RELAXED_MADD_PROBE);
  }
  cached = { simd, threads, relaxedSimd };
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
