// @attn/tensor backend 'wasm': the kernels a GPT training step spends its time
// in run in WebAssembly with SIMD, shared among the threads when large enough:
// MatMul (and MatMulBias, with a Linear layer's bias, and MatMulColumnSums,
// its gradient's weight and bias parts), FusedAttention and its gradient, the broadcasting Binary ops, Sum,
// MaskedFill, head-splitting Transposes, Slice and PadAxis (row copies),
// Gather and ScatterAdd (embedding lookups and their gradients),
// Softmax and its gradient, LayerNorm and its gradient, the tanh GELU and its
// gradient, CrossEntropy and its gradient, the fused AdamW update (one
// parameter, or a whole group in one job), and
// self-attention straight from a packed qkv projection (FusedSelfAttention).
// A tensor is a Float32Array: a resident view over wasm memory
// (see heap.ts; kernels read it in place and write outputs into new resident
// views, so chains of kernels copy nothing) or a plain array. Every other
// kernel, and any shape or broadcast these do not cover (see layouts.ts), runs
// the CPU backend's code here on those arrays (cpuKernelsHere), so tensors stay
// in wasm memory. float64 tensors live on the CPU backend (supportsDType);
// moving a tensor there copies it out of wasm memory and frees the block. Resident blocks are freed
// when tensors are disposed (tidy() disposes a whole step's intermediates), or
// when the garbage collector drops them.
//
// Why memory-bound kernels too: after matmul moved to WebAssembly, profiling
// the nanoGPT training step showed the rest (bias adds, gradient sums,
// softmax, layer norm, transposes) at over half the time; V8 runs those loops
// at 1-5 ns per element and 20-30 for softmax (Math.exp), WebAssembly SIMD at
// a fraction of that even with the copies into and out of its memory.
import {
  type Backend,
  type DataHandle,
  type FloatArray,
  type FusedAttentionAttrs,
  type FusedSelfAttentionAttrs,
  type Kernel,
  type KernelInput,
  type KernelName,
  type KernelTable,
  type MatMulAttrs,
  cpuBackend,
  isTrailingSuffix,
  listBackends,
  registerBackend,
  removeBackend,
} from '@attn/tensor';
import { type AttentionShape, createWasmKernels, type PackedAttentionShape, type WasmKernels, type WasmKernelsOptions } from './engine.js';
import { detectFeatures } from './features.js';
import { aroundAxis, binaryLayout, rowPermutation } from './layouts.js';
import type { MatrixCall } from './plan.js';

/** Priority of 'wasm' in the registry: above 'cpu' (1), so it is the default once registered. */
export const WASM_PRIORITY = 10;

/** The MatMul contract's attrs as the kernels' call list (see MatMulAttrs in @attn/tensor). */
export function callsFromAttrs(attrs: MatMulAttrs): MatrixCall[] {
  const { m, n, k, batch, aOffsets, bOffsets, aRowStride, aColStride, bRowStride, bColStride } = attrs;
  const calls: MatrixCall[] = [];
  for (let p = 0; p < batch; p++) {
    calls.push({
      aOffset: aOffsets[p],
      bOffset: bOffsets[p],
      cOffset: p * m * n,
      M: m,
      N: n,
      K: k,
      rsa: aRowStride,
      csa: aColStride,
      rsb: bRowStride,
      csb: bColStride,
      ldc: n,
    });
  }
  return calls;
}

/**
 * The CPU backend's kernels, run here on this backend's arrays (a resident
 * view is a Float32Array too) with their outputs stored resident. Kernels
 * without a WebAssembly version, and shapes the wasm kernels do not cover, go
 * through these. Without them the engine's fallback would move the inputs out
 * of wasm memory (a copy, and a free) and the next wasm kernel would move them
 * back: the token embedding did that twice a step.
 */
