// Measuring the dispatch threshold on the machine at hand. Whether a product
// is worth sending to gpu.js depends on the GPU (or its absence: webasm and
// SwiftShader lose at every size on the development machine, a real GPU wins
// above some size), so instead of trusting a default the caller can time n x n
// products both ways through the tensor API (upload, kernel, read-back: what a
// product of host values costs) and use the smallest n where gpu.js wins.
import { fromArray, getBackend, matmul, setBackend } from '@attn/tensor';
import type { GpuBackendHandle } from './backend.js';

export interface CalibrateOptions {
  /** Square sizes to try, ascending (default 64, 128, 256, 512). */
  sizes?: number[];
  /** Timed products per size and backend, after one untimed (which compiles the kernel); the median counts. Default 3. */
  repeats?: number;
}

export interface Calibration {
  sizes: number[];
  /** Median ms per product on the CPU backend and on gpu.js, by size. */
  cpuMs: number[];
  gpuMs: number[];
  /** 2 n^3 for the smallest n where gpu.js was faster, or Infinity when it never was. Set on the backend. */
  minFlops: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function timeProducts(backend: string, n: number, repeats: number): number {
  setBackend(backend);
  const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i));
  const times: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const t0 = performance.now();
    const [x, y] = [fromArray(a, [n, n]), fromArray(b, [n, n])];
    const c = matmul(x, y);
    c.dataSync();
    const dt = performance.now() - t0;
    for (const t of [x, y, c]) t.dispose();
    if (r > 0) times.push(dt); // the first run compiles the kernel
  }
  return median(times);
}

/**
 * Times n x n products on the CPU backend and on `handle`'s gpu.js backend,
 * sets the backend's threshold to 2 n^3 for the smallest n where gpu.js won
 * (Infinity if it never did) and returns the measurements. Takes a second or
 * more (one kernel compile per size). The selected backend is restored.
 */
export function calibrateMinFlops(handle: GpuBackendHandle, options: CalibrateOptions = {}): Calibration {
  const sizes = options.sizes ?? [64, 128, 256, 512];
  const repeats = options.repeats ?? 3;
  if (sizes.length === 0 || sizes.some((n, i) => !Number.isInteger(n) || n < 1 || (i > 0 && n <= sizes[i - 1]))) {
    throw new Error(`calibrateMinFlops: sizes must be ascending positive integers, got [${sizes.join(', ')}]`);
  }
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`calibrateMinFlops: repeats must be a positive integer, got ${repeats}`);
  const previous = getBackend().name;
  const previousMinFlops = handle.backendInfo().minFlops;
  const name = handle.backend.name;
  const cpuMs: number[] = [];
  const gpuMs: number[] = [];
  try {
    handle.setMinFlops(0); // every product to gpu.js while timing it
    for (const n of sizes) {
      cpuMs.push(timeProducts('cpu', n, repeats));
      gpuMs.push(timeProducts(name, n, repeats));
    }
  } catch (err) {
    handle.setMinFlops(previousMinFlops);
    throw err;
  } finally {
    setBackend(previous);
  }
  const wins = sizes.findIndex((_, i) => gpuMs[i] < cpuMs[i]);
  const minFlops = wins < 0 ? Number.POSITIVE_INFINITY : 2 * sizes[wins] ** 3;
  handle.setMinFlops(minFlops);
  return { sizes, cpuMs, gpuMs, minFlops };
}
