// Fused optimizer updates: one kernel per parameter per step instead of a
// dozen elementwise ops (or a read-back to JavaScript), so the update runs
// wherever the parameter lives. Not differentiable and never recorded.
import type { KernelAttrs } from '../backend.js';
import { shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, runMulti } from './op.js';

/** Hyperparameters of one AdamW update, with the bias corrections and decay folded in (see KernelAttrs.AdamW). */
export type AdamWUpdate = KernelAttrs['AdamW'];

/**
 * One AdamW step for a parameter: returns new [param, m, v] tensors (the
 * inputs are untouched). The caller assigns the new values to the parameter
 * and keeps m and v as its state for the next step.
 */
export function adamwUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, update: AdamWUpdate): [Tensor, Tensor, Tensor] {
  for (const [name, t] of [['param', param], ['grad', grad], ['m', m], ['v', v]] as const) {
    assertTensor(t, 'adamwUpdate', name);
    if (t.shape.length !== param.shape.length || t.shape.some((d, i) => d !== param.shape[i])) {
      throw new Error(`adamwUpdate: ${name} has shape ${shapeStr(t.shape)}, expected ${shapeStr(param.shape)} (the parameter's)`);
    }
    if (t.dtype !== param.dtype) throw new Error(`adamwUpdate: ${name} is ${t.dtype}, the parameter ${param.dtype}`);
  }
  for (const key of ['beta1', 'beta2', 'eps', 'stepSize', 'invSqrtBias2', 'keep'] as const) {
    if (!Number.isFinite(update[key])) throw new Error(`adamwUpdate: ${key} must be a finite number, got ${update[key]}`);
  }
  const [p, nextM, nextV] = runMulti('AdamW', [param, grad, m, v], update, [param.shape, param.shape, param.shape]);
  return [p, nextM, nextV];
}
