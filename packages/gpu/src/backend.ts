// @attn/tensor backend 'gpu': MatMul (and, in GL modes, the DEVICE_KERNELS of
// self-test.ts: elementwise, row, layout and embedding kernels, cross-entropy,
// their gradients and the fused AdamW update) run as gpu.js kernels; every
// other kernel (Concat, Max, Cast, ...) runs on the CPU backend through the
// engine's fallback.
//
// What stays on the device: in GL modes (WebGL2, WebGL, headless GL) kernels
// run in gpu.js pipeline mode and a tensor's handle (GpuData, see
// device-memory.ts) holds the output texture, so a chain of device kernels
// (matmul -> bias add -> gelu -> matmul, or scores -> mask -> softmax -> @ v)
// never leaves the GPU. Values are read back only when the CPU needs them:
// dataSync()/data(), or a kernel run on the CPU (the engine's fallback moves
// the tensor to the CPU backend, which frees the texture). Host values are
// uploaded once per handle. A kernel runs on the device when an input is
// already there, or when it has minFlops or more (2*m*n*k*batch for MatMul,
// one per output for the others, so minFlops 0 sends everything); otherwise
// the CPU is faster than an upload.
//
// Freeing: disposeData() deletes the texture; tensors never disposed
// (autograd intermediates) have their texture deleted by a
// FinalizationRegistry when their handle is garbage collected.
// backendInfo().liveTextures counts textures alive. Compiled kernels are
// cached per shape (LRU: 64 MatMul, 128 flat kernels); an evicted kernel is
// destroyed once no output texture of it is alive (kernel-cache.ts says why).
// Each device kernel is checked against the CPU backend on first use
// (self-test.ts).
//
// In webasm / cpu modes gpu.js has no textures: handles only wrap a
// Float32Array (no copies), only MatMul runs on gpu.js, as before.
import { GPU, HeadlessGLKernel, WebGL2Kernel, WebGLKernel } from 'gpu.js';
import {
  type Backend,
  cpuBackend,
  type DataHandle,
  type FloatArray,
  type KernelInput,
  type KernelName,
  type KernelTable,
  listBackends,
  registerBackend,
  removeBackend,
  setBackend,
} from '@attn/tensor';
import { adamwOnDevice } from './adamw-kernels.js';
import { binaryPlan } from './binary-kernel.js';
import { broadcastPlan } from './broadcast-kernel.js';
import { Device } from './device.js';
import type { GpuData } from './device-memory.js';
import type { KernelPlan } from './flat-kernels.js';
import { layerNormGradOnDevice, layerNormGradPlans, layerNormOnDevice, layerNormPlans } from './layer-norm-kernels.js';
import { maskedFillPlan } from './masked-fill-kernel.js';
import { DEVICE_KERNELS, type DeviceKernelName, selfTestKernel, selfTestMatMul } from './self-test.js';
import { crossEntropyGradOnDevice, crossEntropyGradPlans, crossEntropyPlan } from './cross-entropy-kernels.js';
import { gatherPlan, scatterAddPlan } from './embedding-kernels.js';
import { padAxisPlan, slicePlan } from './slice-kernels.js';
import { softmaxGradPlan, softmaxPlan } from './softmax-kernel.js';
import { sumPlan } from './sum-kernel.js';
import { transposePlan } from './transpose-kernel.js';
import { unaryGradPlan } from './unary-grad-kernel.js';
import { unaryPlan } from './unary-kernel.js';

/** gpu.js modes a caller may ask for ('gpu' lets gpu.js pick the best it finds). */
export type GpuMode = 'gpu' | 'webgpu' | 'webgl2' | 'webgl' | 'headlessgl' | 'webasm' | 'cpu';

const MODES: readonly GpuMode[] = ['gpu', 'webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'];

/** Modes whose kernels output textures, so data can stay on the device between kernels. */
const RESIDENT_MODES: ReadonlySet<string> = new Set(['webgl2', 'webgl', 'headlessgl']);

/** Priority of 'gpu' in the registry: above 'cpu' (1), so it is the default once registered. */
export const GPU_PRIORITY = 10;

