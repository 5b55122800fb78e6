// Compiled kernels, cached by key.
//
// A key names a kernel and its variant (an operator, a size class such as the
// matmul tile or a row kernel's workgroup size, optional inputs present or
// not) but never a shape: shapes, strides and hyperparameters reach the kernel
// as parameters (see params.ts), so a model compiles each pipeline once,
// whatever its sizes, and a new batch size or sequence length compiles nothing.
import type { Program } from './dispatcher.js';

export class PipelineCache {
  private readonly programs = new Map<string, Program>();
  /** Pipelines compiled so far. Flat after the first training step. */
  compiles = 0;

  constructor(private readonly device: GPUDevice) {}

  /** The program for `key`, compiling `source()` (WGSL with entry point `main`) the first time. */
  get(key: string, source: () => string): Program {
    let program = this.programs.get(key);
    if (!program) {
      const module = this.device.createShaderModule({ code: source(), label: key });
      const pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
      program = { key, pipeline, layout: pipeline.getBindGroupLayout(0) };
      this.programs.set(key, program);
      this.compiles++;
    }
    return program;
  }

  get size(): number {
    return this.programs.size;
  }

  /** The keys compiled so far, sorted (for tests and bug reports). */
  keys(): string[] {
    return [...this.programs.keys()].sort();
  }
}
