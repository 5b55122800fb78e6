// The fused AdamW update (KernelAttrs.AdamW in @attn/tensor: inputs [param,
// grad, m, v] -> [param', m', v']) as three flat gpu.js kernels, one per output,
// each recomputing the moments it needs from the same four inputs (a handful of
// flops per element), so the optimizer state stays on the device with the
// parameters. The hyperparameters change every step (bias corrections, the
// learning-rate schedule), so they are kernel arguments (uniforms), not
// constants: constants would compile a new shader per step.
import type { KernelAttrs } from '@attn/tensor';
import type { Device } from './device.js';
import type { GpuData } from './device-memory.js';
import type { KernelPlan } from './flat-kernels.js';

/** The order of the hyperparameter arguments after the four tensors. */
export const ADAMW_HYPERPARAMETERS = ['beta1', 'beta2', 'eps', 'stepSize', 'invSqrtBias2', 'keep'] as const;

const ARGS = `p, g, m, v, ${ADAMW_HYPERPARAMETERS.join(', ')}`;

const MOMENTS = `const gi = g[this.thread.x];
  const mi = beta1 * m[this.thread.x] + (1 - beta1) * gi;
  const vi = beta2 * v[this.thread.x] + (1 - beta2) * gi * gi;`;

export interface AdamWPlans {
  param: KernelPlan;
  m: KernelPlan;
  v: KernelPlan;
}

export const ADAMW_PLANS: AdamWPlans = {
  param: {
    key: 'adamw:param',
    source: `function adamwParam(${ARGS}) {
  ${MOMENTS}
  return p[this.thread.x] * keep - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBias2 + eps);
}`,
    constants: {},
  },
  m: {
    key: 'adamw:m',
    source: `function adamwM(${ARGS}) {
  ${MOMENTS}
  return mi;
}`,
    constants: {},
  },
  v: {
    key: 'adamw:v',
    source: `function adamwV(${ARGS}) {
  ${MOMENTS}
  return vi;
}`,
    constants: {},
  },
};

/** Runs the three plans on [param, grad, m, v]; returns [param', m', v']. */
export function adamwOnDevice(device: Device, inputs: readonly GpuData[], update: KernelAttrs['AdamW']): GpuData[] {
  const size = inputs[0].size;
  const hyper = ADAMW_HYPERPARAMETERS.map((k) => update[k]);
  return [ADAMW_PLANS.param, ADAMW_PLANS.m, ADAMW_PLANS.v].map((plan) => device.flat(plan, size, inputs, hyper));
}
