// Reductions over one axis: Sum, Max, ArgMax and MaxGrad, on the (outer,
// length, inner) split of the CPU backend's reduce.ts (element (o, r, j) at
// (o * length + r) * inner + j).
import { aroundAxis, type KernelTable } from '@attn/tensor';
import type { KernelContext } from '../context.js';
import { Params } from '../params.js';
import { buffers, FLAT_MAIN, FLAT_WORKGROUP, grid, rowPlan } from '../prelude.js';

export function reduceKernels(ctx: KernelContext): KernelTable {
  /** One invocation per output (o, j) walking its `length` values: `body` sees base, stride, length. */
  const perOutput = (key: string, x: Parameters<KernelContext['buffer']>[0], axis: number, outputs: number, declarations: string, body: string, extra: GPUBuffer[] = []) => {
    const { outer, length, inner } = aroundAxis(x.shape, axis);
    const out = ctx.alloc(outputs);
    const n = outer * inner;
    if (n > 0) {
      ctx.run(
        key,
        () => `${declarations}
${FLAT_MAIN}
  let length = u(1u);
  let inner = u(2u);
  let j = i % inner;
  let o = i / inner;
  let base = o * length * inner + j;
  let stride = inner;
  ${body}
}`,
        new Params().u32(n).u32(length).u32(inner),
        [ctx.buffer(x), ...extra, out.buffer],
        grid(n, FLAT_WORKGROUP),
      );
    }
    return out;
  };

  return {
    Sum: ([x], { axis }) => {
      const { outer, length, inner } = aroundAxis(x.shape, axis);
      if (inner > 1) {
        // Neighbouring invocations read neighbouring columns, so the loads coalesce.
        return perOutput(
          'Sum:columns',
          x,
          axis,
          outer * inner,
          buffers(['xs'], ['out']),
          `var acc = 0.0;
  for (var r = 0u; r < length; r++) { acc += xs[base + r * stride]; }
  out[i] = acc;`,
        );
      }
      // Contiguous rows: a workgroup per row, partial sums combined in workgroup memory.
      const plan = rowPlan(length);
      const out = ctx.alloc(outer);
      if (outer > 0) {
        ctx.run(
          `Sum:rows:${plan.wg}`,
          () => `${buffers(['xs'], ['out'])}
${plan.header}
  let length = u(1u);
  let base = row * length;
  var acc = 0.0;
  for (var r = lid; r < length; r += WG) { acc += xs[base + r]; }
  let total = reduce_sum(acc, lid);
  if (lid == 0u) { out[row] = total; }
}`,
          new Params().u32(outer).u32(length),
          [ctx.buffer(x), out.buffer],
          plan.grid(outer),
        );
      }
      return out;
    },

    Max: ([x], { axis }) => {
      const { outer, inner } = aroundAxis(x.shape, axis);
      return perOutput(
        'Max',
        x,
        axis,
        outer * inner,
        buffers(['xs'], ['out']),
        `var best = xs[base];
  for (var r = 1u; r < length; r++) { best = max(best, xs[base + r * stride]); }
  out[i] = best;`,
      );
    },

    ArgMax: ([x], { axis }) => {
      const { outer, inner } = aroundAxis(x.shape, axis);
      return perOutput(
        'ArgMax',
        x,
        axis,
        outer * inner,
        buffers(['xs'], ['out']),
        `var best = xs[base];
  var at = 0u;
  for (var r = 1u; r < length; r++) {
    let v = xs[base + r * stride];
    if (v > best) { best = v; at = r; }
  }
  out[i] = f32(at);`,
      );
    },

    MaxGrad: ([x, dy], { axis }) => {
      // dy goes to the first max of each reduced row; every other element of x's shape gets 0.
      return perOutput(
        'MaxGrad',
        x,
        axis,
        x.shape.reduce((a, b) => a * b, 1),
        buffers(['xs', 'dy'], ['out']),
        `var best = xs[base];
  var at = 0u;
  for (var r = 1u; r < length; r++) {
    let v = xs[base + r * stride];
    if (v > best) { best = v; at = r; }
  }
  for (var r = 0u; r < length; r++) { out[base + r * stride] = select(0.0, dy[i], r == at); }`,
        [ctx.buffer(dy)],
      );
    },
  };
}
