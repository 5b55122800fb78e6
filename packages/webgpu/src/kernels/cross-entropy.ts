// Cross-entropy from logits (N, V) and its gradient: one workgroup per row
// (log-sum-exp by tree reduction), targets uploaded as 32-bit integers. The
// CPU backend's nn.ts is the reference.
import type { KernelTable } from '@attn/tensor';
import type { KernelContext } from '../context.js';
import { Params } from '../params.js';
import { buffers, rowPlan } from '../prelude.js';

/** Row max and sum of exp over logits row `row` (V = u(1)); every invocation of the workgroup runs it. */
const LOG_SUM_EXP = /* wgsl */ `
  let vocab = u(1u);
  let base = row * vocab;
  let t = targets[row];
  let ignored = t == bitcast<i32>(u(2u));
  let tgt = select(u32(t), 0u, ignored);
  var m = LOWEST;
  for (var j = lid; j < vocab; j += WG) { m = max(m, logits[base + j]); }
  let mx = reduce_max(m, lid);
  var s = 0.0;
  for (var j = lid; j < vocab; j += WG) { s += exp(logits[base + j] - mx); }
  let total = reduce_sum(s, lid);`;

export function crossEntropyKernels(ctx: KernelContext): KernelTable {
  return {
    CrossEntropy: ([logits], { targets, ignoreIndex }) => {
      const vocab = logits.shape[logits.shape.length - 1];
      const rows = targets.length;
      const out = ctx.alloc(rows);
      if (rows === 0) return out;
      const plan = rowPlan(vocab);
      ctx.withInts(targets, (targetBuffer) =>
        ctx.run(
          `CrossEntropy:${plan.wg}`,
          () => `${buffers(['logits', 'targets'], ['out'], { targets: 'i32' })}
${plan.header}${LOG_SUM_EXP}
  if (lid == 0u) { out[row] = select(mx + log(total) - logits[base + tgt], 0.0, ignored); }
}`,
          new Params().u32(rows).u32(vocab).i32(ignoreIndex),
          [ctx.buffer(logits), targetBuffer, out.buffer],
          plan.grid(rows),
        ),
      );
      return out;
    },

    // dlogits = (softmax(logits) - onehot(target)) * dLoss[row]; 0 on ignored rows.
    CrossEntropyGrad: ([logits, dLoss], { targets, ignoreIndex }) => {
      const vocab = logits.shape[logits.shape.length - 1];
      const rows = targets.length;
      const out = ctx.alloc(rows * vocab);
      if (rows * vocab === 0) return out;
      const plan = rowPlan(vocab);
      ctx.withInts(targets, (targetBuffer) =>
        ctx.run(
          `CrossEntropyGrad:${plan.wg}`,
          () => `${buffers(['logits', 'targets', 'dloss'], ['out'], { targets: 'i32' })}
${plan.header}${LOG_SUM_EXP}
  let scale = select(dloss[row], 0.0, ignored);
  let inv = scale / total;
  for (var j = lid; j < vocab; j += WG) {
    out[base + j] = exp(logits[base + j] - mx) * inv - select(0.0, scale, j == tgt);
  }
}`,
          new Params().u32(rows).u32(vocab).i32(ignoreIndex),
          [ctx.buffer(logits), targetBuffer, ctx.buffer(dLoss), out.buffer],
          plan.grid(rows),
        ),
      );
      return out;
    },
  };
}
