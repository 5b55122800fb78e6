// A dispatch's parameters: up to 64 32-bit words (sizes, strides, floats as
// their bits) that a kernel reads from binding 0 with u(i) / f(i) (prelude.ts).
import { PARAM_WORDS } from './dispatcher.js';
import { WebGPUBackendError } from './errors.js';

/** Dims a strided kernel supports (shapes and strides take 8 words each). */
export const MAX_DIMS = 8;

export class Params {
  readonly words = new Uint32Array(PARAM_WORDS);
  private readonly floats = new Float32Array(this.words.buffer);
  private at = 0;

  /** Appends an unsigned integer (sizes, strides, counts). */
  u32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new WebGPUBackendError(`webgpu: parameter ${value} is not an unsigned 32-bit integer (a tensor too large for WebGPU?)`);
    }
    this.words[this.next()] = value;
    return this;
  }

  /** Appends a signed integer (an ignore index may be negative), as its two's-complement bits. */
  i32(value: number): this {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw new WebGPUBackendError(`webgpu: parameter ${value} is not a signed 32-bit integer`);
    }
    this.words[this.next()] = value >>> 0;
    return this;
  }

  /** Appends a float (stored as its float32 bits; kernels read it with f(i)). ±Infinity passes through. */
  f32(value: number): this {
    this.floats[this.next()] = value;
    return this;
  }

  /** Appends `values` padded with zeros to MAX_DIMS words (a shape or strides). */
  dims(values: readonly number[]): this {
    if (values.length > MAX_DIMS) throw new WebGPUBackendError(`webgpu: tensors of more than ${MAX_DIMS} dims are not supported, got ${values.length}`);
    for (let d = 0; d < MAX_DIMS; d++) this.u32(d < values.length ? values[d] : 0);
    return this;
  }

  private next(): number {
    if (this.at >= PARAM_WORDS) throw new WebGPUBackendError(`webgpu: a kernel's parameters exceed ${PARAM_WORDS} words`);
    return this.at++;
  }
}
