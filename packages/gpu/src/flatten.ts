// gpu.js returns a 1-D output as a Float32Array and a 2-D/3-D output as nested
// arrays of Float32Array rows; tensors want one row-major Float32Array.

/** Copies gpu.js's (possibly nested) output into one row-major array of `size` values; `op` names the kernel in errors. */
export function flatten(result: unknown, size: number, op: string): Float32Array {
  if (typeof (result as Promise<unknown> | null)?.then === 'function') {
    // gpu.js's webgpu mode (and asyncMode) answer with a Promise; tensor kernels are synchronous.
    throw new Error(`${op} (gpu.js): kernel returned a Promise (an asynchronous mode such as webgpu); this backend needs synchronous kernels`);
  }
  if (result instanceof Float32Array) {
    if (result.length !== size) throw new Error(`${op} (gpu.js): kernel returned ${result.length} values, expected ${size}`);
    return result;
  }
  const out = new Float32Array(size);
  let offset = 0;
  const visit = (x: unknown): void => {
    if (x instanceof Float32Array || !Array.isArray(x)) {
      const row = x as ArrayLike<number>;
      if (offset + row.length > size) throw new Error(`${op} (gpu.js): kernel returned more than ${size} values`);
      out.set(row, offset);
      offset += row.length;
    } else {
      for (const inner of x) visit(inner);
    }
  };
  visit(result);
  if (offset !== size) throw new Error(`${op} (gpu.js): kernel returned ${offset} values, expected ${size}`);
  return out;
}
