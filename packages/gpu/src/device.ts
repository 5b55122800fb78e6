// The kernels and memory of one gpu.js instance, behind GpuData handles:
// uploads host values when a device kernel needs them (once per handle),
// runs MatMul and the flat kernels, and wraps their outputs as handles.
//
// Resident (GL modes): outputs are textures; an input handle with only host
// values is uploaded by a copy kernel and keeps the texture, so a weight used
// by every step is uploaded once. Array modes (webasm, cpu): gpu.js has no
// textures, kernels take and return Float32Arrays, handles stay arrays.
import type { GPU, Texture } from 'gpu.js';
import type { MatMulAttrs } from '@attn/tensor';
import { type GpuData, DeviceMemory } from './device-memory.js';
import { FlatKernels, type KernelPlan } from './flat-kernels.js';
import { flatten } from './flatten.js';
import type { CachedKernel, KernelCache } from './kernel-cache.js';
import { type KernelArg, MAX_FLAT_SIZE, MatMulKernels } from './matmul-kernel.js';
import { UPLOAD_PLAN } from './unary-kernel.js';

/** gpu.js returns a Texture from pipeline kernels; anything else (arrays, or a kernel gpu.js fell back to its CPU mode for) is host data. */
function isTexture(x: unknown): x is Texture {
  if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x) || Array.isArray(x)) return false;
  return typeof (x as Texture).delete === 'function' && typeof (x as Texture).toArray === 'function';
}

export class Device {
  readonly memory = new DeviceMemory();
  readonly matmulKernels: MatMulKernels;
  readonly flatKernels: FlatKernels;
  private uploadCount = 0;

  /**
   * @param resident whether kernel outputs stay on the device as textures (GL modes).
   * @param maxKernels bound of the MatMul kernel cache; the flat kernels get twice as many: a GPT step
   *   uses ~60 of them (15 kinds over a handful of shapes), and a working set at the bound would
   *   recompile every step.
   */
  constructor(
    readonly gpu: GPU,
    readonly resident: boolean,
    maxKernels = 64,
  ) {
    this.matmulKernels = new MatMulKernels(gpu, maxKernels, resident);
    this.flatKernels = new FlatKernels(gpu, 'FlatKernels', 2 * maxKernels, resident);
  }

  /** Host arrays uploaded to textures so far. */
  get uploads(): number {
    return this.uploadCount;
  }

  /** Runs `fn` without counting its uploads and readbacks (self-tests are not user work). */
  uncounted<T>(fn: () => T): T {
    const uploads = this.uploadCount;
    const readbacks = this.memory.readbacks;
    try {
      return fn();
    } finally {
      this.uploadCount = uploads;
      this.memory.restoreReadbacks(readbacks);
    }
  }

  /** Whether a handle of `size` values can take part in a device kernel. */
  fits(size: number): boolean {
    return size > 0 && size <= MAX_FLAT_SIZE;
  }

  /** The handle as a kernel argument: its texture when resident (uploading host values once), else its array. */
  arg(handle: GpuData): KernelArg {
    if (!this.resident) return this.memory.read(handle);
    if (handle.device) return handle.device.texture;
    const { output, entry } = this.flatKernels.launch(UPLOAD_PLAN, handle.size, [this.memory.read(handle)]);
    if (!isTexture(output)) return this.memory.read(handle);
    this.uploadCount++;
    this.memory.attach(handle, output, entry, this.flatKernels.cache);
    return output;
  }

  /** c = op(A) @ op(B) on the device; a and b hold aSize / bSize values. */
  matmul(a: GpuData, b: GpuData, attrs: MatMulAttrs): GpuData {
    const { output, entry } = this.matmulKernels.launch(this.arg(a), this.arg(b), a.size, b.size, attrs);
    return this.wrap(output, attrs.batch * attrs.m * attrs.n, entry, this.matmulKernels.cache, 'MatMul');
  }

  /**
   * Runs a flat kernel over `size` outputs; `extra` are passed after the inputs: small host arrays (indices,
   * targets) or numbers (uniforms, e.g. an optimizer's per-step hyperparameters).
   */
  flat(plan: KernelPlan, size: number, inputs: readonly GpuData[], extra: readonly (Float32Array | number)[] = []): GpuData {
    const { output, entry } = this.flatKernels.launch(plan, size, [...inputs.map((h) => this.arg(h)), ...extra]);
    return this.wrap(output, size, entry, this.flatKernels.cache, plan.key);
  }

  /** Frees every compiled kernel; textures go with the gpu.js context (the caller destroys it). */
  dispose(): void {
    this.memory.close();
    this.matmulKernels.dispose();
    this.flatKernels.dispose();
  }

  private wrap(output: unknown, size: number, entry: CachedKernel, cache: KernelCache, op: string): GpuData {
    if (isTexture(output)) return this.memory.fromTexture(output, size, entry, cache);
    return this.memory.fromArray(flatten(output, size, op));
  }
}
