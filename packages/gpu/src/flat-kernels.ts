// Elementwise-shaped gpu.js kernels (Binary, Unary, UnaryGrad, Transpose,
// BroadcastTo, Sum, the upload copy): one thread per output element, 1-D output in row-major order, the
// layout every resident kernel reads and writes. Each kind describes its
// kernel as a KernelPlan (source + constants); this class compiles a plan
// once per key and runs it.
import type { GPU, IGPUKernelSettings, IKernelRunShortcut } from 'gpu.js';
import { type CachedKernel, KernelCache } from './kernel-cache.js';
import { type KernelArg, MAX_FLAT_SIZE } from './matmul-kernel.js';

/** One compiled kernel's recipe. */
export interface KernelPlan {
  /** Identifies the source (op, form...); the cache key adds the constants and the output size. */
  readonly key: string;
  /** gpu.js kernel source: an ES5 function of its inputs using this.thread.x and this.constants. */
  readonly source: string;
  readonly constants: Record<string, number>;
  /** Longest loop in the source (gpu.js caps loops at 1000 iterations unless told). */
  readonly loopMaxIterations?: number;
}

export class FlatKernels {
  readonly cache: KernelCache;

  /** @param resident true in GL modes: outputs are device textures (gpu.js pipeline mode). */
  constructor(
    private readonly gpu: GPU,
    name: string,
    maxKernels = 64,
    readonly resident = false,
  ) {
    this.cache = new KernelCache(name, maxKernels);
  }

  /**
   * Runs `plan` over `size` outputs; returns gpu.js's output (texture when resident) and the kernel's cache entry.
   * Number arguments become uniforms: values that change per call without recompiling.
   */
  launch(plan: KernelPlan, size: number, args: readonly (KernelArg | number)[]): { output: unknown; entry: CachedKernel } {
    if (size > MAX_FLAT_SIZE) throw new Error(`${this.cache.name} (gpu.js): ${size} outputs exceed the ${MAX_FLAT_SIZE} a flat kernel indexes exactly`);
    // Constants are baked into the compiled source, so they are part of what identifies it.
    const constants = Object.entries(plan.constants)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const entry = this.cache.get(`${plan.key}|${constants}|${size}`, () => {
      // loopMaxIterations is a real gpu.js setting missing from its typings.
      const settings: IGPUKernelSettings & { loopMaxIterations: number } = {
        output: [size],
        loopMaxIterations: Math.max(1000, (plan.loopMaxIterations ?? 0) + 1),
        constants: plan.constants,
        precision: 'single',
        tactic: 'precision',
        pipeline: this.resident,
        immutable: this.resident,
      };
      return this.gpu.createKernel(plan.source as never, settings) as IKernelRunShortcut;
    });
    return { output: entry.run(...(args as never[])) as unknown, entry };
  }

  dispose(): void {
    this.cache.dispose();
  }
}
