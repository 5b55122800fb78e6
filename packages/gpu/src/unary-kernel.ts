// The Unary kernel as flat gpu.js kernels, one compiled kernel per op (and
// size). geluErf has no plan (GLSL has no erf; the CPU kernel runs instead).
//
// tanh is computed on an input clamped to [-10, 10]: tanh(10) rounds to 1 in
// float32 anyway, and gpu.js's WebGL1 tanh, (e^2x - 1) / (e^2x + 1), turns
// into inf / inf = NaN for large x.
import type { UnaryOp } from '@attn/tensor';
import type { KernelPlan } from './flat-kernels.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/** Expression of x per op, in the ES5 subset gpu.js translates. */
const EXPRESSIONS: Partial<Record<UnaryOp, string>> = {
  neg: '-x',
  exp: 'Math.exp(x)',
  log: 'Math.log(x)',
  sqrt: 'Math.sqrt(x)',
  abs: 'Math.abs(x)',
  relu: 'Math.max(x, 0)',
  tanh: 'Math.tanh(Math.min(Math.max(x, -10), 10))',
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as the CPU backend computes it
  geluTanh: '0.5 * x * (1 + Math.tanh(Math.min(Math.max(this.constants.k * (x + this.constants.c * x * x * x), -10), 10)))',
};

/** Ops with a device kernel. */
export const DEVICE_UNARY_OPS = Object.keys(EXPRESSIONS) as UnaryOp[];

/** The flat kernel for `op` applied to every element, or null if the op has none. */
export function unaryPlan(op: UnaryOp): KernelPlan | null {
  const expression = EXPRESSIONS[op];
  if (!expression) return null;
  const source = `function unary(a) {
  const x = a[this.thread.x];
  return ${expression};
}`;
  const constants: Record<string, number> = op === 'geluTanh' ? { k: SQRT_2_OVER_PI, c: GELU_C } : {};
  return { key: `unary:${op}`, source, constants };
}

/** Copies an uploaded array into a texture (how host values become resident). */
export const UPLOAD_PLAN: KernelPlan = {
  key: 'upload',
  source: `function upload(a) {
  return a[this.thread.x];
}`,
  constants: {},
};
