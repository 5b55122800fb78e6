// LayerNorm and its gradient (rows of C values; see KernelAttrs in
// @attn/tensor) as several flat gpu.js kernels, since one gpu.js kernel writes
// one output:
//   forward:  mean (R), rstd (R) from x and mean, y (R, C) from x, mean, rstd, weight, bias
//   backward: per-row means of g = dy * weight and of g * xhat (R each), dx (R, C),
//             and per-column sums over the rows for dweight and dbias (C each)
// so each thread loops over one row (C) or one column (R), not both. Sums are
// Kahan-compensated float32 (the CPU backend accumulates in float64). Rows
// longer than MAX_ROW or columns longer than MAX_COLUMN get no plans (the CPU
// kernel runs).
import type { Device } from './device.js';
import type { GpuData } from './device-memory.js';
import type { KernelPlan } from './flat-kernels.js';

export const MAX_ROW = 16384;
export const MAX_COLUMN = 65536;

/** Kahan-compensated sum of `term` (an expression of l) for l in [0, count). */
function kahan(count: string, term: string): string {
  return `let s = 0;
  let c = 0;
  for (let l = 0; l < ${count}; l++) {
    const y = (${term}) - c;
    const t = s + y;
    c = (t - s) - y;
    s = t;
  }`;
}

// Row r of element i, and its column j; floor((i + 0.5) / C) is exact below 2^22.
const ROW_OF_ELEMENT = `const r = Math.floor((this.thread.x + 0.5) / this.constants.C);
  const j = this.thread.x - r * this.constants.C;`;

export interface LayerNormPlans {
  mean: KernelPlan;
  rstd: KernelPlan;
  /** Inputs: x, mean, rstd, then weight and bias when present. */
  y: KernelPlan;
}

export function layerNormPlans(rows: number, cols: number, eps: number, hasWeight: boolean, hasBias: boolean): LayerNormPlans | null {
  if (!(cols > 0 && cols <= MAX_ROW && rows > 0)) return null;
  const C = { C: cols };
  const rowBase = 'this.thread.x * this.constants.C';
  const mean: KernelPlan = {
    key: 'layerNorm:mean',
    source: `function mean(x) {
  ${kahan('this.constants.C', `x[${rowBase} + l]`)}
  return s / this.constants.C;
}`,
    constants: C,
    loopMaxIterations: cols,
  };
  const rstd: KernelPlan = {
    key: 'layerNorm:rstd',
    source: `function rstd(x, mean) {
  const m = mean[this.thread.x];
  ${kahan('this.constants.C', `(x[${rowBase} + l] - m) * (x[${rowBase} + l] - m)`)}
  return 1 / Math.sqrt(s / this.constants.C + this.constants.eps);
}`,
    constants: { C: cols, eps },
    loopMaxIterations: cols,
  };
  const args = ['x', 'mean', 'rstd', ...(hasWeight ? ['w'] : []), ...(hasBias ? ['b'] : [])];
  const y: KernelPlan = {
    key: `layerNorm:y:${hasWeight}:${hasBias}`,
    source: `function layerNormY(${args.join(', ')}) {
  ${ROW_OF_ELEMENT}
  return (x[this.thread.x] - mean[r]) * rstd[r]${hasWeight ? ' * w[j]' : ''}${hasBias ? ' + b[j]' : ''};
}`,
    constants: C,
  };
  return { mean, rstd, y };
}

export interface LayerNormGradPlans {
  /** Inputs: x, mean, rstd, dy, then weight when present: per-row mean of g, and of g * xhat. */
  meanG: KernelPlan;
  meanGX: KernelPlan;
  /** Inputs: x, mean, rstd, dy, meanG, meanGX, then weight. */
  dx: KernelPlan;
  /** Inputs: x, mean, rstd, dy: column sums of dy * xhat, and of dy. */
  dweight: KernelPlan;
  dbias: KernelPlan;
}

export function layerNormGradPlans(rows: number, cols: number, hasWeight: boolean): LayerNormGradPlans | null {
  if (!(cols > 0 && cols <= MAX_ROW && rows > 0 && rows <= MAX_COLUMN)) return null;
  const w = hasWeight ? ', w' : '';
  const at = 'this.thread.x * this.constants.C + l';
  const g = (i: string, j: string) => (hasWeight ? `dy[${i}] * w[${j}]` : `dy[${i}]`);
  const xhat = (i: string, r: string) => `(x[${i}] - mean[${r}]) * rstd[${r}]`;
  const rowMean = (key: string, term: string): KernelPlan => ({
    key: `layerNormGrad:${key}:${hasWeight}`,
    source: `function ${key}(x, mean, rstd, dy${w}) {
  ${kahan('this.constants.C', term)}
  return s / this.constants.C;
}`,
    constants: { C: cols },
    loopMaxIterations: cols,
  });
  const colSum = (key: string, term: string): KernelPlan => ({
    key: `layerNormGrad:${key}`,
    source: `function ${key}(x, mean, rstd, dy) {
  ${kahan('this.constants.R', term)}
  return s;
}`,
    constants: { C: cols, R: rows },
    loopMaxIterations: rows,
  });
  const colAt = 'l * this.constants.C + this.thread.x';
  return {
    meanG: rowMean('meanG', g(at, 'l')),
    meanGX: rowMean('meanGX', `${g(at, 'l')} * ${xhat(at, 'this.thread.x')}`),
    dx: {
      key: `layerNormGrad:dx:${hasWeight}`,
      source: `function layerNormDx(x, mean, rstd, dy, meanG, meanGX${w}) {
  ${ROW_OF_ELEMENT}
  const i = this.thread.x;
  return rstd[r] * (${g('i', 'j')} - meanG[r] - ${xhat('i', 'r')} * meanGX[r]);
}`,
      constants: { C: cols },
    },
    dweight: colSum('dweight', `dy[${colAt}] * ${xhat(colAt, 'l')}`),
    dbias: colSum('dbias', `dy[${colAt}]`),
  };
}

/** Runs the forward plans: returns [y, mean, rstd]. `params` are weight and bias, whichever are present, in that order. */
export function layerNormOnDevice(device: Device, plans: LayerNormPlans, rows: number, cols: number, x: GpuData, params: GpuData[]): GpuData[] {
  const mean = device.flat(plans.mean, rows, [x]);
  const rstd = device.flat(plans.rstd, rows, [x, mean]);
  return [device.flat(plans.y, rows * cols, [x, mean, rstd, ...params]), mean, rstd];
}

/** Runs the backward plans: returns [dx, dweight, dbias]; the per-row means in between are freed at once. */
export function layerNormGradOnDevice(
  device: Device,
  plans: LayerNormGradPlans,
  rows: number,
  cols: number,
  [x, mean, rstd, dy]: GpuData[],
  weight: GpuData | null,
): GpuData[] {
  const w = weight ? [weight] : [];
  const meanG = device.flat(plans.meanG, rows, [x, mean, rstd, dy, ...w]);
  const meanGX = device.flat(plans.meanGX, rows, [x, mean, rstd, dy, ...w]);
  const dx = device.flat(plans.dx, rows * cols, [x, mean, rstd, dy, meanG, meanGX, ...w]);
  device.memory.free(meanG);
  device.memory.free(meanGX);
  return [dx, device.flat(plans.dweight, cols, [x, mean, rstd, dy]), device.flat(plans.dbias, cols, [x, mean, rstd, dy])];
}
