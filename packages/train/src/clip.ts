// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_.
import type { Tensor } from '@attn/tensor';

/**
 * Scales every gradient by min(1, maxNorm / (norm + 1e-6)) where norm is the L2 norm of
 * all gradients taken together. Returns the norm before clipping (Infinity/NaN when a
 * gradient is not finite; nothing is scaled then, so the caller can stop the run).
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be a positive number, got ${maxNorm}`);
  const norm = gradNorm(params);
  if (!Number.isFinite(norm)) return norm;
  const scale = maxNorm / (norm + 1e-6);
  if (scale >= 1) return norm;
  for (const p of params) {
    if (!p.grad) continue;
    const g = p.grad.dataSync();
    const scaled = new Float32Array(g.length);
    for (let i = 0; i < g.length; i++) scaled[i] = g[i] * scale;
    p.grad.assign(scaled);
  }
  return norm;
}

/** The L2 norm of all gradients concatenated (summed in float64). */
export function gradNorm(params: readonly Tensor[]): number {
  let sumSq = 0;
  for (const p of params) {
    if (!p.grad) continue;
    const g = p.grad.dataSync();
    for (let i = 0; i < g.length; i++) sumSq += g[i] * g[i];
  }
  return Math.sqrt(sumSq);
}
