// Layer norm over the last dim and its gradient. Forward: one workgroup per
// row (mean, then the variance of the centred values, each by tree reduction),
// writing y, mean and rstd. Backward: dx per row the same way; dweight and
// dbias as column sums over the rows, one invocation per column. The CPU
// backend's nn.ts is the reference.
import type { KernelTable } from '@attn/tensor';
import type { KernelContext } from '../context.js';
import { Params } from '../params.js';
import { buffers, FLAT_MAIN, FLAT_WORKGROUP, grid, rowPlan } from '../prelude.js';

export function layerNormKernels(ctx: KernelContext): KernelTable {
  return {
    LayerNorm: (inputs, { eps, hasWeight, hasBias }) => {
      // inputs: [x, weight?, bias?] -> [y, mean, rstd]
      const x = inputs[0];
      const cols = x.shape[x.shape.length - 1];
      const size = inputs[0].shape.reduce((a, b) => a * b, 1);
      const rows = cols === 0 ? 0 : size / cols;
      const [y, mean, rstd] = [ctx.alloc(size), ctx.alloc(rows), ctx.alloc(rows)];
      if (size === 0) return [y, mean, rstd];
      const plan = rowPlan(cols);
      const names = ['xs', ...(hasWeight ? ['weight'] : []), ...(hasBias ? ['bias'] : [])];
      const affine = `${hasWeight ? ' * weight[c]' : ''}${hasBias ? ' + bias[c]' : ''}`;
      ctx.run(
        `LayerNorm:${hasWeight ? 'w' : ''}${hasBias ? 'b' : ''}:${plan.wg}`,
        () => `${buffers(names, ['ys', 'means', 'rstds'])}
${plan.header}
  let cols = u(1u);
  let base = row * cols;
  var s = 0.0;
  for (var c = lid; c < cols; c += WG) { s += xs[base + c]; }
  let mean = reduce_sum(s, lid) / f32(cols);
  var ss = 0.0;
  for (var c = lid; c < cols; c += WG) { let d = xs[base + c] - mean; ss += d * d; }
  let rstd = 1.0 / sqrt(reduce_sum(ss, lid) / f32(cols) + f(2u));
  for (var c = lid; c < cols; c += WG) { ys[base + c] = (xs[base + c] - mean) * rstd${affine}; }
  if (lid == 0u) {
    means[row] = mean;
    rstds[row] = rstd;
  }
}`,
        new Params().u32(rows).u32(cols).f32(eps),
        [...inputs.map((t) => ctx.buffer(t)), y.buffer, mean.buffer, rstd.buffer],
        plan.grid(rows),
      );
      return [y, mean, rstd];
    },

    LayerNormGrad: (inputs, { hasWeight }) => {
      // inputs: [x, weight?, mean, rstd, dy] -> [dx, dweight, dbias]
      const x = inputs[0];
      const at = hasWeight ? 2 : 1;
      const [mean, rstd, dy] = [inputs[at], inputs[at + 1], inputs[at + 2]];
      const cols = x.shape[x.shape.length - 1];
      const size = x.shape.reduce((a, b) => a * b, 1);
      const rows = cols === 0 ? 0 : size / cols;
      const [dx, dweight, dbias] = [ctx.alloc(size), ctx.alloc(cols), ctx.alloc(cols)];
      if (size === 0) return [dx, dweight, dbias];
      const plan = rowPlan(cols);
      const rowInputs = ['xs', ...(hasWeight ? ['weight'] : []), 'means', 'rstds', 'dys'];
      // With xhat = (x - mean) * rstd and g = dy * weight: dx = rstd * (g - mean(g) - xhat * mean(g * xhat)).
      ctx.run(
        `LayerNormGrad:dx:${hasWeight ? 'w' : ''}:${plan.wg}`,
        () => `${buffers(rowInputs, ['dx'])}
${plan.header}
  let cols = u(1u);
  let base = row * cols;
  let mean = means[row];
  let rstd = rstds[row];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = lid; c < cols; c += WG) {
    let g = dys[base + c]${hasWeight ? ' * weight[c]' : ''};
    sg += g;
    sgx += g * (xs[base + c] - mean) * rstd;
  }
  let mean_g = reduce_sum(sg, lid) / f32(cols);
  let mean_gx = reduce_sum(sgx, lid) / f32(cols);
  for (var c = lid; c < cols; c += WG) {
    let g = dys[base + c]${hasWeight ? ' * weight[c]' : ''};
    let xhat = (xs[base + c] - mean) * rstd;
    dx[base + c] = rstd * (g - mean_g - xhat * mean_gx);
  }
}`,
        new Params().u32(rows).u32(cols),
        [ctx.buffer(x), ...(hasWeight ? [ctx.buffer(inputs[1])] : []), ctx.buffer(mean), ctx.buffer(rstd), ctx.buffer(dy), dx.buffer],
        plan.grid(rows),
      );
      ctx.run(
        'LayerNormGrad:affine',
        () => `${buffers(['xs', 'means', 'rstds', 'dys'], ['dweight', 'dbias'])}
${FLAT_MAIN}
  let cols = u(0u);
  var dw = 0.0;
  var db = 0.0;
  for (var r = 0u; r < u(1u); r++) {
    let d = dys[r * cols + i];
    dw += d * (xs[r * cols + i] - means[r]) * rstds[r];
    db += d;
  }
  dweight[i] = dw;
  dbias[i] = db;
}`,
        new Params().u32(cols).u32(rows),
        [ctx.buffer(x), ctx.buffer(mean), ctx.buffer(rstd), ctx.buffer(dy), dweight.buffer, dbias.buffer],
        grid(cols, FLAT_WORKGROUP),
      );
      return [dx, dweight, dbias];
    },
  };
}
