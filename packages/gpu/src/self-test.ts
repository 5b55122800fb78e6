// Never silently wrong: each device kernel is run once on small deterministic
// inputs, in the real mode, and compared with the CPU backend (rel. 1e-4 of
// max(1, |expected|)) before the backend trusts it. MatMul is checked when the
// backend is registered (a failure changes the mode); every other kind is
// checked the first time it would run on the device (a failure leaves that
// kind on the CPU), so registration compiles one shader, not twenty.
import { cpuBackend, type KernelInput, type MatMulAttrs } from '@attn/tensor';
import { broadcastPlan } from './broadcast-kernel.js';
import type { Device } from './device.js';
import type { GpuData } from './device-memory.js';
import type { KernelPlan } from './flat-kernels.js';
import { adamwOnDevice } from './adamw-kernels.js';
import { binaryPlan } from './binary-kernel.js';
import { crossEntropyGradOnDevice, crossEntropyGradPlans, crossEntropyPlan } from './cross-entropy-kernels.js';
import { gatherPlan, scatterAddPlan } from './embedding-kernels.js';
import { layerNormGradOnDevice, layerNormGradPlans, layerNormOnDevice, layerNormPlans } from './layer-norm-kernels.js';
import { maskedFillPlan } from './masked-fill-kernel.js';
import { padAxisPlan, slicePlan } from './slice-kernels.js';
import { softmaxGradPlan, softmaxPlan } from './softmax-kernel.js';
import { sumPlan } from './sum-kernel.js';
import { transposePlan } from './transpose-kernel.js';
import { unaryGradPlan } from './unary-grad-kernel.js';
import { unaryPlan } from './unary-kernel.js';

/** Kernels besides MatMul that run on the device in resident (GL) modes. */
export const DEVICE_KERNELS = [
  'Binary',
  'Unary',
  'UnaryGrad',
  'Transpose',
  'BroadcastTo',
  'Sum',
  'Slice',
  'PadAxis',
  'MaskedFill',
  'Softmax',
  'LogSoftmax',
  'SoftmaxGrad',
  'LogSoftmaxGrad',
  'LayerNorm',
  'LayerNormGrad',
  'Gather',
  'ScatterAdd',
  'CrossEntropy',
  'CrossEntropyGrad',
  'AdamW',
] as const;

export type DeviceKernelName = (typeof DEVICE_KERNELS)[number];

/** Compares got with expected within rel. 1e-4 of max(1, |expected|); returns a description of the first mismatch. */
function mismatch(what: string, got: ArrayLike<number>, expected: ArrayLike<number>): string | null {
  if (got.length !== expected.length) return `${what} returned ${got.length} values, expected ${expected.length}`;
  for (let i = 0; i < got.length; i++) {
    const diff = Math.abs(got[i] - expected[i]);
    if (!(diff <= 1e-4 * Math.max(1, Math.abs(expected[i])))) {
      return `${what} disagrees with the CPU backend at ${i}: ${got[i]} vs ${expected[i]}`;
    }
  }
  return null;
}

function input(values: Float32Array, shape: number[]): KernelInput {
  return { handle: values, shape, dtype: 'float32' };
}

/**
 * Runs `run` on device handles over `inputs`, reads the outputs back, frees everything, compares each
 * with `expected`. Counters (uploads, readbacks) are left as they were: a self-test is not user work.
 */
function check(device: Device, what: string, expected: Float32Array[], inputs: Float32Array[], run: (handles: GpuData[]) => GpuData[] | null): string | null {
  return device.uncounted(() => {
    const handles = inputs.map((x) => device.memory.fromArray(Float32Array.from(x)));
    let outs: GpuData[] = [];
    try {
      const got = run(handles);
      if (!got) return `${what}: no plan`;
      outs = got;
      if (outs.length !== expected.length) return `${what} returned ${outs.length} outputs, expected ${expected.length}`;
      for (let k = 0; k < outs.length; k++) {
        const reason = mismatch(outs.length > 1 ? `${what} output ${k}` : what, device.memory.read(outs[k]), expected[k]);
        if (reason) return reason;
      }
      return null;
    } catch (err) {
      return `${what} threw: ${(err as Error).message}`;
    } finally {
      for (const h of [...handles, ...outs]) device.memory.free(h);
    }
  });
}

/** A small deterministic matmul (batched, transposed B, odd sizes) on the device checked against the CPU backend. */
export function selfTestMatMul(device: Device): string | null {
  const [batch, m, n, k] = [2, 3, 5, 7];
  const a = Float32Array.from({ length: batch * m * k }, (_, i) => Math.sin(i + 1));
  const b = Float32Array.from({ length: batch * n * k }, (_, i) => Math.cos(2 * i + 1));
  const attrs: MatMulAttrs = {
    m,
    n,
    k,
    transA: false,
    transB: true,
    aRowStride: k,
    aColStride: 1,
    bRowStride: 1,
    bColStride: k,
    batch,
    batchShape: [batch],
    aOffsets: Int32Array.of(0, m * k),
    bOffsets: Int32Array.of(0, n * k),
  };
  const expected = cpuBackend.kernels.MatMul!([input(a, [batch, m, k]), input(b, [batch, n, k])], attrs, [batch, m, n]) as Float32Array;
  return check(device, 'self-test matmul', [expected], [a, b], ([ha, hb]) => [device.matmul(ha, hb, attrs)]);
}

