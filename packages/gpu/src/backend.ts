// @attn/tensor backend 'gpu': MatMul runs as gpu.js kernels; every other
// kernel runs on the CPU backend through the engine's fallback.
//
// What stays on the device: nothing between kernels. A tensor's handle is a
// plain Float32Array (the CPU backend's format, so the fallback copies
// nothing); each MatMul uploads its two operands, runs one compiled kernel and
// reads the product back. In Node (webasm / cpu modes) there is no device to
// keep data on anyway; in a browser (WebGL2 / WebGPU) this costs one upload
// and one download per product. Compiled kernels are cached per shape and
// freed by dispose().
import { GPU, HeadlessGLKernel, WebGL2Kernel, WebGLKernel } from 'gpu.js';
import { type Backend, type FloatArray, type MatMulAttrs, cpuBackend, listBackends, registerBackend, removeBackend, setBackend } from '@attn/tensor';
import { MatMulKernels } from './matmul-kernel.js';

/** gpu.js modes a caller may ask for ('gpu' lets gpu.js pick the best it finds). */
export type GpuMode = 'gpu' | 'webgpu' | 'webgl2' | 'webgl' | 'headlessgl' | 'webasm' | 'cpu';

const MODES: readonly GpuMode[] = ['gpu', 'webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'];

/** Priority of 'gpu' in the registry: above 'cpu' (1), so it is the default once registered. */
export const GPU_PRIORITY = 10;

/**
 * Default dispatch threshold, by the mode gpu.js runs in: matmuls with fewer
 * FLOPs (2*m*n*k*batch) than this run on the CPU backend.
 *
 * Measured by the `gpu` bench suite (BENCHMARKS.md): gpu.js's webasm and cpu
 * modes are slower than the TypeScript CPU kernel at every size tried
 * (64..512), so they get Infinity (everything stays on the CPU unless the
 * caller lowers minFlops). GPU modes get 2*256^3: below that, upload, dispatch
 * and readback dominate even on a real GPU. This machine has no real GPU, so
 * that figure is an estimate, not a measurement; pass minFlops to tune it.
 */
export function defaultMinFlops(mode: string): number {
  return mode === 'webasm' || mode === 'cpu' ? Number.POSITIVE_INFINITY : 2 * 256 ** 3;
}

export interface GpuBackendOptions {
  /** gpu.js mode to use; default 'gpu' (gpu.js picks: WebGPU/WebGL2/WebGL/headless GL, else webasm). */
  mode?: GpuMode;
  /** Matmuls with fewer FLOPs than this run on the CPU backend (default defaultMinFlops(mode); 0 = always gpu.js). */
  minFlops?: number;
  /** Registry name (default 'gpu'). */
  name?: string;
}

/** What the backend is running on, for display and for bug reports. */
export interface GpuBackendInfo {
  /** Registry name. */
  name: string;
  /** Mode that was asked for. */
  requestedMode: GpuMode;
  /** Mode gpu.js actually runs in (e.g. 'webgl2', 'webasm', 'cpu'). */
  mode: string;
  /** Why the requested mode is not the one running, or null. */
  fallbackReason: string | null;
  /** FLOP threshold below which matmuls stay on the CPU backend. */
  minFlops: number;
  /** Kernels compiled so far (one per distinct shape). */
  compiledKernels: number;
  /** MatMul calls run by gpu.js / handed to the CPU backend. */
  gpuCalls: number;
  cpuCalls: number;
}

export interface GpuBackendHandle {
  backend: Backend;
  /** Current info (counters update as matmuls run). */
  backendInfo(): GpuBackendInfo;
  /** Unregisters the backend and frees the compiled kernels and the gpu.js context. */
  dispose(): void;
}

/** A small deterministic matmul (batched, transposed B, odd sizes) checked against the CPU backend. */
function selfTest(kernels: MatMulKernels): string | null {
  const [batch, m, n, k] = [2, 3, 5, 7];
  const a = Float32Array.from({ length: batch * m * k }, (_, i) => Math.sin(i + 1));
  const b = Float32Array.from({ length: batch * n * k }, (_, i) => Math.cos(2 * i + 1));
  const attrs: MatMulAttrs = {
    m,
    n,
    k,
    transA: false,
    transB: true,
    aRowStride: k,
    aColStride: 1,
    bRowStride: 1,
    bColStride: k,
    batch,
    batchShape: [batch],
    aOffsets: Int32Array.of(0, m * k),
    bOffsets: Int32Array.of(0, n * k),
  };
  const expected = cpuBackend.kernels.MatMul!([
    { handle: a, shape: [batch, m, k], dtype: 'float32' },
    { handle: b, shape: [batch, n, k], dtype: 'float32' },
  ], attrs, [batch, m, n]) as Float32Array;
  let got: Float32Array;
  try {
    got = kernels.run(a, b, attrs);
  } catch (err) {
    return `self-test matmul threw: ${(err as Error).message}`;
  }
  if (got.length !== expected.length) return `self-test matmul returned ${got.length} values, expected ${expected.length}`;
  for (let i = 0; i < got.length; i++) {
    const diff = Math.abs(got[i] - expected[i]);
    if (!(diff <= 1e-4 * Math.max(1, Math.abs(expected[i])))) {
      return `self-test matmul disagrees with the CPU backend at ${i}: ${got[i]} vs ${expected[i]}`;
    }
  }
  return null;
}

