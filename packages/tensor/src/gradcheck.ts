// Gradient check: compares backward() with central finite differences in float64.
import { noGrad } from './autograd.js';
import { fromArray } from './ops/creation.js';
import { mul } from './ops/elementwise.js';
import { sum } from './ops/reduce.js';
import { Rng } from './rng.js';
import type { Tensor } from './tensor.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Largest accepted relative error (default 1e-6). */
  tolerance?: number;
  /** Seed of the random output weights (default 0). */
  seed?: number;
}

export interface GradcheckResult {
  /** Whether every gradient entry matched within the tolerance. */
  ok: boolean;
  /** Largest relative error, |analytic - numeric| / max(1, |analytic|, |numeric|). */
  maxRelError: number;
  /** One line per input: its worst entry. */
  details: string[];
}

/**
 * Checks the gradients of `fn` with respect to every input with requiresGrad
 * (all inputs if none has it). Non-scalar outputs are reduced with fixed random
 * weights, L = sum(w * fn(...inputs)), so every output element is tested.
 * Inputs must be float64.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const tolerance = opts.tolerance ?? 1e-6;
  inputs.forEach((t, i) => {
    if (t.dtype !== 'float64') throw new Error(`gradcheck: input ${i} must be float64, got ${t.dtype}`);
  });
  const checked = inputs.some((t) => t.requiresGrad) ? inputs.filter((t) => t.requiresGrad) : inputs;
  for (const t of checked) {
    t.requiresGrad = true;
    t.zeroGrad();
  }
  const probe = noGrad(() => fn(...inputs));
  const rng = new Rng(opts.seed ?? 0);
  const weights = fromArray(
    Array.from({ length: probe.size }, () => rng.next() * 2 - 1),
    probe.shape,
    { dtype: 'float64' },
  );
  const loss = (): Tensor => sum(mul(fn(...inputs), weights));
  loss().backward();

  let maxRelError = 0;
  const details: string[] = [];
  checked.forEach((t, which) => {
    const analytic = t.grad ? Float64Array.from(t.grad.dataSync()) : new Float64Array(t.size);
    const values = t.dataSync() as Float64Array;
    let worst = 0;
    let worstAt = -1;
    let worstPair: [number, number] = [0, 0];
    for (let i = 0; i < t.size; i++) {
      const original = values[i];
      values[i] = original + eps;
      const plus = noGrad(() => loss().itemSync());
      values[i] = original - eps;
      const minus = noGrad(() => loss().itemSync());
      values[i] = original;
      const numeric = (plus - minus) / (2 * eps);
      const rel = Math.abs(analytic[i] - numeric) / Math.max(1, Math.abs(analytic[i]), Math.abs(numeric));
      if (!(rel <= worst)) {
        worst = rel;
        worstAt = i;
        worstPair = [analytic[i], numeric];
      }
    }
    maxRelError = Math.max(maxRelError, worst);
    details.push(
      `input ${which} [${t.shape.join(',')}]: max rel error ${worst.toExponential(2)}` +
        (worstAt >= 0 ? ` at ${worstAt} (analytic ${worstPair[0]}, numeric ${worstPair[1]})` : ''),
    );
  });
  return { ok: maxRelError < tolerance && Number.isFinite(maxRelError), maxRelError, details };
}