function cpuKernelsHere(kernels: WasmKernels): KernelTable {
  const resident = (out: DataHandle) => kernels.toResident(out as Float32Array) ?? out;
  const table: Record<string, Kernel<KernelName>> = {};
  for (const [name, cpuKernel] of Object.entries(cpuBackend.kernels as Record<string, Kernel<KernelName>>)) {
    table[name] = (inputs, attrs, outShape) => {
      const out = cpuKernel(inputs, attrs, outShape);
      return Array.isArray(out) ? out.map(resident) : resident(out);
    };
  }
  return table as KernelTable;
}

/** The FusedAttention contract's tensors as the kernel's heads of (T, D) blocks (the first kvLength of kvRows keys taking part). */
function attentionShape(q: KernelInput, v: KernelInput, attrs: FusedAttentionAttrs): AttentionShape {
  const n = q.shape.length;
  let heads = 1;
  for (let i = 0; i < n - 2; i++) heads *= q.shape[i];
  const kvRows = v.shape[n - 2];
  return { heads, tq: q.shape[n - 2], tk: attrs.kvLength, kvRows, d: q.shape[n - 1], dv: v.shape[n - 1], scale: attrs.scale, causal: attrs.causal };
}

/** The FusedSelfAttention contract's qkv (..., T, 3 H D) as the kernel's batch of T rows. */
function packedAttentionShape(qkv: KernelInput, attrs: FusedSelfAttentionAttrs): PackedAttentionShape {
  const n = qkv.shape.length;
  let batch = 1;
  for (let i = 0; i < n - 2; i++) batch *= qkv.shape[i];
  return { batch, t: qkv.shape[n - 2], heads: attrs.heads, d: qkv.shape[n - 1] / (3 * attrs.heads), scale: attrs.scale, causal: attrs.causal };
}