/**
 * The mode gpu.js really runs in. gpu.mode stays 'gpu' when gpu.js picked it,
 * and every GL kernel class reports mode 'gpu', so GL classes are told apart by identity.
 */
function chosenMode(gpu: GPU, requested: GpuMode): string {
  const chosen = (gpu as unknown as { Kernel?: { mode?: string } }).Kernel;
  if (chosen === WebGL2Kernel) return 'webgl2';
  if (chosen === HeadlessGLKernel) return 'headlessgl';
  if (chosen === WebGLKernel) return 'webgl';
  return String(chosen?.mode ?? gpu.mode ?? requested);
}

/** Opens gpu.js in `mode` and checks it computes correctly; returns the kernels or the reason it cannot be used. */
function tryMode(mode: GpuMode): { gpu: GPU; kernels: MatMulKernels } | { reason: string } {
  let gpu: GPU;
  try {
    // Without a mode gpu.js probes WebGPU, WebGL2, WebGL, headless GL, then webasm
    // and records what it chose in gpu.mode; passing 'gpu' would leave gpu.mode = 'gpu'.
    gpu = new GPU(mode === 'gpu' ? {} : { mode });
  } catch (err) {
    return { reason: `gpu.js mode '${mode}' unavailable: ${(err as Error).message}` };
  }
  const kernels = new MatMulKernels(gpu);
  const reason = selfTest(kernels);
  if (reason) {
    kernels.dispose();
    gpu.destroy();
    return { reason: `gpu.js mode '${chosenMode(gpu, mode)}': ${reason}` };
  }
  return { gpu, kernels };
}

/**
 * Registers backend 'gpu' (MatMul on gpu.js, everything else on the CPU
 * backend). The requested mode is verified with a small matmul against the CPU
 * backend; if it is unavailable or wrong, gpu.js's plain-JavaScript 'cpu' mode
 * is used and `backendInfo().fallbackReason` says why. Throws only if even that fails.
 */
export function registerGpuBackend(options: GpuBackendOptions = {}): GpuBackendHandle {
  const name = options.name ?? 'gpu';
  const requestedMode = options.mode ?? 'gpu';
  if (!MODES.includes(requestedMode)) {
    throw new Error(`registerGpuBackend: mode must be one of ${MODES.join(', ')}; got ${JSON.stringify(options.mode)}`);
  }
  if (options.minFlops !== undefined && !(options.minFlops >= 0)) throw new Error(`registerGpuBackend: minFlops must be a number >= 0, got ${options.minFlops}`);
  if (listBackends().includes(name)) {
    throw new Error(`registerGpuBackend: a backend named '${name}' is already registered; dispose() it first`);
  }
  let opened = tryMode(requestedMode);
  let fallbackReason: string | null = null;
  if ('reason' in opened) {
    fallbackReason = opened.reason;
    if (requestedMode === 'cpu') throw new Error(`registerGpuBackend: ${opened.reason}`);
    opened = tryMode('cpu');
    if ('reason' in opened) throw new Error(`registerGpuBackend: ${fallbackReason}; and the fallback failed: ${opened.reason}`);
  }
  const { gpu, kernels } = opened;
  const mode = chosenMode(gpu, requestedMode);
  const minFlops = options.minFlops ?? defaultMinFlops(mode);
  let gpuCalls = 0;
  let cpuCalls = 0;

  const backend: Backend = {
    name,
    supportsDType: (dtype) => dtype === 'float32',
    write: (array: FloatArray) => (array instanceof Float32Array ? array : Float32Array.from(array)),
    readSync: (handle) => handle as Float32Array,
    read: async (handle) => handle as Float32Array,
    disposeData: () => {
      // Handles are plain arrays (garbage collected); nothing lives on the device between kernels.
    },
    kernels: {
      MatMul: (inputs, attrs, outShape) => {
        const { m, n, k, batch } = attrs;
        if (2 * batch * m * n * k < minFlops) {
          cpuCalls++;
          return cpuBackend.kernels.MatMul!(inputs, attrs, outShape);
        }
        gpuCalls++;
        return kernels.run(inputs[0].handle as Float32Array, inputs[1].handle as Float32Array, attrs);
      },
    },
  };
  registerBackend(backend, { priority: GPU_PRIORITY });
  return {
    backend,
    backendInfo: () => ({ name, requestedMode, mode, fallbackReason, minFlops, compiledKernels: kernels.compiled, gpuCalls, cpuCalls }),
    dispose() {
      removeBackend(name);
      kernels.dispose();
      gpu.destroy();
    },
  };
}

/** Registers the 'gpu' backend and selects it for new tensors and ops. */
export function use(options: GpuBackendOptions = {}): GpuBackendHandle {
  const handle = registerGpuBackend(options);
  setBackend(handle.backend.name);
  return handle;
}
