// Kernels that move values: Transpose, BroadcastTo and Slice (one strided-read
// kernel), PadAxis, Concat (one dispatch per input), Gather and ScatterAdd
// (embeddings). The CPU backend's layout.ts is the readable reference.
import { aroundAxis, broadcastStrides, type KernelInput, type KernelTable, stridesOf } from '@attn/tensor';
import { type GpuTensorData, type KernelContext, sizeOf } from '../context.js';
import { Params } from '../params.js';
import { buffers, FLAT_MAIN, FLAT_WORKGROUP, grid, unravel } from '../prelude.js';

export function layoutKernels(ctx: KernelContext): KernelTable {
  const flat = (n: number) => grid(n, FLAT_WORKGROUP);

  /**
   * out[i] = x[base + Σ_d coord_d(i) * readStrides[d]], coordinates of i in
   * outShape: a permutation (Transpose), stride 0 on broadcast dims
   * (BroadcastTo) or a window (Slice) are all this one kernel.
   */
  const strided = (x: KernelInput, outShape: readonly number[], readStrides: readonly number[], base: number): GpuTensorData => {
    const n = sizeOf(outShape);
    const out = ctx.alloc(n);
    const nd = outShape.length;
    ctx.run(
      `StridedRead:${nd}`,
      () => `${buffers(['xs'], ['out'])}
${FLAT_MAIN}
  var src = u(17u);
  var rem = i;${unravel(nd, 1, [9], ['src'])}
  out[i] = xs[src];
}`,
      new Params().u32(n).dims(outShape).dims(readStrides).u32(base),
      [ctx.buffer(x), out.buffer],
      flat(n),
    );
    return out;
  };

  return {
    Transpose: ([x], { perm }, outShape) => {
      const strides = stridesOf(x.shape);
      return strided(
        x,
        outShape,
        perm.map((p) => strides[p]),
        0,
      );
    },

    BroadcastTo: ([x], _attrs, outShape) => strided(x, outShape, broadcastStrides(x.shape, outShape), 0),

    Slice: ([x], { axis, start }, outShape) => strided(x, outShape, stridesOf(x.shape), start * stridesOf(x.shape)[axis]),

    PadAxis: ([dy], { axis, start, length }) => {
      // Output element (o, r, j) of (outer, length, inner) takes dy (o, r - start, j) inside the window, else 0.
      const { outer, length: part, inner } = aroundAxis(dy.shape, axis);
      const n = outer * length * inner;
      const out = ctx.alloc(n);
      ctx.run(
        'PadAxis',
        () => `${buffers(['dy'], ['out'])}
${FLAT_MAIN}
  let inner = u(1u);
  let length = u(2u);
  let start = u(3u);
  let part = u(4u);
  let j = i % inner;
  let r = (i / inner) % length;
  let o = i / (inner * length);
  var v = 0.0;
  if (r >= start && r < start + part) { v = dy[(o * part + r - start) * inner + j]; }
  out[i] = v;
}`,
        new Params().u32(n).u32(inner).u32(length).u32(start).u32(part),
        [ctx.buffer(dy), out.buffer],
        flat(n),
      );
      return out;
    },

    Concat: (xs, { axis }, outShape) => {
      // Each input writes its own slab of the output: element (o, r, j) of input t goes to (o, offset_t + r, j).
      const n = sizeOf(outShape);
      const out = ctx.alloc(n);
      const { inner, length: total } = aroundAxis(outShape, axis);
      let offset = 0;
      for (const x of xs) {
        const part = x.shape[axis];
        const count = sizeOf(x.shape);
        if (count > 0) {
          ctx.run(
            'ConcatPart',
            () => `${buffers(['xs'], ['out'])}
${FLAT_MAIN}
  let slab = u(1u) * u(2u);
  let o = i / slab;
  out[(o * u(3u) + u(4u)) * u(2u) + i % slab] = xs[i];
}`,
            new Params().u32(count).u32(part).u32(inner).u32(total).u32(offset),
            [ctx.buffer(x), out.buffer],
            flat(count),
          );
        }
        offset += part;
      }
      return out;
    },

    Gather: ([x], { axis, indices }) => {
      const { outer, length, inner } = aroundAxis(x.shape, axis);
      const count = indices.length;
      const n = outer * count * inner;
      const out = ctx.alloc(n);
      if (n === 0) return out;
      ctx.withInts(indices, (ids) =>
        ctx.run(
          'Gather',
          () => `${buffers(['xs', 'ids'], ['out'], { ids: 'i32' })}
${FLAT_MAIN}
  let inner = u(1u);
  let count = u(2u);
  let j = i % inner;
  let t = (i / inner) % count;
  let o = i / (inner * count);
  out[i] = xs[(o * u(3u) + u32(ids[t])) * inner + j];
}`,
          new Params().u32(n).u32(inner).u32(count).u32(length),
          [ctx.buffer(x), ids, out.buffer],
          flat(n),
        ),
      );
      return out;
    },

    ScatterAdd: ([dy], { axis, indices, length }) => {
      // No float atomics in WebGPU: the host sorts the positions by target row
      // (indices live on the host as an attribute), and each output element sums
      // its own row's positions in order. Deterministic, no races.
      const { outer, inner } = aroundAxis(dy.shape, axis);
      const count = indices.length;
      const n = outer * length * inner;
      const out = ctx.alloc(n);
      if (n === 0) return out;
      ctx.withInts(rowsByTarget(indices, length), (csr) =>
        ctx.run(
          'ScatterAdd',
          () => `${buffers(['dy', 'csr'], ['out'], { csr: 'i32' })}
${FLAT_MAIN}
  let inner = u(1u);
  let length = u(2u);
  let count = u(3u);
  let j = i % inner;
  let row = (i / inner) % length;
  let o = i / (inner * length);
  var acc = 0.0;
  // csr[0..length]: where each row's positions start in csr[length + 1 ..]
  for (var p = u32(csr[row]); p < u32(csr[row + 1u]); p++) {
    let t = u32(csr[length + 1u + p]);
    acc += dy[(o * count + t) * inner + j];
  }
  out[i] = acc;
}`,
          new Params().u32(n).u32(inner).u32(length).u32(count),
          [ctx.buffer(dy), csr, out.buffer],
          flat(n),
        ),
      );
      return out;
    },
  };
}

/**
 * The positions of `indices` grouped by value, as one array: `length + 1` row
 * starts followed by the positions (each row's in increasing order), so the
 * sums add in the same order as the CPU's loop.
 */
export function rowsByTarget(indices: Int32Array, length: number): Int32Array {
  const out = new Int32Array(length + 1 + indices.length);
  for (const row of indices) out[row + 1]++;
  for (let r = 0; r < length; r++) out[r + 1] += out[r];
  const fill = out.slice(0, length);
  for (let t = 0; t < indices.length; t++) out[length + 1 + fill[indices[t]]++] = t;
  return out;
}