/** A Backend object whose kernels run on `kernels` (WebAssembly) or, for the rest, the CPU backend's code. */
export function createWasmBackend(kernels: WasmKernels, name = 'wasm'): Backend {
  const values = (t: KernelInput) => t.handle as Float32Array;
  const onCpu = cpuKernelsHere(kernels);
  return {
    name,
    supportsDType: (dtype) => dtype === 'float32',
    // Values live in wasm memory (a resident view) when there is room, else in a plain array.
    write: (array: FloatArray) => {
      const values = array instanceof Float32Array ? array : Float32Array.from(array);
      return kernels.toResident(values) ?? values;
    },
    // A copy: the engine frees the handle right after moving the values to another backend.
    readSync: (handle) => (kernels.isResident(handle as Float32Array) ? (handle as Float32Array).slice() : (handle as Float32Array)),
    read: async (handle) => (kernels.isResident(handle as Float32Array) ? (handle as Float32Array).slice() : (handle as Float32Array)),
    disposeData: (handle) => kernels.free(handle as Float32Array),
    overwrite: (handle, values) => (handle as Float32Array).set(values),
    // Handles are Float32Arrays here too (resident views or plain arrays): the CPU backend's row copies serve.
    copyRows: cpuBackend.copyRows,
    kernels: {
      ...onCpu,
      MatMul: ([a, b], attrs) => {
        const { m, n, k, batch } = attrs;
        return kernels.runCalls(values(a), values(b), callsFromAttrs(attrs), batch * m * n, 2 * batch * m * n * k);
      },
      // A Linear layer's product and bias in one pass: the bias is added as each tile of C is stored.
      MatMulBias: ([a, b, bias], attrs) => {
        const { m, n, k, batch } = attrs;
        return kernels.runCalls(values(a), values(b), callsFromAttrs(attrs), batch * m * n, 2 * batch * m * n * k, true, values(bias));
      },
      // A Linear layer's weight and bias gradients, X^T dY and the sums of dY's rows, in one pass over dY.
      MatMulColumnSums: ([a, b], attrs) => kernels.runCallWithColumnSums(values(a), values(b), callsFromAttrs(attrs)[0], 2 * attrs.m * attrs.n * attrs.k),
      // GELU costs ~45 ns per element in TypeScript (Math.tanh) and ~1 ns here;
      // profiling a GPT training step put it second only to matmul.
      Unary: (inputs, attrs, outShape) =>
        attrs.op === 'geluTanh' ? kernels.geluTanh(values(inputs[0])) : onCpu.Unary!(inputs, attrs, outShape),
      UnaryGrad: (inputs, attrs, outShape) =>
        attrs.op === 'geluTanh'
          ? kernels.geluTanhGrad(values(inputs[0]), values(inputs[1]))
          : onCpu.UnaryGrad!(inputs, attrs, outShape),
      Binary: (inputs, attrs, outShape) => {
        const [a, b] = inputs;
        const layout = binaryLayout(a.shape, b.shape, attrs.outShape);
        if (!layout) return onCpu.Binary!(inputs, attrs, outShape);
        return kernels.binary(attrs.op, values(a), layout.a, values(b), layout.b, layout.rows, layout.cols);
      },
      Sum: ([x], { axis }) => {
        const { outer, length, inner } = aroundAxis(x.shape, axis);
        return kernels.sumAxis(values(x), outer, length, inner);
      },
      MaskedFill: (inputs, attrs, outShape) => {
        const [x, mask] = inputs;
        const period = values(mask).length;
        const repeats = period > 0 && (period === values(x).length || isTrailingSuffix(mask.shape, x.shape));
        if (!repeats) return onCpu.MaskedFill!(inputs, attrs, outShape);
        return kernels.maskedFill(values(x), values(mask), attrs.value);
      },
      Transpose: (inputs, attrs, outShape) => {
        const plan = rowPermutation(inputs[0].shape, attrs.perm);
        if (!plan) return onCpu.Transpose!(inputs, attrs, outShape);
        return kernels.permuteRows(values(inputs[0]), plan.dims, plan.strides, plan.row);
      },
      // The embedding lookup and its gradient: row copies and adds in wasm (the TypeScript loops took
      // 0.25 ms a step for the token embedding, a subarray per row).
      Gather: ([x], { axis, indices }) => {
        const { outer, length, inner } = aroundAxis(x.shape, axis);
        return kernels.gather(values(x), indices, outer, length, inner);
      },
      ScatterAdd: ([dy], { axis, indices, length }) => {
        const { outer, inner } = aroundAxis(dy.shape, axis);
        return kernels.scatterAdd(values(dy), indices, outer, length, inner);
      },
      // Slices and their gradient (qkv split into q, k, v) are row copies; done here they
      // keep the tensor in wasm memory instead of moving it to the CPU and back.
      Slice: ([x], { axis, start, end }) => {
        const { outer, length, inner } = aroundAxis(x.shape, axis);
        return kernels.copyRows(values(x), start * inner, length * inner, outer, (end - start) * inner, 0, 0);
      },
      PadAxis: ([dy], { axis, start, length }) => {
        const { outer, length: part, inner } = aroundAxis(dy.shape, axis);
        return kernels.copyRows(values(dy), 0, part * inner, outer, part * inner, start * inner, (length - start - part) * inner);
      },
      Softmax: (inputs, attrs, outShape) => {
        const { outer, length, inner } = aroundAxis(inputs[0].shape, attrs.axis);
        if (inner !== 1) return onCpu.Softmax!(inputs, attrs, outShape);
        return kernels.softmax(values(inputs[0]), outer, length);
      },
      SoftmaxGrad: (inputs, attrs, outShape) => {
        const { outer, length, inner } = aroundAxis(inputs[0].shape, attrs.axis);
        if (inner !== 1) return onCpu.SoftmaxGrad!(inputs, attrs, outShape);
        return kernels.softmaxGrad(values(inputs[0]), values(inputs[1]), outer, length);
      },
      LayerNorm: (inputs, attrs, outShape) => {
        const x = inputs[0];
        const cols = x.shape[x.shape.length - 1];
        if (!cols) return onCpu.LayerNorm!(inputs, attrs, outShape);
        const weight = attrs.hasWeight ? values(inputs[1]) : null;
        const bias = attrs.hasBias ? values(inputs[attrs.hasWeight ? 2 : 1]) : null;
        return kernels.layerNorm(values(x), weight, bias, values(x).length / cols, cols, attrs.eps);
      },
      CrossEntropy: ([logits], { targets, ignoreIndex }) => {
        const [rows, cols] = logits.shape;
        return kernels.crossEntropy(values(logits), targets, ignoreIndex, rows, cols);
      },
      CrossEntropyGrad: ([logits, dLoss], { targets, ignoreIndex }) => {
        const [rows, cols] = logits.shape;
        return kernels.crossEntropyGrad(values(logits), values(dLoss), targets, ignoreIndex, rows, cols);
      },
      AdamW: ([param, grad, m, v], attrs) => kernels.adamw(values(param), values(grad), values(m), values(v), attrs),
      // A whole optimizer step in one job: 52 kernel calls a nanoGPT step became one.
      AdamWGroup: (inputs, { keep, ...shared }) => {
        const n = inputs.length / 4;
        const part = (k: number) => inputs.slice(k * n, (k + 1) * n).map(values);
        return kernels.adamwGroup(part(0), part(1), part(2), part(3), shared, keep);
      },
      FusedAttention: ([q, k, v], attrs) => kernels.attention(values(q), values(k), values(v), attentionShape(q, v, attrs)),
      FusedAttentionGrad: ([q, k, v, out, lse, dOut], attrs) =>
        kernels.attentionGrad(values(q), values(k), values(v), values(out), values(lse), values(dOut), attentionShape(q, v, attrs)),
      FusedSelfAttention: ([qkv], attrs) => kernels.attentionQkv(values(qkv), packedAttentionShape(qkv, attrs)),
      FusedSelfAttentionGrad: ([qkv, out, lse, dOut], attrs) =>
        kernels.attentionQkvGrad(values(qkv), values(out), values(lse), values(dOut), packedAttentionShape(qkv, attrs)),
      LayerNormGrad: (inputs, attrs, outShape) => {
        // inputs: [x, weight?, mean, rstd, dy]
        const x = inputs[0];
        const cols = x.shape[x.shape.length - 1];
        if (!cols) return onCpu.LayerNormGrad!(inputs, attrs, outShape);
        const at = attrs.hasWeight ? 2 : 1;
        const weight = attrs.hasWeight ? values(inputs[1]) : null;
        const [means, rstds, dy] = [values(inputs[at]), values(inputs[at + 1]), values(inputs[at + 2])];
        return kernels.layerNormGrad(values(x), weight, means, rstds, dy, values(x).length / cols, cols);
      },
    },
  };
}

