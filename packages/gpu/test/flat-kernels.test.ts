// The device kernels' index math (Binary broadcast forms, Unary ops,
// UnaryGrad, Transpose up to 4-D, Sum over each axis, BroadcastTo,
// (Log)Softmax and gradients, MaskedFill, LayerNorm and its gradient) checked in Node, where gpu.js runs the same kernel
// source in its webasm and cpu modes, against the CPU backend's kernels. The
// GL translation of the same source is checked in Chromium (browser.test.ts).
import { type BinaryOp, cpuBackend, type KernelInput, Rng, type UnaryOp } from '@attn/tensor';
import { GPU } from 'gpu.js';
import { afterAll, describe, expect, it } from 'vitest';
import { binaryPlan } from '../src/binary-kernel.js';
import { FlatKernels, type KernelPlan } from '../src/flat-kernels.js';
import { flatten } from '../src/flatten.js';
import { broadcastPlan } from '../src/broadcast-kernel.js';
import { adamwOnDevice } from '../src/adamw-kernels.js';
import { crossEntropyGradOnDevice, crossEntropyGradPlans, crossEntropyPlan } from '../src/cross-entropy-kernels.js';
import { Device } from '../src/device.js';
import { gatherPlan, scatterAddPlan } from '../src/embedding-kernels.js';
import { layerNormGradOnDevice, layerNormGradPlans, layerNormOnDevice, layerNormPlans } from '../src/layer-norm-kernels.js';
import { maskedFillPlan } from '../src/masked-fill-kernel.js';
import { padAxisPlan, slicePlan } from '../src/slice-kernels.js';
import { softmaxGradPlan, softmaxPlan } from '../src/softmax-kernel.js';
import { sumPlan } from '../src/sum-kernel.js';
import { transposePlan } from '../src/transpose-kernel.js';
import { unaryGradPlan } from '../src/unary-grad-kernel.js';
import { DEVICE_UNARY_OPS, unaryPlan } from '../src/unary-kernel.js';

const rng = new Rng(11);
const random = (shape: number[], low = -3, high = 3) =>
  Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => low + (high - low) * rng.next());
const input = (handle: Float32Array, shape: number[]): KernelInput => ({ handle, shape, dtype: 'float32' });

function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return worst;
}

const gpus: GPU[] = [];
afterAll(() => {
  for (const gpu of gpus) gpu.destroy();
});

