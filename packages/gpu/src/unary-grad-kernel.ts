// The UnaryGrad kernel (dx = dy * f'(x) for relu and tanh-GELU; inputs
// [dy, x]) as flat gpu.js kernels, so the backward of an MLP block stays on
// the device. geluErf has no plan (no erf in GLSL): the CPU kernel runs.
import type { KernelPlan } from './flat-kernels.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

const BODIES: Record<string, string> = {
  relu: `if (x > 0) {
    return dy;
  }
  return 0;`,
  // d/dx 0.5 x (1 + tanh(u)), u = k (x + c x^3): 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2), as the CPU backend computes it;
  // u clamped to [-10, 10] like the forward (see unary-kernel.ts).
  geluTanh: `const t = Math.tanh(Math.min(Math.max(this.constants.k * (x + this.constants.c * x * x * x), -10), 10));
  const du = this.constants.k * (1 + 3 * this.constants.c * x * x);
  return dy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du);`,
};

export function unaryGradPlan(op: string): KernelPlan | null {
  const body = BODIES[op];
  if (!body) return null;
  const source = `function unaryGrad(g, a) {
  const dy = g[this.thread.x];
  const x = a[this.thread.x];
  ${body}
}`;
  return { key: `unaryGrad:${op}`, source, constants: op === 'geluTanh' ? { k: SQRT_2_OVER_PI, c: GELU_C } : {} };
}
