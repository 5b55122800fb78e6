// Parameter initialisation shared by the layers: where random numbers come
// from and which dtype parameters use.
import { type DType, Rng, randn, type Tensor, zeros } from '@attn/tensor';

/** Options every layer with parameters accepts. */
export interface InitOptions {
  /** Parameter dtype: 'float32' (default) or 'float64' (gradient checks). */
  dtype?: DType;
  /** Random source for initial weights; pass one seeded Rng to a whole model for reproducible runs. */
  rng?: Rng;
  /**
   * false: leave weights at zero and draw no random numbers, for a model whose values are about
   * to be loaded from a checkpoint (initialising them first would be wasted work). Default true.
   */
  init?: boolean;
}

// Used when no rng is given: seeded, so a program that builds its layers in
// the same order gets the same weights on every run.
let fallbackRng: Rng | null = null;

export function rngOf(opts: InitOptions): Rng {
  if (opts.rng) return opts.rng;
  fallbackRng ??= new Rng(1337);
  return fallbackRng;
}

/** Normal(0, std) weights, the GPT-2 initialisation (std 0.02). */
export function normalInit(shape: number[], std: number, opts: InitOptions): Tensor {
  if (opts.init === false) return zerosInit(shape, opts);
  return randn(shape, { rng: rngOf(opts), std, dtype: opts.dtype ?? 'float32', requiresGrad: true });
}

/** All-zero parameters (biases). */
export function zerosInit(shape: number[], opts: InitOptions): Tensor {
  return zeros(shape, { dtype: opts.dtype ?? 'float32', requiresGrad: true });
}

export function checkPositiveInt(value: number, what: string): void {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${what} must be a positive integer, got ${value}`);
}
