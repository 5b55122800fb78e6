// Elementwise kernels: Binary (NumPy broadcasting), Unary, PowScalar,
// UnaryGrad, MaskedFill, Cast, and BroadcastTo (a strided copy, see layout.ts).
// One invocation per output element. The CPU backend's elementwise.ts is the
// readable reference for each formula (its general broadcast loop is what the
// 'strided' variants do; 'full' and 'repeat' are its fast paths).
import { type BinaryOp, broadcastStrides, isTrailingSuffix, type KernelTable, type UnaryOp } from '@attn/tensor';
import { type KernelContext, sizeOf } from '../context.js';
import { Params } from '../params.js';
import { buffers, FLAT_MAIN, FLAT_WORKGROUP, grid, MATH, unravel } from '../prelude.js';

const BINARY: Record<BinaryOp, string> = { add: 'x + y', sub: 'x - y', mul: 'x * y', div: 'x / y' };

const UNARY: Record<UnaryOp, string> = {
  neg: '-x',
  exp: 'exp(x)',
  log: 'log(x)',
  sqrt: 'sqrt(x)',
  tanh: 'tanh_safe(x)',
  abs: 'abs(x)',
  relu: 'select(0.0, x, x > 0.0)',
  geluTanh: '0.5 * x * (1.0 + tanh_safe(SQRT_2_OVER_PI * (x + GELU_C * x * x * x)))',
  geluErf: '0.5 * x * (1.0 + erf_approx(x * INV_SQRT2))',
};

/** dx = dy * f'(x); `t` and friends are locals each formula declares. */
const UNARY_GRAD: Record<'relu' | 'geluTanh' | 'geluErf', string> = {
  relu: 'return select(0.0, dy, x > 0.0);',
  geluTanh: `let t = tanh_safe(SQRT_2_OVER_PI * (x + GELU_C * x * x * x));
    let du = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * x * x);
    return dy * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du);`,
  geluErf: `let cdf = 0.5 * (1.0 + erf_approx(x * INV_SQRT2));
    let pdf = INV_SQRT_2PI * exp(-0.5 * x * x);
    return dy * (cdf + x * pdf);`,
};

/** x ** e with JavaScript's answers where WGSL's pow() is undefined (x < 0, x = 0, e = 0). */
const POW = /* wgsl */ `
fn pow_js(x: f32, e: f32) -> f32 {
  if (e == 0.0) { return 1.0; }
  if (e == 2.0) { return x * x; }
  if (e == 0.5) { return sqrt(x); }
  if (e == round(e) && abs(e) <= 16.0) {
    var r = 1.0;
    for (var k = 0u; k < u32(abs(e)); k++) { r = r * x; }
    return select(r, 1.0 / r, e < 0.0);
  }
  if (x < 0.0) { return (x - x) / (x - x); } // NaN, as in JavaScript
  if (x == 0.0) { return select(1.0 / x, 0.0, e > 0.0); }
  return pow(x, e);
}
`;

