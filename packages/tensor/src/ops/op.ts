// Helpers every op uses: run a kernel into new tensors, and record the
// backward closure when gradients are wanted.
import { type GradNode, isGradEnabled } from '../autograd.js';
import type { DType, KernelAttrs, KernelName } from '../backend.js';
import { checkFinite, isNanCheckEnabled } from '../checks.js';
import { runKernel } from '../engine.js';
import { Tensor } from '../tensor.js';

/** Runs kernel `name` and wraps its first output (shape `outShape`) in a Tensor. */
export function run<K extends KernelName>(
  name: K,
  inputs: readonly Tensor[],
  attrs: KernelAttrs[K],
  outShape: readonly number[],
  dtype: DType = inputs[0].dtype,
): Tensor {
  const [storage] = runKernel(name, inputs, attrs, outShape, dtype);
  return new Tensor(storage, outShape, dtype);
}

/** Runs a multi-output kernel; `shapes` gives each output's shape. */
export function runMulti<K extends KernelName>(
  name: K,
  inputs: readonly Tensor[],
  attrs: KernelAttrs[K],
  shapes: readonly (readonly number[])[],
): Tensor[] {
  const storages = runKernel(name, inputs, attrs, shapes[0], inputs[0].dtype);
  return storages.map((s, i) => new Tensor(s, shapes[i], inputs[0].dtype));
}

/**
 * Marks `out` as produced by `op` from `inputs`: if grad mode is on and an
 * input requires grad, out requires grad and remembers how to backpropagate.
 * Also runs the optional non-finite check (maskedFill is exempt: it writes
 * -Infinity on purpose).
 */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradNode['backward']): Tensor {
  if (isNanCheckEnabled() && op !== 'maskedFill') checkFinite(out, op);
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    const checkedBackward: GradNode['backward'] = isNanCheckEnabled()
      ? (dy, needs) => backward(dy, needs).map((g) => (g ? checkFinite(g, `${op} (backward)`) : g))
      : backward;
    out.gradNode = { op, inputs, backward: checkedBackward };
  }
  return out;
}

/** Throws unless t is a Tensor, naming the op and argument. */
export function assertTensor(t: unknown, op: string, arg: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${arg} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
}
