// The one read of a training step: the step's losses and the gradient norm are
// gathered into one small tensor on the backend and read back together, so a
// step costs one device round trip however many micro-batches it has.
import { broadcastTo, fromArray, type Tensor } from '@attn/tensor';

/**
 * A vector whose element i is the one-element tensor scalars[i], built from broadcasts, masked
 * fills and adds (kernels every device backend has; a Concat may not be one of them). Each
 * element is its scalar exactly: the other terms add +0 there, and a NaN or Infinity stays in its slot.
 */
export function packScalars(scalars: readonly Tensor[]): Tensor {
  const k = scalars.length;
  if (k === 0) throw new Error('packScalars: needs at least one scalar');
  let out: Tensor | null = null;
  scalars.forEach((s, i) => {
    if (s.size !== 1) throw new Error(`packScalars: expected one-element tensors, got shape [${s.shape.join(', ')}] at ${i}`);
    const elsewhere = fromArray(Array.from({ length: k }, (_, j) => (j === i ? 0 : 1)), [k]); // (k): 1 = not slot i
    const term = broadcastTo(s.reshape([1]), [k]).maskedFill(elsewhere, 0); // (k): s at i, 0 elsewhere
    out = out ? out.add(term) : term;
  });
  return out as unknown as Tensor;
}