/**
 * Default dispatch threshold, by the mode gpu.js runs in: matmuls with fewer
 * FLOPs (2*m*n*k*batch) than this run on the CPU backend (unless an input is
 * already on the device).
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
  /** Whether kernel outputs stay on the device as textures (GL modes). */
  resident: boolean;
  /** Kernels besides MatMul that run on the device (empty in array modes; a kernel whose self-test failed is left out). */
  deviceKernels: string[];
  /** Why a device kernel was turned off at registration (kernel name -> reason). */
  kernelFallbacks: Record<string, string>;
  /** Compiled kernels in the caches (one per distinct shape and op). */
  compiledKernels: number;
  /** Kernels compiled so far, evictions included: if it keeps rising in a steady loop, shapes outnumber the cache. */
  kernelCompiles: number;
  /** Evicted kernels waiting for their last output texture to be freed before they are destroyed. */
  pendingKernelDestroys: number;
  /** MatMul calls run by gpu.js / handed to the CPU backend. */
  gpuCalls: number;
  cpuCalls: number;
  /** Calls of the other device kernels (Binary, Unary, ...) run on the device / on the CPU by this backend. */
  deviceOps: number;
  hostOps: number;
  /** Device textures alive now (each held by one tensor handle). */
  liveTextures: number;
  /** Host arrays uploaded to textures / textures read back to the host, so far. */
  uploads: number;
  readbacks: number;
}

export interface GpuBackendHandle {
  backend: Backend;
  /** Current info (counters update as kernels run). */
  backendInfo(): GpuBackendInfo;
  /**
   * Sets the FLOP threshold below which products of host values stay on the CPU
   * backend (see GpuBackendOptions.minFlops; calibrateMinFlops() measures one).
   */
  setMinFlops(flops: number): void;
  /** Unregisters the backend and frees the compiled kernels, textures and the gpu.js context. */
  dispose(): void;
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

/** Opens gpu.js in `mode` and checks it computes correctly; returns the device or the reason it cannot be used. */
function tryMode(mode: GpuMode): { gpu: GPU; device: Device; mode: string } | { reason: string } {
  let gpu: GPU;
  try {
    // Without a mode gpu.js probes WebGPU, WebGL2, WebGL, headless GL, then webasm
    // and records what it chose in gpu.mode; passing 'gpu' would leave gpu.mode = 'gpu'.
    gpu = new GPU(mode === 'gpu' ? {} : { mode });
  } catch (err) {
    return { reason: `gpu.js mode '${mode}' unavailable: ${(err as Error).message}` };
  }
  const chosen = chosenMode(gpu, mode);
  const device = new Device(gpu, RESIDENT_MODES.has(chosen));
  const reason = selfTestMatMul(device);
  if (reason) {
    device.dispose();
    gpu.destroy();
    return { reason: `gpu.js mode '${chosen}': ${reason}` };
  }
  return { gpu, device, mode: chosen };
}

/**
 * Registers backend 'gpu' (MatMul on gpu.js, plus the device kernels of
 * self-test.ts in GL modes, everything else on the CPU backend). The requested
 * mode is verified with a small matmul against the CPU backend; if it is
 * unavailable or wrong, gpu.js's plain-JavaScript 'cpu' mode is used and
 * `backendInfo().fallbackReason` says why. Throws only if even that fails. In GL
 * modes each other device kernel is checked the first time it would run and
 * left to the CPU if it disagrees (`kernelFallbacks` says why).
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
  const { gpu, device, mode } = opened;
  const { memory } = device;
  let minFlops = options.minFlops ?? defaultMinFlops(mode);
  // Device kernels are self-tested on first use (see self-test.ts); one that fails stays on the CPU.
  const kernelFallbacks: Record<string, string> = {};
  const verified = new Set<DeviceKernelName>();
  const trusted = (kind: DeviceKernelName): boolean => {
    if (verified.has(kind)) return true;
    if (kernelFallbacks[kind]) return false;
    const reason = selfTestKernel(device, kind);
    if (reason) kernelFallbacks[kind] = reason;
    else verified.add(kind);
    return !reason;
  };
  let gpuCalls = 0;
  let cpuCalls = 0;
  let deviceOps = 0;
  let hostOps = 0;

  const data = (x: KernelInput) => x.handle as GpuData;
  const onDevice = (x: KernelInput) => data(x).device !== null;

  /** Runs the CPU backend's kernel on this backend's (read-back) data; the result(s) stay here as host arrays. */
  const onHost = <K extends KernelName>(
    kernel: K,
    inputs: readonly KernelInput[],
    attrs: Parameters<NonNullable<Backend['kernels'][K]>>[1],
    outShape: readonly number[],
  ): DataHandle | DataHandle[] => {
    const hostInputs = inputs.map((x) => ({ ...x, handle: memory.read(data(x)) }));
    const run = cpuBackend.kernels[kernel] as (i: readonly KernelInput[], a: typeof attrs, o: readonly number[]) => Float32Array | Float32Array[];
    const out = run(hostInputs, attrs, outShape);
    return Array.isArray(out) ? out.map((a) => memory.fromArray(a)) : memory.fromArray(out);
  };

  /** Whether a kernel over `size` outputs goes to the device: an input already there, or minFlops reached; and it fits. */
  const wantDevice = (inputs: readonly KernelInput[], size: number) =>
    (inputs.some(onDevice) || size >= minFlops) && device.fits(size) && inputs.every((x) => device.fits(data(x).size));