for (const mode of ['webasm', 'cpu'] as const) {
  describe(`flat kernels on gpu.js ${mode} mode match the CPU backend`, () => {
    const gpu = new GPU({ mode });
    gpus.push(gpu);
    const kernels = new FlatKernels(gpu, `FlatKernels(${mode})`);
    const run = (plan: KernelPlan | null, size: number, args: Float32Array[]) => {
      if (!plan) throw new Error('expected a plan');
      return flatten(kernels.launch(plan, size, args).output, size, plan.key);
    };

    const binaryCases: Array<[string, number[], number[], number[]]> = [
      ['same shape', [2, 3, 5], [2, 3, 5], [2, 3, 5]],
      ['scalar b', [2, 3, 5], [], [2, 3, 5]],
      ['scalar a', [1], [4, 7], [4, 7]],
      ['bias (trailing suffix)', [2, 3, 5], [5], [2, 3, 5]],
      ['bias with leading 1s', [2, 3, 5], [1, 3, 5], [2, 3, 5]],
      ['bias on the left', [7], [3, 7], [3, 7]],
      ['per-row scalar (leading prefix)', [2, 3, 5], [2, 3, 1], [2, 3, 5]],
      ['outer: per-row a, bias b', [3, 1], [1, 4], [3, 4]],
    ];
    for (const [name, aShape, bShape, outShape] of binaryCases) {
      for (const op of ['add', 'sub', 'mul', 'div'] as BinaryOp[]) {
        it(`Binary ${op}: ${name}`, () => {
          const a = random(aShape);
          const b = op === 'div' ? random(bShape, 0.5, 2) : random(bShape);
          const want = cpuBackend.kernels.Binary!([input(a, aShape), input(b, bShape)], { op, outShape }, outShape) as Float32Array;
          const got = run(binaryPlan(op, aShape, bShape, outShape), want.length, [a, b]);
          expect(maxRelErr(got, want)).toBeLessThan(1e-5);
        });
      }
    }

    it('Binary has no plan when a middle dim broadcasts (the CPU kernel runs instead)', () => {
      expect(binaryPlan('add', [2, 3, 4], [3, 1], [2, 3, 4])).toBeNull();
      expect(binaryPlan('mul', [2, 1, 4], [2, 3, 4], [2, 3, 4])).toBeNull();
    });

    for (const op of DEVICE_UNARY_OPS) {
      it(`Unary ${op}`, () => {
        // Wide inputs (tanh and gelu saturate) plus exact zeros; log/sqrt get positive inputs.
        const x = op === 'log' || op === 'sqrt' ? random([4, 6], 0.01, 30) : Float32Array.of(...random([4, 5], -30, 30), 0, -0, 1e-4, -1e-4);
        const want = cpuBackend.kernels.Unary!([input(x, [x.length])], { op: op as UnaryOp }, [x.length]) as Float32Array;
        const got = run(unaryPlan(op), x.length, [x]);
        expect(maxRelErr(got, want)).toBeLessThan(1e-5);
      });
    }

    it('Unary geluErf has no device kernel', () => {
      expect(unaryPlan('geluErf')).toBeNull();
    });

    const transposeCases: Array<[number[], number[]]> = [
      [[7], [0]],
      [[5, 3], [1, 0]],
      [[2, 3, 4], [2, 0, 1]],
      [[2, 3, 4], [1, 0, 2]],
      [[2, 5, 3, 4], [0, 2, 1, 3]],
      [[2, 5, 3, 4], [3, 1, 0, 2]],
    ];
    for (const [shape, perm] of transposeCases) {
      it(`Transpose [${shape}] by [${perm}]`, () => {
        const x = random(shape);
        const outShape = perm.map((p) => shape[p]);
        const want = cpuBackend.kernels.Transpose!([input(x, shape)], { perm }, outShape) as Float32Array;
        expect(Array.from(run(transposePlan(shape, perm), x.length, [x]))).toEqual(Array.from(want));
      });
    }

    it('Transpose has no plan beyond 4 dims', () => {
      expect(transposePlan([1, 2, 1, 2, 1], [4, 3, 2, 1, 0])).toBeNull();
    });

    for (const op of ['relu', 'geluTanh'] as const) {
      it(`UnaryGrad ${op}`, () => {
        const x = Float32Array.of(...random([3, 5], -30, 30), 0, 1e-3, -1e-3, 2, -2);
        const dy = random([x.length]);
        const want = cpuBackend.kernels.UnaryGrad!([input(dy, [x.length]), input(x, [x.length])], { op }, [x.length]) as Float32Array;
        // float32 tanh and cubes against the CPU backend's float64 math rounded once: ~1e-5.
        expect(maxRelErr(run(unaryGradPlan(op), x.length, [dy, x]), want)).toBeLessThan(1e-4);
      });
    }

    it('UnaryGrad geluErf has no device kernel', () => {
      expect(unaryGradPlan('geluErf')).toBeNull();
    });

    const sumCases: Array<[number[], number]> = [
      [[3, 4, 5], 0],
      [[3, 4, 5], 1],
      [[3, 4, 5], 2],
      [[7], 0],
      [[2, 3000], 1], // longer than gpu.js's default 1000-iteration loop cap
    ];
    for (const [shape, axis] of sumCases) {
      it(`Sum [${shape}] over axis ${axis}`, () => {
        const x = random(shape);
        const outShape = shape.filter((_, d) => d !== axis);
        const want = cpuBackend.kernels.Sum!([input(x, shape)], { axis }, outShape) as Float32Array;
        expect(maxRelErr(run(sumPlan(shape, axis), want.length, [x]), want)).toBeLessThan(1e-5);
      });
    }

    const broadcastCases: Array<[number[], number[]]> = [
      [[], [3, 4]],
      [[4], [2, 3, 4]],
      [[1, 4], [3, 4]],
      [[2, 3, 1], [2, 3, 4]],
      [[2, 3, 4], [2, 3, 4]],
    ];
    for (const [shape, outShape] of broadcastCases) {
      it(`BroadcastTo [${shape}] -> [${outShape}]`, () => {
        const x = random(shape);
        const want = cpuBackend.kernels.BroadcastTo!([input(x, shape)], {}, outShape) as Float32Array;
        expect(Array.from(run(broadcastPlan(shape, outShape), want.length, [x]))).toEqual(Array.from(want));
      });
    }

    it('compiles a kernel per set of constants: two sums with the same output size but different axes', () => {
      const x = Float32Array.of(1, 2, 3, 4, 5, 6);
      expect(Array.from(run(sumPlan([2, 3], 1), 2, [x]))).toEqual([6, 15]); // rows, by hand
      expect(Array.from(run(sumPlan([3, 2], 0), 2, [x]))).toEqual([9, 12]); // columns, by hand
    });

    const softmaxCases: Array<[number[], number]> = [
      [[2, 3, 5], 2],
      [[2, 3, 5], 1],
      [[4, 7], 0],
      [[1, 2, 3, 3], 3],
    ];
    for (const [shape, axis] of softmaxCases) {
      for (const log of [false, true]) {
        const name = log ? 'LogSoftmax' : 'Softmax';
        it(`${name} [${shape}] axis ${axis} and its gradient`, () => {
          const x = random(shape, -6, 6);
          const want = cpuBackend.kernels[name]!([input(x, shape)], { axis }, shape) as Float32Array;
          const y = run(softmaxPlan(shape, axis, log), x.length, [x]);
          expect(maxRelErr(y, want)).toBeLessThan(1e-5);
          const dy = random(shape);
          const gradName = log ? 'LogSoftmaxGrad' : 'SoftmaxGrad';
          const wantGrad = cpuBackend.kernels[gradName]!([input(want, shape), input(dy, shape)], { axis }, shape) as Float32Array;
          expect(maxRelErr(run(softmaxGradPlan(shape, axis, log), x.length, [want, dy]), wantGrad)).toBeLessThan(1e-5);
        });
      }
    }

    it('Softmax of rows with -1e9 and -Infinity entries (masked attention) matches, and an all -inf row too', () => {
      const ninf = Number.NEGATIVE_INFINITY;
      const x = Float32Array.of(1, -1e9, 2, ninf, 0.5, ninf, ninf, 3, ninf, ninf, ninf, ninf);
      for (const log of [false, true]) {
        const want = cpuBackend.kernels[log ? 'LogSoftmax' : 'Softmax']!([input(x, [3, 4])], { axis: 1 }, [3, 4]) as Float32Array;
        const got = run(softmaxPlan([3, 4], 1, log), 12, [x]);
        got.forEach((v, i) => {
          if (!(v === want[i] || (Number.isNaN(v) && Number.isNaN(want[i])) || Math.abs(v - want[i]) < 1e-5)) {
            throw new Error(`${log ? 'log' : ''}softmax at ${i}: ${v} vs ${want[i]}`);
          }
        });
      }
    });

    it('Softmax has no plan for rows longer than 4096 (the CPU runs a vocabulary-wide softmax)', () => {
      expect(softmaxPlan([2, 5000], 1, false)).toBeNull();
    });

    const maskCases: Array<[string, number[], number[]]> = [
      ['causal (T, T) over (B, nh, T, T)', [2, 2, 3, 3], [3, 3]],
      ['same shape', [2, 5], [2, 5]],
      ['per row', [2, 3, 4], [2, 3, 1]],
    ];
    for (const [name, shape, maskShape] of maskCases) {
      it(`MaskedFill: ${name}`, () => {
        const x = random(shape);
        const mask = random(maskShape).map((v) => (v > 0 ? 1 : 0));
        const want = cpuBackend.kernels.MaskedFill!([input(x, shape), input(mask, maskShape)], { value: -1e9 }, shape) as Float32Array;
        expect(Array.from(run(maskedFillPlan(shape, maskShape, -1e9), x.length, [x, mask]))).toEqual(Array.from(want));
      });
    }

    it('MaskedFill has no plan for an infinite value (no GLSL literal for it)', () => {
      expect(maskedFillPlan([3, 3], [3, 3], Number.NEGATIVE_INFINITY)).toBeNull();
    });

    const device = new Device(gpu, false);
    for (const [hasWeight, hasBias] of [
      [true, true],
      [true, false],
      [false, true],
      [false, false],
    ] as const) {
      it(`LayerNorm and LayerNormGrad (weight ${hasWeight}, bias ${hasBias})`, () => {
        const [rows, cols] = [5, 7];
        const x = random([rows, cols], -2, 4);
        const weight = random([cols], 0.5, 1.5);
        const bias = random([cols]);
        const dy = random([rows, cols]);
        const params = [...(hasWeight ? [weight] : []), ...(hasBias ? [bias] : [])];
        const want = cpuBackend.kernels.LayerNorm!(
          [input(x, [rows, cols]), ...params.map((p) => input(p, [cols]))],
          { eps: 1e-5, hasWeight, hasBias },
          [rows, cols],
        ) as Float32Array[];
        const plans = layerNormPlans(rows, cols, 1e-5, hasWeight, hasBias)!;
        const h = (v: Float32Array) => device.memory.fromArray(v);
        const got = layerNormOnDevice(device, plans, rows, cols, h(x), params.map(h)).map((o) => device.memory.read(o));
        for (const [k, g] of got.entries()) expect(maxRelErr(g, want[k])).toBeLessThan(1e-5);
        const [, mean, rstd] = want;
        const wantGrad = cpuBackend.kernels.LayerNormGrad!(
          [input(x, [rows, cols]), ...(hasWeight ? [input(weight, [cols])] : []), input(mean, [rows]), input(rstd, [rows]), input(dy, [rows, cols])],
          { hasWeight },
          [rows, cols],
        ) as Float32Array[];
        const gradPlans = layerNormGradPlans(rows, cols, hasWeight)!;
        const gotGrad = layerNormGradOnDevice(device, gradPlans, rows, cols, [h(x), h(mean), h(rstd), h(dy)], hasWeight ? h(weight) : null);
        for (const [k, g] of gotGrad.entries()) expect(maxRelErr(device.memory.read(g), wantGrad[k])).toBeLessThan(1e-5);
      });
    }

    it('LayerNorm has no plans for rows beyond 16,384 values, nor its gradient for columns beyond 65,536 rows', () => {
      expect(layerNormPlans(2, 20000, 1e-5, true, true)).toBeNull();
      expect(layerNormGradPlans(70000, 4, true)).toBeNull();
    });

    const sliceCases: Array<[number[], number, number, number]> = [
      [[2, 3, 4], 1, 1, 3],
      [[2, 3, 12], 2, 4, 8], // a q/k/v split of the last dim
      [[5, 2], 0, 0, 2],
      [[6], 0, 5, 6],
    ];
    for (const [shape, axis, start, end] of sliceCases) {
      it(`Slice [${shape}] axis ${axis} [${start}, ${end}) and PadAxis back`, () => {
        const x = random(shape);
        const outShape = shape.map((d, i) => (i === axis ? end - start : d));
        const want = cpuBackend.kernels.Slice!([input(x, shape)], { axis, start, end }, outShape) as Float32Array;
        expect(Array.from(run(slicePlan(shape, axis, start, end), want.length, [x]))).toEqual(Array.from(want));
        const wantPad = cpuBackend.kernels.PadAxis!([input(want, outShape)], { axis, start, length: shape[axis] }, shape) as Float32Array;
        expect(Array.from(run(padAxisPlan(outShape, axis, start, shape[axis]), x.length, [want]))).toEqual(Array.from(wantPad));
      });
    }

    const gatherCases: Array<[number[], number, number[]]> = [
      [[5, 3], 0, [4, 0, 4, 2]], // an embedding lookup with a repeated id
      [[2, 5, 3], 1, [1, 1, 3]],
      [[2, 3, 5], 2, [4, 0]],
    ];
    for (const [shape, axis, ids] of gatherCases) {
      it(`Gather [${shape}] axis ${axis} ids [${ids}] and ScatterAdd back`, () => {
        const x = random(shape);
        const indices = Int32Array.from(ids);
        const outShape = shape.map((d, i) => (i === axis ? ids.length : d));
        const want = cpuBackend.kernels.Gather!([input(x, shape)], { axis, indices }, outShape) as Float32Array;
        const idx = Float32Array.from(ids);
        expect(Array.from(run(gatherPlan(shape, axis, ids.length), want.length, [x, idx]))).toEqual(Array.from(want));
        const dy = random(outShape);
        const wantScatter = cpuBackend.kernels.ScatterAdd!([input(dy, outShape)], { axis, indices, length: shape[axis] }, shape) as Float32Array;
        expect(maxRelErr(run(scatterAddPlan(outShape, axis, shape[axis]), x.length, [dy, idx]), wantScatter)).toBeLessThan(1e-6);
      });
    }

    it('CrossEntropy and its gradient, with an ignored row', () => {
      const [rows, vocab] = [5, 7];
      const logits = random([rows, vocab], -5, 5);
      const targets = Int32Array.of(3, -100, 0, 6, 3);
      const want = cpuBackend.kernels.CrossEntropy!([input(logits, [rows, vocab])], { targets, ignoreIndex: -100 }, [rows]) as Float32Array;
      expect(maxRelErr(run(crossEntropyPlan(vocab, -100), rows, [logits, Float32Array.from(targets)]), want)).toBeLessThan(1e-5);
      const dLoss = random([rows]);
      const wantGrad = cpuBackend.kernels.CrossEntropyGrad!(
        [input(logits, [rows, vocab]), input(dLoss, [rows])],
        { targets, ignoreIndex: -100 },
        [rows, vocab],
      ) as Float32Array;
      const h = (v: Float32Array) => device.memory.fromArray(v);
      const got = crossEntropyGradOnDevice(device, crossEntropyGradPlans(vocab, -100)!, rows, vocab, h(logits), h(dLoss), targets);
      expect(maxRelErr(device.memory.read(got), wantGrad)).toBeLessThan(1e-5);
    });

    it('AdamW: parameter and both moments, hyperparameters as uniforms (two steps, one compiled kernel each)', () => {
      const shape = [3, 5];
      const [p, g, m, v] = [random(shape), random(shape), random(shape, -0.1, 0.1), random(shape, 0, 0.1)];
      const h = (a: Float32Array) => device.memory.fromArray(a);
      const compiles = device.flatKernels.cache.compiles;
      for (const update of [
        { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3, invSqrtBias2: 1.5, keep: 0.9999 },
        { beta1: 0.8, beta2: 0.95, eps: 1e-6, stepSize: 2e-2, invSqrtBias2: 1.1, keep: 1 },
      ]) {
        const want = cpuBackend.kernels.AdamW!([p, g, m, v].map((a) => input(a, shape)), update, shape) as Float32Array[];
        const got = adamwOnDevice(device, [p, g, m, v].map(h), update);
        for (const [k, out] of got.entries()) expect(maxRelErr(device.memory.read(out), want[k])).toBeLessThan(1e-5);
      }
      expect(device.flatKernels.cache.compiles - compiles).toBeLessThanOrEqual(3);
    });

    it('ScatterAdd and CrossEntropy have no plans beyond their limits', () => {
      expect(scatterAddPlan([20000, 2], 0, 10)).toBeNull();
      expect(crossEntropyPlan(70000, -100)).toBeNull();
      expect(crossEntropyGradPlans(7, Number.NaN)).toBeNull();
    });

    it('BroadcastTo has no plan for a middle dim', () => {
      expect(broadcastPlan([2, 1, 4], [2, 3, 4])).toBeNull();
    });
  });
}
