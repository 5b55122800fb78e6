// Learning-rate schedules: functions from the (0-based) step to a learning rate.

/** A learning rate for every optimiser step. */
export type LrSchedule = (step: number) => number;

/** The same rate at every step. */
export function constantLr(lr: number): LrSchedule {
  if (!(lr >= 0)) throw new Error(`constantLr: lr must be a non-negative number, got ${lr}`);
  return () => lr;
}

export interface CosineScheduleConfig {
  /** Peak learning rate, reached at the end of warm-up. */
  lr: number;
  /** Steps of linear warm-up from lr/warmup to lr (0 disables). */
  warmup: number;
  /** Step at which the cosine reaches the floor; after it the rate stays at minLr. */
  decaySteps: number;
  /** The floor the cosine decays to. */
  minLr: number;
}

/**
 * nanoGPT's get_lr: linear warm-up lr*(step+1)/warmup for step < warmup, then
 * half a cosine from lr down to minLr at decaySteps, then minLr.
 */
export function warmupCosineLr(config: CosineScheduleConfig): LrSchedule {
  const { lr, warmup, decaySteps, minLr } = config;
  if (!(lr >= 0)) throw new Error(`warmupCosineLr: lr must be non-negative, got ${lr}`);
  if (!(minLr >= 0 && minLr <= lr)) throw new Error(`warmupCosineLr: minLr must be in [0, lr=${lr}], got ${minLr}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`warmupCosineLr: warmup must be a non-negative integer, got ${warmup}`);
  if (!Number.isInteger(decaySteps) || decaySteps < warmup) {
    throw new Error(`warmupCosineLr: decaySteps must be an integer >= warmup (${warmup}), got ${decaySteps}`);
  }
  return (step) => {
    if (step < warmup) return (lr * (step + 1)) / warmup;
    if (step >= decaySteps) return minLr;
    const ratio = (step - warmup) / (decaySteps - warmup); // 0 .. 1
    const coeff = 0.5 * (1 + Math.cos(Math.PI * ratio)); // 1 .. 0
    return minLr + coeff * (lr - minLr);
  };
}