  /**
   * A flat kernel on the device when an input is already there (or it has minFlops or more, one FLOP per
   * output: minFlops 0 sends everything) and the kind/pattern has a plan; else the CPU kernel, here.
   */
  const flatOrHost = <K extends DeviceKernelName>(
    kernel: K,
    plan: () => KernelPlan | null,
    inputs: readonly KernelInput[],
    attrs: Parameters<NonNullable<Backend['kernels'][K]>>[1],
    outShape: readonly number[],
    extra: readonly Float32Array[] = [],
  ): DataHandle => {
    const size = outShape.reduce((p, d) => p * d, 1);
    const p = wantDevice(inputs, size) && trusted(kernel) ? plan() : null;
    if (!p) {
      hostOps++;
      return onHost(kernel, inputs, attrs, outShape);
    }
    deviceOps++;
    return device.flat(p, size, inputs.map(data), extra);
  };

  const kernels: Backend['kernels'] = {
    MatMul: (inputs, attrs, outShape) => {
      const { m, n, k, batch } = attrs;
      const resident = inputs.some(onDevice);
      const fits = !device.resident || (device.fits(batch * m * n) && inputs.every((x) => device.fits(data(x).size)));
      if ((2 * batch * m * n * k < minFlops && !resident) || !fits) {
        cpuCalls++;
        return onHost('MatMul', inputs, attrs, outShape);
      }
      gpuCalls++;
      return device.matmul(data(inputs[0]), data(inputs[1]), attrs);
    },
  };
  // In resident modes the device kernels join MatMul; each runs on the device or, case by case, on the host.
  const deviceTable: Pick<KernelTable, DeviceKernelName> = {
    Binary: (inputs, attrs, outShape) =>
      flatOrHost('Binary', () => binaryPlan(attrs.op, inputs[0].shape, inputs[1].shape, outShape), inputs, attrs, outShape),
    Unary: (inputs, attrs, outShape) => flatOrHost('Unary', () => unaryPlan(attrs.op), inputs, attrs, outShape),
    UnaryGrad: (inputs, attrs, outShape) => flatOrHost('UnaryGrad', () => unaryGradPlan(attrs.op), inputs, attrs, outShape),
    Transpose: (inputs, attrs, outShape) => flatOrHost('Transpose', () => transposePlan(inputs[0].shape, attrs.perm), inputs, attrs, outShape),
    BroadcastTo: (inputs, attrs, outShape) => flatOrHost('BroadcastTo', () => broadcastPlan(inputs[0].shape, outShape), inputs, attrs, outShape),
    Sum: (inputs, attrs, outShape) => flatOrHost('Sum', () => sumPlan(inputs[0].shape, attrs.axis), inputs, attrs, outShape),
    Slice: (inputs, attrs, outShape) =>
      flatOrHost('Slice', () => slicePlan(inputs[0].shape, attrs.axis, attrs.start, attrs.end), inputs, attrs, outShape),
    PadAxis: (inputs, attrs, outShape) =>
      flatOrHost('PadAxis', () => padAxisPlan(inputs[0].shape, attrs.axis, attrs.start, attrs.length), inputs, attrs, outShape),
    MaskedFill: (inputs, attrs, outShape) =>
      flatOrHost('MaskedFill', () => maskedFillPlan(inputs[0].shape, inputs[1].shape, attrs.value), inputs, attrs, outShape),
    Softmax: (inputs, attrs, outShape) => flatOrHost('Softmax', () => softmaxPlan(inputs[0].shape, attrs.axis, false), inputs, attrs, outShape),
    LogSoftmax: (inputs, attrs, outShape) => flatOrHost('LogSoftmax', () => softmaxPlan(inputs[0].shape, attrs.axis, true), inputs, attrs, outShape),
    SoftmaxGrad: (inputs, attrs, outShape) =>
      flatOrHost('SoftmaxGrad', () => softmaxGradPlan(inputs[0].shape, attrs.axis, false), inputs, attrs, outShape),
    LogSoftmaxGrad: (inputs, attrs, outShape) =>
      flatOrHost('LogSoftmaxGrad', () => softmaxGradPlan(inputs[0].shape, attrs.axis, true), inputs, attrs, outShape),
    LayerNorm: (inputs, attrs, outShape) => {
      const [x] = inputs;
      const cols = x.shape[x.shape.length - 1];
      const rows = data(x).size / cols;
      const plans = wantDevice(inputs, data(x).size) && trusted('LayerNorm') ? layerNormPlans(rows, cols, attrs.eps, attrs.hasWeight, attrs.hasBias) : null;
      if (!plans) {
        hostOps++;
        return onHost('LayerNorm', inputs, attrs, outShape);
      }
      deviceOps++;
      return layerNormOnDevice(device, plans, rows, cols, data(x), inputs.slice(1).map(data)); // weight, bias: those present
    },
    LayerNormGrad: (inputs, attrs, outShape) => {
      const [x] = inputs;
      const cols = x.shape[x.shape.length - 1];
      const rows = data(x).size / cols;
      const plans = wantDevice(inputs, data(x).size) && trusted('LayerNormGrad') ? layerNormGradPlans(rows, cols, attrs.hasWeight) : null;
      if (!plans) {
        hostOps++;
        return onHost('LayerNormGrad', inputs, attrs, outShape);
      }
      deviceOps++;
      // inputs: [x, weight?, mean, rstd, dy]
      const at = attrs.hasWeight ? 2 : 1;
      const operands = [data(x), data(inputs[at]), data(inputs[at + 1]), data(inputs[at + 2])];
      return layerNormGradOnDevice(device, plans, rows, cols, operands, attrs.hasWeight ? data(inputs[1]) : null);
    },
    Gather: (inputs, attrs, outShape) => {
      const indices = Float32Array.from(attrs.indices);
      return flatOrHost('Gather', () => gatherPlan(inputs[0].shape, attrs.axis, attrs.indices.length), inputs, attrs, outShape, [indices]);
    },
    ScatterAdd: (inputs, attrs, outShape) => {
      const indices = Float32Array.from(attrs.indices);
      return flatOrHost('ScatterAdd', () => scatterAddPlan(inputs[0].shape, attrs.axis, attrs.length), inputs, attrs, outShape, [indices]);
    },
    CrossEntropy: (inputs, attrs, outShape) => {
      const vocab = inputs[0].shape[inputs[0].shape.length - 1];
      const targets = Float32Array.from(attrs.targets);
      return flatOrHost('CrossEntropy', () => crossEntropyPlan(vocab, attrs.ignoreIndex), inputs, attrs, outShape, [targets]);
    },
    CrossEntropyGrad: (inputs, attrs, outShape) => {
      const [logits, dLoss] = inputs;
      const vocab = logits.shape[logits.shape.length - 1];
      const rows = attrs.targets.length;
      const plans = wantDevice(inputs, data(logits).size) && trusted('CrossEntropyGrad') ? crossEntropyGradPlans(vocab, attrs.ignoreIndex) : null;
      if (!plans) {
        hostOps++;
        return onHost('CrossEntropyGrad', inputs, attrs, outShape);
      }
      deviceOps++;
      return crossEntropyGradOnDevice(device, plans, rows, vocab, data(logits), data(dLoss), attrs.targets);
    },
    AdamW: (inputs, attrs, outShape) => {
      if (!(wantDevice(inputs, data(inputs[0]).size) && trusted('AdamW'))) {
        hostOps++;
        return onHost('AdamW', inputs, attrs, outShape);
      }
      deviceOps++;
      return adamwOnDevice(device, inputs.map(data), attrs);
    },
  };
  if (device.resident) Object.assign(kernels, deviceTable);