// Inputs shared by the checks: x of shape (2, 3, 4), a bias-like (4), a mask (4), a gradient-like (2, 3, 4).
const x = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(3 * i + 1) * 3);
const bias = Float32Array.of(0.5, -1.25, 2, 0.75);
const mask = Float32Array.of(0, 1, 0, 1);
const dy = x.map((v) => v / 7);
const xIn = input(x, [2, 3, 4]);

/** One flat plan against the CPU kernel's output; `extra` are host arrays passed after the inputs. */
function flatCheck(device: Device, name: string, plan: KernelPlan | null, expected: Float32Array, inputs: Float32Array[], extra: Float32Array[] = []): string | null {
  return check(device, `self-test ${name}`, [expected], inputs, (hs) => (plan ? [device.flat(plan, expected.length, hs, extra)] : null));
}

// Embedding-like indices (a repeat, so ScatterAdd adds two slices into one row) and cross-entropy targets
// (one ignored) over rows of x seen as (6, 4).
const indices = Int32Array.of(2, 0, 2);
const targets = Int32Array.of(1, 3, -100, 0, 2, 1);

const cpu = cpuBackend.kernels;

/** The check for each kind, on the forms most likely to go wrong (a bias broadcast, a middle axis, a 4-D permute...). */
const CHECKS: Record<DeviceKernelName, (device: Device) => string | null> = {
  Binary: (d) =>
    flatCheck(d, 'Binary', binaryPlan('sub', [2, 3, 4], [4], [2, 3, 4]), cpu.Binary!([xIn, input(bias, [4])], { op: 'sub', outShape: [2, 3, 4] }, [2, 3, 4]) as Float32Array, [x, bias]),
  Unary: (d) => flatCheck(d, 'Unary', unaryPlan('geluTanh'), cpu.Unary!([xIn], { op: 'geluTanh' }, [2, 3, 4]) as Float32Array, [x]),
  UnaryGrad: (d) =>
    flatCheck(d, 'UnaryGrad', unaryGradPlan('geluTanh'), cpu.UnaryGrad!([input(dy, [2, 3, 4]), xIn], { op: 'geluTanh' }, [2, 3, 4]) as Float32Array, [dy, x]),
  Transpose: (d) =>
    flatCheck(d, 'Transpose', transposePlan([2, 3, 2, 2], [0, 2, 1, 3]), cpu.Transpose!([input(x, [2, 3, 2, 2])], { perm: [0, 2, 1, 3] }, [2, 2, 3, 2]) as Float32Array, [x]),
  BroadcastTo: (d) => flatCheck(d, 'BroadcastTo', broadcastPlan([4], [3, 4]), cpu.BroadcastTo!([input(bias, [4])], {}, [3, 4]) as Float32Array, [bias]),
  Sum: (d) => flatCheck(d, 'Sum', sumPlan([2, 3, 4], 1), cpu.Sum!([xIn], { axis: 1 }, [2, 4]) as Float32Array, [x]),
  Slice: (d) => flatCheck(d, 'Slice', slicePlan([2, 3, 4], 1, 1, 3), cpu.Slice!([xIn], { axis: 1, start: 1, end: 3 }, [2, 2, 4]) as Float32Array, [x]),
  PadAxis: (d) => flatCheck(d, 'PadAxis', padAxisPlan([2, 3, 4], 2, 1, 6), cpu.PadAxis!([xIn], { axis: 2, start: 1, length: 6 }, [2, 3, 6]) as Float32Array, [x]),
  MaskedFill: (d) =>
    flatCheck(d, 'MaskedFill', maskedFillPlan([2, 3, 4], [4], -1e9), cpu.MaskedFill!([xIn, input(mask, [4])], { value: -1e9 }, [2, 3, 4]) as Float32Array, [x, mask]),
  Softmax: (d) => flatCheck(d, 'Softmax', softmaxPlan([2, 3, 4], 2, false), cpu.Softmax!([xIn], { axis: 2 }, [2, 3, 4]) as Float32Array, [x]),
  LogSoftmax: (d) => flatCheck(d, 'LogSoftmax', softmaxPlan([2, 3, 4], 1, true), cpu.LogSoftmax!([xIn], { axis: 1 }, [2, 3, 4]) as Float32Array, [x]),
  SoftmaxGrad: (d) =>
    flatCheck(d, 'SoftmaxGrad', softmaxGradPlan([2, 3, 4], 2, false), cpu.SoftmaxGrad!([xIn, input(dy, [2, 3, 4])], { axis: 2 }, [2, 3, 4]) as Float32Array, [x, dy]),
  LogSoftmaxGrad: (d) =>
    flatCheck(d, 'LogSoftmaxGrad', softmaxGradPlan([2, 3, 4], 2, true), cpu.LogSoftmaxGrad!([xIn, input(dy, [2, 3, 4])], { axis: 2 }, [2, 3, 4]) as Float32Array, [x, dy]),
  LayerNorm: (d) => layerNormCheck(d, false),
  LayerNormGrad: (d) => layerNormCheck(d, true),
  Gather: (d) =>
    flatCheck(d, 'Gather', gatherPlan([2, 3, 4], 1, 3), cpu.Gather!([xIn], { axis: 1, indices }, [2, 3, 4]) as Float32Array, [x], [Float32Array.from(indices)]),
  ScatterAdd: (d) =>
    flatCheck(
      d,
      'ScatterAdd',
      scatterAddPlan([2, 3, 4], 1, 5),
      cpu.ScatterAdd!([xIn], { axis: 1, indices, length: 5 }, [2, 5, 4]) as Float32Array,
      [x],
      [Float32Array.from(indices)],
    ),
  CrossEntropy: (d) =>
    flatCheck(
      d,
      'CrossEntropy',
      crossEntropyPlan(4, -100),
      cpu.CrossEntropy!([input(x, [6, 4])], { targets, ignoreIndex: -100 }, [6]) as Float32Array,
      [x],
      [Float32Array.from(targets)],
    ),
  AdamW: (d) => {
    const update = { beta1: 0.9, beta2: 0.95, eps: 1e-8, stepSize: 0.01, invSqrtBias2: 1.2, keep: 0.999 };
    const m = x.map((v) => v / 10);
    const v = x.map((u) => (u * u) / 10);
    const ins = [xIn, input(dy, [2, 3, 4]), input(m, [2, 3, 4]), input(v, [2, 3, 4])];
    const expected = cpu.AdamW!(ins, update, [2, 3, 4]) as Float32Array[];
    return check(d, 'self-test AdamW', expected, [x, dy, m, v], (hs) => adamwOnDevice(d, hs, update));
  },
  CrossEntropyGrad: (d) => {
    const dLoss = Float32Array.of(0.5, -1, 2, 0.25, 1, -0.75);
    const expected = cpu.CrossEntropyGrad!([input(x, [6, 4]), input(dLoss, [6])], { targets, ignoreIndex: -100 }, [6, 4]) as Float32Array;
    return check(d, 'self-test CrossEntropyGrad', [expected], [x, dLoss], ([hx, hd]) => {
      const plans = crossEntropyGradPlans(4, -100);
      return plans && [crossEntropyGradOnDevice(d, plans, 6, 4, hx, hd, targets)];
    });
  },
};

