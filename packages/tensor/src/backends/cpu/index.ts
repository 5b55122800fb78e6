// The CPU backend: the reference and the default. A data handle is simply the
// typed array holding the values, so reads are free.
import type { Backend, FloatArray, KernelInput } from '../../backend.js';
import { allocate, sizeOf } from '../../shape.js';
import { binary, broadcastTo, cast, maskedFill, powScalar, unary, unaryGrad } from './elementwise.js';
import { concat, gather, padAxis, scatterAdd, slice, transpose } from './layout.js';
import { matmul } from './matmul.js';
import { adamw } from './adamw.js';
import { attentionDims, fusedAttention, fusedAttentionGrad, fusedSelfAttention, fusedSelfAttentionGrad, selfAttentionDims } from './attention.js';
import { crossEntropy, crossEntropyGrad, layerNorm, layerNormGrad, softmax, softmaxGrad } from './nn.js';
import { argmax, max, maxGrad, sum } from './reduce.js';

/** The values behind an input (on this backend the handle is the array). */
const values = (t: KernelInput): FloatArray => t.handle as FloatArray;

export const cpuBackend: Backend = {
  name: 'cpu',
  supportsDType: () => true,
  write: (array: FloatArray) => array,
  readSync: (handle) => handle as FloatArray,
  read: async (handle) => handle as FloatArray,
  disposeData: () => {
    // Garbage collected.
  },
  overwrite: (handle, values) => (handle as FloatArray).set(values),
  copyRows: (src, srcOffset, srcStride, dst, dstOffset, dstStride, rows, width) => {
    const from = src as FloatArray;
    const to = dst as FloatArray;
    for (let r = 0; r < rows; r++) {
      const at = srcOffset + r * srcStride;
      to.set(from.subarray(at, at + width), dstOffset + r * dstStride);
    }
  },
  kernels: {
    Binary: ([a, b], { op, outShape }) => binary(op, values(a), a.shape, values(b), b.shape, outShape, a.dtype),
    Unary: ([x], { op }) => unary(op, values(x), x.dtype),
    PowScalar: ([x], { exponent }) => powScalar(values(x), exponent, x.dtype),
    UnaryGrad: ([dy, x], { op }) => unaryGrad(op, values(dy), values(x), x.dtype),
    Cast: ([x], { dtype }) => cast(values(x), dtype),
    Sum: ([x], { axis }) => sum(values(x), x.shape, axis, x.dtype),
    Max: ([x], { axis }) => max(values(x), x.shape, axis, x.dtype),
    ArgMax: ([x], { axis }) => argmax(values(x), x.shape, axis, x.dtype),
    MaxGrad: ([x, dy], { axis }) => maxGrad(values(x), x.shape, values(dy), axis, x.dtype),
    MatMul: ([a, b], attrs, outShape) => {
      const out = allocate(a.dtype, sizeOf(outShape));
      matmul(values(a), values(b), out, attrs);
      return out;
    },
    MatMulBias: ([a, b, bias], attrs, outShape) => {
      // the reference: the product, then the bias on every row
      const out = allocate(a.dtype, sizeOf(outShape));
      matmul(values(a), values(b), out, attrs);
      const add = values(bias);
      for (let i = 0; i < out.length; i++) out[i] += add[i % attrs.n];
      return out;
    },
    MatMulColumnSums: ([a, b], attrs, outShape) => {
      // the reference: the product, then b's columns summed
      const out = allocate(a.dtype, sizeOf(outShape));
      matmul(values(a), values(b), out, attrs);
      const bv = values(b);
      const sums = allocate(a.dtype, attrs.n);
      for (let i = 0; i < bv.length; i++) sums[i % attrs.n] += bv[i];
      return [out, sums];
    },
    BroadcastTo: ([x], _attrs, outShape) => broadcastTo(values(x), x.shape, outShape, x.dtype),
    Transpose: ([x], { perm }) => transpose(values(x), x.shape, perm, x.dtype),
    Slice: ([x], { axis, start, end }) => slice(values(x), x.shape, axis, start, end, x.dtype),
    PadAxis: ([dy], { axis, start, length }) => padAxis(values(dy), dy.shape, axis, start, length, dy.dtype),
    Concat: (xs, { axis }, outShape) =>
      concat(
        xs.map(values),
        xs.map((x) => x.shape),
        axis,
        outShape,
        xs[0].dtype,
      ),
    Gather: ([x], { axis, indices }) => gather(values(x), x.shape, axis, indices, x.dtype),
    ScatterAdd: ([dy], { axis, indices, length }) => scatterAdd(values(dy), dy.shape, axis, indices, length, dy.dtype),
    Softmax: ([x], { axis }) => softmax(values(x), x.shape, axis, false, x.dtype),
    LogSoftmax: ([x], { axis }) => softmax(values(x), x.shape, axis, true, x.dtype),
    SoftmaxGrad: ([y, dy], { axis }) => softmaxGrad(values(y), values(dy), y.shape, axis, false, y.dtype),
    LogSoftmaxGrad: ([y, dy], { axis }) => softmaxGrad(values(y), values(dy), y.shape, axis, true, y.dtype),
    CrossEntropy: ([logits], { targets, ignoreIndex }) => crossEntropy(values(logits), logits.shape, targets, ignoreIndex, logits.dtype),
    CrossEntropyGrad: ([logits, dLoss], { targets, ignoreIndex }) =>
      crossEntropyGrad(values(logits), logits.shape, values(dLoss), targets, ignoreIndex, logits.dtype),
    LayerNorm: (inputs, { eps, hasWeight, hasBias }) => {
      const x = inputs[0];
      const weight = hasWeight ? values(inputs[1]) : null;
      const bias = hasBias ? values(inputs[hasWeight ? 2 : 1]) : null;
      return layerNorm(values(x), x.shape, weight, bias, eps, x.dtype);
    },
    LayerNormGrad: (inputs, { hasWeight }) => {
      // inputs: [x, weight?, mean, rstd, dy]
      const x = inputs[0];
      const weight = hasWeight ? values(inputs[1]) : null;
      const at = hasWeight ? 2 : 1;
      return layerNormGrad(values(x), x.shape, weight, values(inputs[at]), values(inputs[at + 1]), values(inputs[at + 2]), x.dtype);
    },
    MaskedFill: ([x, mask], { value }) => maskedFill(values(x), x.shape, values(mask), mask.shape, value, x.dtype),
    AdamW: ([param, grad, m, v], attrs) => adamw(values(param), values(grad), values(m), values(v), attrs, param.dtype),
    AdamWGroup: (inputs, attrs) => {
      // the reference: AdamW on each quadruple in turn, outputs grouped as [params', ms', vs']
      const n = inputs.length / 4;
      const outs: FloatArray[][] = [[], [], []];
      for (let i = 0; i < n; i++) {
        const [p, g, m, v] = [0, 1, 2, 3].map((k) => inputs[k * n + i]);
        adamw(values(p), values(g), values(m), values(v), { ...attrs, keep: attrs.keep[i] }, p.dtype).forEach((out, k) => {
          outs[k].push(out);
        });
      }
      return outs.flat();
    },
    FusedAttention: ([q, k, v], attrs) => fusedAttention(values(q), values(k), values(v), attentionDims(q.shape, v.shape, attrs.kvLength), attrs, q.dtype),
    FusedAttentionGrad: ([q, k, v, out, lse, dOut], attrs) =>
      fusedAttentionGrad(
        values(q),
        values(k),
        values(v),
        values(out),
        values(lse),
        values(dOut),
        attentionDims(q.shape, v.shape, attrs.kvLength),
        attrs,
        q.dtype,
      ),
    FusedSelfAttention: ([qkv], attrs) => fusedSelfAttention(values(qkv), selfAttentionDims(qkv.shape, attrs.heads), attrs, qkv.dtype),
    FusedSelfAttentionGrad: ([qkv, out, lse, dOut], attrs) =>
      fusedSelfAttentionGrad(values(qkv), values(out), values(lse), values(dOut), selfAttentionDims(qkv.shape, attrs.heads), attrs, qkv.dtype),
  },
};