  const backend: Backend = {
    name,
    supportsDType: (dtype) => dtype === 'float32',
    write: (array: FloatArray) => memory.fromArray(array instanceof Float32Array ? array : Float32Array.from(array)),
    readSync: (handle) => memory.read(handle as GpuData),
    read: async (handle) => memory.read(handle as GpuData),
    disposeData: (handle) => memory.free(handle as GpuData),
    overwrite: (handle, values) => memory.overwrite(handle as GpuData, values),
    kernels,
  };
  registerBackend(backend, { priority: GPU_PRIORITY });
  return {
    backend,
    backendInfo: () => ({
      name,
      requestedMode,
      mode,
      fallbackReason,
      minFlops,
      resident: device.resident,
      deviceKernels: device.resident ? DEVICE_KERNELS.filter((k) => !kernelFallbacks[k]) : [],
      kernelFallbacks: { ...kernelFallbacks },
      compiledKernels: device.matmulKernels.compiled + device.flatKernels.cache.size,
      kernelCompiles: device.matmulKernels.cache.compiles + device.flatKernels.cache.compiles,
      pendingKernelDestroys: device.matmulKernels.cache.pendingDestroy + device.flatKernels.cache.pendingDestroy,
      gpuCalls,
      cpuCalls,
      deviceOps,
      hostOps,
      liveTextures: memory.liveTextures,
      uploads: device.uploads,
      readbacks: memory.readbacks,
    }),
    setMinFlops(flops: number) {
      if (!(flops >= 0)) throw new Error(`setMinFlops: expected a number >= 0 (Infinity keeps every product of host values on the CPU), got ${flops}`);
      minFlops = flops;
    },
    dispose() {
      removeBackend(name);
      device.dispose();
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
