// Fused optimizer updates: one kernel per parameter per step instead of a
// dozen elementwise ops (or a read-back to JavaScript), so the update runs
// wherever the parameter lives. Not differentiable and never recorded.
import type { KernelAttrs } from '../backend.js';
import { backendHasKernel } from '../engine.js';
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

/** One parameter's part in adamwUpdateGroup: its tensors and its decay factor. */
export interface AdamWGroupMember {
  param: Tensor;
  grad: Tensor;
  m: Tensor;
  v: Tensor;
  /** 1 - lr * weightDecay for a decayed parameter, else 1 (see KernelAttrs.AdamW). */
  keep: number;
}

/**
 * adamwUpdate for every member at once: one AdamWGroup kernel call where the
 * backend has it (an optimizer step over a model's dozens of parameters then
 * costs one call and one job for the threads, not one per parameter), else
 * adamwUpdate member by member, which it equals. Returns each member's new
 * [param, m, v], in order.
 */
export function adamwUpdateGroup(members: readonly AdamWGroupMember[], update: Omit<AdamWUpdate, 'keep'>): [Tensor, Tensor, Tensor][] {
  if (members.length === 0) return [];
  const dtype = members[0].param.dtype;
  const sameDType = members.every((x) => x.param.dtype === dtype);
  if (!sameDType || !backendHasKernel('AdamWGroup', dtype)) {
    return members.map((x) => adamwUpdate(x.param, x.grad, x.m, x.v, { ...update, keep: x.keep }));
  }
  // the checks adamwUpdate makes, member by member
  for (const [i, x] of members.entries()) {
    for (const [name, t] of [['param', x.param], ['grad', x.grad], ['m', x.m], ['v', x.v]] as const) {
      assertTensor(t, 'adamwUpdateGroup', `members[${i}].${name}`);
      if (t.shape.length !== x.param.shape.length || t.shape.some((d, j) => d !== x.param.shape[j])) {
        throw new Error(`adamwUpdateGroup: members[${i}].${name} has shape ${shapeStr(t.shape)}, expected ${shapeStr(x.param.shape)} (the parameter's)`);
      }
      if (t.dtype !== dtype) throw new Error(`adamwUpdateGroup: members[${i}].${name} is ${t.dtype}, the parameters ${dtype}`);
    }
    if (!Number.isFinite(x.keep)) throw new Error(`adamwUpdateGroup: members[${i}].keep must be a finite number, got ${x.keep}`);
  }
  for (const key of ['beta1', 'beta2', 'eps', 'stepSize', 'invSqrtBias2'] as const) {
    if (!Number.isFinite(update[key])) throw new Error(`adamwUpdateGroup: ${key} must be a finite number, got ${update[key]}`);
  }
  const n = members.length;
  const inputs = [...members.map((x) => x.param), ...members.map((x) => x.grad), ...members.map((x) => x.m), ...members.map((x) => x.v)];
  const shapes = [0, 1, 2].flatMap(() => members.map((x) => x.param.shape));
  const outs = runMulti('AdamWGroup', inputs, { ...update, keep: members.map((x) => x.keep) }, shapes);
  return members.map((_, i) => [outs[i], outs[n + i], outs[2 * n + i]]);
}