/** What registerWasmBackend returns. */
export interface WasmBackendHandle {
  /** The registered backend. */
  backend: Backend;
  /** The kernels behind it (for direct use or inspection). */
  kernels: WasmKernels;
  /** Threads the MatMul kernel computes on. */
  threads: number;
  /** Unregisters the backend and stops its workers. */
  dispose(): void;
}

/**
 * Creates the kernels and registers them with @attn/tensor as backend 'wasm'
 * with priority above 'cpu', so new tensors and matmuls use it unless
 * setBackend() chose another. Resolves to null, leaving the TypeScript 'cpu'
 * backend in charge, when the engine has no WebAssembly SIMD.
 */
export async function registerWasmBackend(options: WasmKernelsOptions = {}): Promise<WasmBackendHandle | null> {
  if (!detectFeatures().simd) return null;
  if (listBackends().includes('wasm')) {
    throw new Error("registerWasmBackend: a backend named 'wasm' is already registered; dispose() it first");
  }
  const kernels = await createWasmKernels(options);
  const backend = createWasmBackend(kernels);
  registerBackend(backend, { priority: WASM_PRIORITY });
  return {
    backend,
    kernels,
    threads: kernels.threads,
    dispose() {
      removeBackend(backend.name);
      kernels.dispose();
    },
  };
}
