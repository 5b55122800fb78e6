// Softmax / LogSoftmax along one axis and their gradients as flat gpu.js
// kernels, so attention (scores -> mask -> softmax -> @ v) and its backward stay
// on the device. One thread per output element walks its whole row (max, then
// a Kahan sum of exponentials): rows cost length^2 work instead of length,
// which is nothing next to a shader's parallelism for attention rows (T) but
// not for a vocabulary; rows longer than MAX_SOFTMAX_ROW get no plan and run
// on the CPU. An all -inf row gives exp() zeros like the CPU backend (max
// taken as 0).
import type { KernelPlan } from './flat-kernels.js';

export const MAX_SOFTMAX_ROW = 4096;

/** Constants locating element o's row: len values `inner` apart starting at base. */
function rowConstants(shape: readonly number[], axis: number): { len: number; inner: number } | null {
  if (!(axis >= 0 && axis < shape.length)) return null;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  const len = shape[axis];
  if (len === 0 || len > MAX_SOFTMAX_ROW || inner === 0) return null;
  return { len, inner };
}

// floor((q + 0.5) / d) is exact for integers q < 2^22 (see matmul-kernel.ts).
const ROW = `const stride = this.constants.len * this.constants.inner;
  const row = Math.floor((this.thread.x + 0.5) / stride);
  const rem = this.thread.x - row * stride;
  const r = Math.floor((rem + 0.5) / this.constants.inner);
  const base = row * stride + rem - r * this.constants.inner;`;

/** Softmax (log = false) or LogSoftmax (log = true) of x along `axis`, or null. */
export function softmaxPlan(shape: readonly number[], axis: number, log: boolean): KernelPlan | null {
  const constants = rowConstants(shape, axis);
  if (!constants) return null;
  const source = `function softmax(a) {
  ${ROW}
  let mx = a[base];
  for (let l = 1; l < this.constants.len; l++) {
    mx = Math.max(mx, a[base + l * this.constants.inner]);
  }
  if (mx < -3.0e38) {
    mx = 0;
  }
  let s = 0;
  let c = 0;
  for (let l = 0; l < this.constants.len; l++) {
    const y = Math.exp(a[base + l * this.constants.inner] - mx) - c;
    const t = s + y;
    c = (t - s) - y;
    s = t;
  }
  ${log ? 'return a[this.thread.x] - mx - Math.log(s);' : 'return Math.exp(a[this.thread.x] - mx) / s;'}
}`;
  return { key: log ? 'logSoftmax' : 'softmax', source, constants, loopMaxIterations: constants.len };
}

/**
 * Gradient of Softmax (inputs [y, dy]; dx = y (dy - sum(dy y))) or LogSoftmax
 * (dx = dy - exp(y) sum(dy)) along `axis`, or null.
 */
export function softmaxGradPlan(shape: readonly number[], axis: number, log: boolean): KernelPlan | null {
  const constants = rowConstants(shape, axis);
  if (!constants) return null;
  const term = log ? 'g[base + l * this.constants.inner]' : 'g[base + l * this.constants.inner] * a[base + l * this.constants.inner]';
  const source = `function softmaxGrad(a, g) {
  ${ROW}
  let s = 0;
  let c = 0;
  for (let l = 0; l < this.constants.len; l++) {
    const y = ${term} - c;
    const t = s + y;
    c = (t - s) - y;
    s = t;
  }
  ${log ? 'return g[this.thread.x] - Math.exp(a[this.thread.x]) * s;' : 'return a[this.thread.x] * (g[this.thread.x] - s);'}
}`;
  return { key: log ? 'logSoftmaxGrad' : 'softmaxGrad', source, constants, loopMaxIterations: constants.len };
}
