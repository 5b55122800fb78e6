// Non-finite value checks that name the op responsible.
import type { Tensor } from './tensor.js';

let nanCheck = false;

/** When on, every op checks its output (and backward its gradients) for NaN/Inf. Slow: reads data back. */
export function setNanCheck(on: boolean): void {
  nanCheck = on;
}

export function isNanCheckEnabled(): boolean {
  return nanCheck;
}

/** Throws `<opName>: produced a non-finite value ...` if t holds NaN or ±Infinity; returns t. */
export function checkFinite<T extends Tensor>(t: T, opName: string): T {
  const values = t.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new Error(
        `${opName}: produced a non-finite value (${values[i]}) at flat index ${i} of a tensor of shape [${t.shape.join(',')}]`,
      );
    }
  }
  return t;
}
