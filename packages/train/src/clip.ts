// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_: every
// gradient is scaled by min(1, maxNorm / (norm + 1e-6)), where norm is the L2
// norm of all gradients taken together. Neither function reads a value back from
// a device: the norm comes back as a one-element tensor, which the trainer reads
// together with the loss in its one read of the step.
//
// Two paths, chosen per call:
// - host (the reference): where gradients live in host memory (the cpu and wasm
//   backends), they are read as they are and the norm is summed in float64, the
//   scale applied in float64 and rounded once: torch's float64 norm up to
//   the order of the float64 sums.
// - device: on a GPU the norm is built with tensor ops (squares summed per
//   gradient, added, square root) and the scale min(1, maxNorm / (norm + 1e-6))
//   is computed and applied on the device, in the gradients' float32.
import { isHostResident, readHostValues, type Tensor, tensor } from '@attn/tensor';

export interface ClipOptions {
  /** 'auto' (default): host where every gradient is in host memory, else device. */
  path?: 'auto' | 'host' | 'device';
}

function gradientsOf(params: readonly Tensor[]): Tensor[] {
  return params.flatMap((p) => (p.grad ? [p.grad] : []));
}

function useHost(grads: readonly Tensor[], options: ClipOptions): boolean {
  const path = options.path ?? 'auto';
  return path === 'host' || (path === 'auto' && grads.every(isHostResident));
}

/**
 * Reference path: the norm in float64 over values read in place from host
 * memory (readHostValues: no copy of the gradients, which dataSync() would
 * make on the wasm backend, 3 MB a step for nanoGPT).
 */
function hostNorm(grads: readonly Tensor[]): number {
  let sumSq = 0;
  for (const g of grads) sumSq += readHostValues(g, sumOfSquares);
  return Math.sqrt(sumSq);
}

/**
 * Sum of squares in float64 with four running sums (elements i mod 4): one sum
 * waits on each float64 add in turn (about 0.9 ms a step for nanoGPT's 0.8M
 * parameters), four independent ones run 2-3x faster; in float64 the order
 * changes only the last bits, far below the float32 the norm is returned in.
 */
function sumOfSquares(values: ArrayLike<number>): number {
  const n = values.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += values[i] * values[i];
    s1 += values[i + 1] * values[i + 1];
    s2 += values[i + 2] * values[i + 2];
    s3 += values[i + 3] * values[i + 3];
  }
  for (; i < n; i++) s0 += values[i] * values[i];
  return s0 + s1 + (s2 + s3);
}

/** Device path: sum of squares per gradient (one Sum each), added up, square root: a scalar tensor. */
function deviceNorm(grads: readonly Tensor[]): Tensor {
  let sumSq: Tensor | null = null;
  for (const g of grads) {
    const part = g.mul(g).sum(); // ()
    sumSq = sumSq ? sumSq.add(part) : part;
  }
  return (sumSq ?? tensor(0)).sqrt();
}

/**
 * The L2 norm of all gradients together, as a one-element float32 tensor (NaN or Infinity when a
 * gradient is not finite). Parameters without a gradient are skipped.
 */
export function gradNorm(params: readonly Tensor[], options: ClipOptions = {}): Tensor {
  const grads = gradientsOf(params);
  return useHost(grads, options) ? tensor(hostNorm(grads)) : deviceNorm(grads);
}

/**
 * Scales every gradient in place by min(1, maxNorm / (norm + 1e-6)) and returns the norm before
 * clipping as a one-element float32 tensor. When a gradient is not finite the norm is NaN or
 * Infinity and the gradients are left unscaled, so the caller can stop the run.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number, options: ClipOptions = {}): Tensor {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be a positive number, got ${maxNorm}`);
  const grads = gradientsOf(params);
  if (useHost(grads, options)) {
    const norm = hostNorm(grads);
    const scale = maxNorm / (norm + 1e-6);
    if (Number.isFinite(norm) && scale < 1) {
      for (const g of grads) {
        const values = g.dataSync();
        const scaled = new Float32Array(values.length);
        for (let i = 0; i < values.length; i++) scaled[i] = values[i] * scale;
        g.assign(scaled);
      }
    }
    return tensor(norm);
  }
  const norm = deviceNorm(grads);
  const coefficient = tensor(maxNorm).div(norm.add(1e-6)); // maxNorm / (norm + 1e-6)
  // min(1, coefficient): where it exceeds 1 (relu(c - 1) != 0) it becomes 1; NaN becomes 1 too, leaving the gradients alone.
  const scale = coefficient.maskedFill(coefficient.sub(1).relu(), 1);
  for (const g of grads) g.assign(g.mul(scale));
  return norm;
}
