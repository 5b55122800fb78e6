// CrossEntropy (loss per row of logits (N, V): log-sum-exp minus the target's
// logit, 0 where the target is ignoreIndex) and its gradient
// ((softmax - onehot) * dLoss per row) as flat gpu.js kernels. Targets are a
// host Int32Array in the attrs, passed as a small float array argument. The
// gradient first computes each row's log-sum-exp (N outputs), so no element
// walks its row. Rows longer than MAX_VOCAB get no plans (the CPU runs them).
import type { Device } from './device.js';
import type { GpuData } from './device-memory.js';
import type { KernelPlan } from './flat-kernels.js';

export const MAX_VOCAB = 65536;

/** Log-sum-exp of row this.thread.x of `a` (max first; Kahan sum of exponentials), into `lse`. */
const ROW_LSE = `const base = this.thread.x * this.constants.V;
  let mx = a[base];
  for (let l = 1; l < this.constants.V; l++) {
    mx = Math.max(mx, a[base + l]);
  }
  let s = 0;
  let c = 0;
  for (let l = 0; l < this.constants.V; l++) {
    const y = Math.exp(a[base + l] - mx) - c;
    const t = s + y;
    c = (t - s) - y;
    s = t;
  }
  const lse = mx + Math.log(s);`;

function fits(vocab: number, ignoreIndex: number): boolean {
  return vocab > 0 && vocab <= MAX_VOCAB && Number.isFinite(ignoreIndex);
}

/** Inputs: logits (N, V), then the targets as a float array; N outputs. */
export function crossEntropyPlan(vocab: number, ignoreIndex: number): KernelPlan | null {
  if (!fits(vocab, ignoreIndex)) return null;
  const source = `function crossEntropy(a, targets) {
  const target = targets[this.thread.x];
  if (Math.abs(target - this.constants.ignore) < 0.5) {
    return 0;
  }
  ${ROW_LSE}
  return lse - a[base + target];
}`;
  return { key: 'crossEntropy', source, constants: { V: vocab, ignore: ignoreIndex }, loopMaxIterations: vocab };
}

export interface CrossEntropyGradPlans {
  /** Inputs: logits; N outputs (each row's log-sum-exp). */
  lse: KernelPlan;
  /** Inputs: logits, lse, dLoss, then the targets as a float array; N * V outputs. */
  grad: KernelPlan;
}

export function crossEntropyGradPlans(vocab: number, ignoreIndex: number): CrossEntropyGradPlans | null {
  if (!fits(vocab, ignoreIndex)) return null;
  return {
    lse: {
      key: 'crossEntropy:lse',
      source: `function rowLogSumExp(a) {
  ${ROW_LSE}
  return lse;
}`,
      constants: { V: vocab },
      loopMaxIterations: vocab,
    },
    grad: {
      key: 'crossEntropyGrad',
      // floor((i + 0.5) / V) is exact below 2^22.
      source: `function crossEntropyGrad(a, lse, dLoss, targets) {
  const row = Math.floor((this.thread.x + 0.5) / this.constants.V);
  const j = this.thread.x - row * this.constants.V;
  const target = targets[row];
  if (Math.abs(target - this.constants.ignore) < 0.5) {
    return 0;
  }
  let p = Math.exp(a[this.thread.x] - lse[row]);
  if (Math.abs(j - target) < 0.5) {
    p = p - 1;
  }
  return p * dLoss[row];
}`,
      constants: { V: vocab, ignore: ignoreIndex },
    },
  };
}

/** Runs the gradient plans over (rows, vocab) logits; the per-row log-sum-exp in between is freed at once. */
export function crossEntropyGradOnDevice(
  device: Device,
  plans: CrossEntropyGradPlans,
  rows: number,
  vocab: number,
  logits: GpuData,
  dLoss: GpuData,
  targets: Int32Array,
): GpuData {
  const lse = device.flat(plans.lse, rows, [logits]);
  const grad = device.flat(plans.grad, rows * vocab, [logits, lse, dLoss], [Float32Array.from(targets)]);
  device.memory.free(lse);
  return grad;
}
