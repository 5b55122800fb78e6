// The fused AdamW update (KernelAttrs.AdamW): one invocation per element reads
// param, grad, m, v and writes param', m', v'; the hyperparameters arrive as
// parameters, so one pipeline serves every step and learning rate. The CPU
// backend's adamw.ts is the reference.
import type { KernelTable } from '@attn/tensor';
import { type KernelContext, sizeOf } from '../context.js';
import { Params } from '../params.js';
import { buffers, FLAT_MAIN, FLAT_WORKGROUP, grid } from '../prelude.js';

export function adamwKernels(ctx: KernelContext): KernelTable {
  return {
    AdamW: (inputs, { beta1, beta2, eps, stepSize, invSqrtBias2, keep }) => {
      const n = sizeOf(inputs[0].shape);
      const [param, m, v] = [ctx.alloc(n), ctx.alloc(n), ctx.alloc(n)];
      if (n === 0) return [param, m, v];
      ctx.run(
        'AdamW',
        () => `${buffers(['p', 'g', 'm', 'v'], ['p_next', 'm_next', 'v_next'])}
${FLAT_MAIN}
  let beta1 = f(1u);
  let beta2 = f(2u);
  let gi = g[i];
  let mi = beta1 * m[i] + (1.0 - beta1) * gi;
  let vi = beta2 * v[i] + (1.0 - beta2) * gi * gi;
  m_next[i] = mi;
  v_next[i] = vi;
  p_next[i] = p[i] * f(6u) - f(4u) * mi / (sqrt(vi) * f(5u) + f(3u));
}`,
        new Params().u32(n).f32(beta1).f32(beta2).f32(eps).f32(stepSize).f32(invSqrtBias2).f32(keep),
        [...inputs.map((t) => ctx.buffer(t)), param.buffer, m.buffer, v.buffer],
        grid(n, FLAT_WORKGROUP),
      );
      return [param, m, v];
    },
  };
}
