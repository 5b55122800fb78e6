// Softmax and log-softmax along any axis, and their gradients: one workgroup
// per row (the row is strided when the axis is not the last), max and sums by
// tree reduction in workgroup memory. The CPU backend's nn.ts is the reference.
import { aroundAxis, type KernelInput, type KernelTable } from '@attn/tensor';
import type { KernelContext } from '../context.js';
import { Params } from '../params.js';
import { buffers, rowPlan } from '../prelude.js';

/** WGSL locating row `row` of (outer, length, inner): element r at base + r * stride. */
const ROW_ADDRESS = /* wgsl */ `
  let length = u(1u);
  let inner = u(2u);
  let base = (row / inner) * length * inner + row % inner;
  let stride = inner;`;

export function softmaxKernels(ctx: KernelContext): KernelTable {
  const rowKernel = (name: string, inputs: readonly KernelInput[], axis: number, body: string) => {
    const x = inputs[0];
    const { outer, length, inner } = aroundAxis(x.shape, axis);
    const rows = outer * inner;
    const out = ctx.alloc(rows * length);
    if (rows * length > 0) {
      const plan = rowPlan(length);
      const names = inputs.length === 1 ? ['xs'] : ['ys', 'dys'];
      ctx.run(
        `${name}:${plan.wg}`,
        () => `${buffers(names, ['out'])}
${plan.header}${ROW_ADDRESS}
${body}
}`,
        new Params().u32(rows).u32(length).u32(inner),
        [...inputs.map((t) => ctx.buffer(t)), out.buffer],
        plan.grid(rows),
      );
    }
    return out;
  };

  // An all -inf row: the max stays LOWEST, every exp is 0, and the result is NaN, as on the CPU.
  const maxAndSum = /* wgsl */ `
  var m = LOWEST;
  for (var r = lid; r < length; r += WG) { m = max(m, xs[base + r * stride]); }
  let mx = reduce_max(m, lid);
  var s = 0.0;
  for (var r = lid; r < length; r += WG) { s += exp(xs[base + r * stride] - mx); }
  let total = reduce_sum(s, lid);`;

  return {
    Softmax: (inputs, { axis }) =>
      rowKernel(
        'Softmax',
        inputs,
        axis,
        `${maxAndSum}
  let inv = 1.0 / total;
  for (var r = lid; r < length; r += WG) { let at = base + r * stride; out[at] = exp(xs[at] - mx) * inv; }`,
      ),

    LogSoftmax: (inputs, { axis }) =>
      rowKernel(
        'LogSoftmax',
        inputs,
        axis,
        `${maxAndSum}
  let logz = mx + log(total);
  for (var r = lid; r < length; r += WG) { let at = base + r * stride; out[at] = xs[at] - logz; }`,
      ),

    // dx = y * (dy - sum(dy * y))
    SoftmaxGrad: (inputs, { axis }) =>
      rowKernel(
        'SoftmaxGrad',
        inputs,
        axis,
        `  var s = 0.0;
  for (var r = lid; r < length; r += WG) { let at = base + r * stride; s += dys[at] * ys[at]; }
  let dot = reduce_sum(s, lid);
  for (var r = lid; r < length; r += WG) { let at = base + r * stride; out[at] = ys[at] * (dys[at] - dot); }`,
      ),

    // dx = dy - exp(y) * sum(dy)
    LogSoftmaxGrad: (inputs, { axis }) =>
      rowKernel(
        'LogSoftmaxGrad',
        inputs,
        axis,
        `  var s = 0.0;
  for (var r = lid; r < length; r += WG) { s += dys[base + r * stride]; }
  let total = reduce_sum(s, lid);
  for (var r = lid; r < length; r += WG) { let at = base + r * stride; out[at] = dys[at] - exp(ys[at]) * total; }`,
      ),
  };
}