/** LayerNorm with weight and bias on (4, 6) rows (or its gradient); every output compared. */
function layerNormCheck(device: Device, grad: boolean): string | null {
  const [rows, cols] = [4, 6];
  const xs = x.subarray(0, rows * cols);
  const weight = Float32Array.from({ length: cols }, (_, j) => 1 + 0.1 * j);
  const b = Float32Array.from({ length: cols }, (_, j) => 0.05 * j - 0.1);
  const g = Float32Array.from({ length: rows * cols }, (_, i) => Math.cos(i));
  const forward = cpu.LayerNorm!([input(xs, [rows, cols]), input(weight, [cols]), input(b, [cols])], { eps: 1e-5, hasWeight: true, hasBias: true }, [rows, cols]) as Float32Array[];
  if (!grad) {
    return check(device, 'self-test LayerNorm', forward, [xs, weight, b], ([hx, hw, hb]) => {
      const plans = layerNormPlans(rows, cols, 1e-5, true, true);
      return plans && layerNormOnDevice(device, plans, rows, cols, hx, [hw, hb]);
    });
  }
  const [, mean, rstd] = forward;
  const expected = cpu.LayerNormGrad!(
    [input(xs, [rows, cols]), input(weight, [cols]), input(mean, [rows]), input(rstd, [rows]), input(g, [rows, cols])],
    { hasWeight: true },
    [rows, cols],
  ) as Float32Array[];
  return check(device, 'self-test LayerNormGrad', expected, [xs, mean, rstd, g, weight], ([hx, hm, hr, hg, hw]) => {
    const plans = layerNormGradPlans(rows, cols, true);
    return plans && layerNormGradOnDevice(device, plans, rows, cols, [hx, hm, hr, hg], hw);
  });
}

/** Checks one device kernel kind; returns why it cannot be trusted, or null. */
export function selfTestKernel(device: Device, kind: DeviceKernelName): string | null {
  return CHECKS[kind](device);
}