export function elementwiseKernels(ctx: KernelContext): KernelTable {
  const flat = (n: number) => grid(n, FLAT_WORKGROUP);
  return {
    Binary: ([a, b], { op, outShape }) => {
      const n = sizeOf(outShape);
      const out = ctx.alloc(n);
      const [na, nb] = [sizeOf(a.shape), sizeOf(b.shape)];
      // How each input is indexed: by i (full size), by i modulo its size (it repeats along the
      // leading dims: a bias, a scalar), or through stride-0 broadcasting (anything else).
      const access = (size: number, shape: readonly number[]) => (size === n ? 'full' : isTrailingSuffix(shape, outShape) ? 'repeat' : 'strided');
      const [ka, kb] = [access(na, a.shape), access(nb, b.shape)];
      const strided = ka === 'strided' || kb === 'strided';
      const nd = outShape.length;
      const params = new Params().u32(n).u32(na).u32(nb);
      if (strided) params.dims(outShape).dims(broadcastStrides(a.shape, outShape)).dims(broadcastStrides(b.shape, outShape));
      const index = (kind: string, word: number) => (kind === 'full' ? 'i' : kind === 'repeat' ? `i % u(${word}u)` : '0u');
      ctx.run(
        `Binary:${op}:${ka}:${kb}${strided ? `:${nd}` : ''}`,
        () => `${buffers(['a', 'b'], ['out'])}
${FLAT_MAIN}
  var ia = ${index(ka, 1)};
  var ib = ${index(kb, 2)};
  ${strided ? `ia = 0u; ib = 0u; var rem = i;${unravel(nd, 3, [11, 19], ['ia', 'ib'])}` : ''}
  let x = a[ia];
  let y = b[ib];
  out[i] = ${BINARY[op]};
}`,
        params,
        [ctx.buffer(a), ctx.buffer(b), out.buffer],
        flat(n),
      );
      return out;
    },

    Unary: ([x], { op }) => {
      const n = sizeOf(x.shape);
      const out = ctx.alloc(n);
      ctx.run(
        `Unary:${op}`,
        () => `${MATH}${buffers(['input'], ['out'])}
${FLAT_MAIN}
  let x = input[i];
  out[i] = ${UNARY[op]};
}`,
        new Params().u32(n),
        [ctx.buffer(x), out.buffer],
        flat(n),
      );
      return out;
    },

    PowScalar: ([x], { exponent }) => {
      const n = sizeOf(x.shape);
      const out = ctx.alloc(n);
      ctx.run(
        'PowScalar',
        () => `${POW}${buffers(['input'], ['out'])}
${FLAT_MAIN}
  out[i] = pow_js(input[i], f(1u));
}`,
        new Params().u32(n).f32(exponent),
        [ctx.buffer(x), out.buffer],
        flat(n),
      );
      return out;
    },

    UnaryGrad: ([dy, x], { op }) => {
      const n = sizeOf(x.shape);
      const out = ctx.alloc(n);
      ctx.run(
        `UnaryGrad:${op}`,
        () => `${MATH}${buffers(['dys', 'xs'], ['out'])}
fn grad(dy: f32, x: f32) -> f32 {
    ${UNARY_GRAD[op]}
}
${FLAT_MAIN}
  out[i] = grad(dys[i], xs[i]);
}`,
        new Params().u32(n),
        [ctx.buffer(dy), ctx.buffer(x), out.buffer],
        flat(n),
      );
      return out;
    },

    MaskedFill: ([x, mask], { value }) => {
      const n = sizeOf(x.shape);
      const out = ctx.alloc(n);
      // The mask repeats along the leading dims (a (T, T) causal mask over (B, nh, T, T)): index it modulo its size.
      const repeat = isTrailingSuffix(mask.shape, x.shape);
      const nd = x.shape.length;
      // value may be -Infinity: it travels as float bits, never as a WGSL literal.
      const params = new Params().u32(n).f32(value).u32(sizeOf(mask.shape));
      if (!repeat) params.dims(x.shape).dims(broadcastStrides(mask.shape, x.shape));
      ctx.run(
        repeat ? 'MaskedFill:repeat' : `MaskedFill:strided:${nd}`,
        () => `${buffers(['xs', 'mask'], ['out'])}
${FLAT_MAIN}
  var im = i % max(u(2u), 1u);
  ${repeat ? '' : `im = 0u; var rem = i;${unravel(nd, 3, [11], ['im'])}`}
  out[i] = select(xs[i], f(1u), mask[im] != 0.0);
}`,
        params,
        [ctx.buffer(x), ctx.buffer(mask), out.buffer],
        flat(n),
      );
      return out;
    },

    // float32 -> float32 only (the backend supports no other dtype): a copy on the device.
    Cast: ([x]) => {
      const n = sizeOf(x.shape);
      const out = ctx.alloc(n);
      ctx.dispatcher.copy(ctx.buffer(x), out.buffer, n * 4);
      return out;
    },
  };
}
