// The backend interface: a small set of named kernels plus data storage.
//
// Ops (src/ops/*) validate arguments, compute output shapes and record the
// backward closure; they never touch a backend directly. They call
// `runKernel(name, inputs, attrs)` in engine.ts, which picks a backend, makes
// sure the inputs' data live on it, and calls the kernel with that name.
// Gradients are kept apart from kernels: each op owns exactly one backward
// closure, written in terms of other ops (and therefore other kernels), so a
// backend never needs to know about autograd.
//
// Shape of the design (studied, not copied): tfjs-core's kernel registry
// (kernels looked up by name, backends chosen by priority) and tinygrad's small
// op set (a few dozen kernels are enough for a GPT).
//
// Storage: a backend stores a tensor's values behind an opaque `DataHandle` (a
// typed array on the CPU, a texture or buffer on a GPU, an offset into linear
// memory for WebAssembly). Values stay resident on the backend between kernels;
// they become a typed array only when the user calls `dataSync()`/`data()` or
// when a kernel the backend lacks has to run on the CPU (see "Fallback").
//
// Fallback: a backend may implement only some kernels. When the selected
// backend lacks a kernel (or does not support the dtype, see `supportsDType`),
// the engine reads the inputs back (`readSync`), runs the CPU backend's kernel,
// and the result lives on the CPU until a later kernel on the selected backend
// moves it there again with `write`. So a GPU backend can start with `MatMul`
// alone and grow.
// A backend that can only read asynchronously (`syncReads: false`, WebGPU)
// gets no fallback: such a kernel call throws a `SyncReadError` naming it.
//
// All tensors are dense and contiguous in row-major (C) order. A kernel never
// mutates its inputs and always returns fresh handles.

/** Element type of a tensor. float64 exists for gradient checks on the CPU. */
export type DType = 'float32' | 'float64';

/** The typed array behind a tensor of each dtype. */
export type FloatArray = Float32Array | Float64Array;

/** Opaque reference to a tensor's values, owned by one backend. */
export type DataHandle = unknown;

/** What a kernel receives for each tensor input. */
export interface KernelInput {
  /** Where the values live; always a handle created by the backend running the kernel. */
  readonly handle: DataHandle;
  /** Row-major shape; `[]` is a scalar. */
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** Binary elementwise operators (used by the `Binary` kernel). */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

/** Unary elementwise operators (used by the `Unary` kernel). */
export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'tanh' | 'relu' | 'geluTanh' | 'geluErf' | 'abs';

/**
 * Attributes of every kernel, by name. The comment on each says which tensor
 * inputs it takes (in order) and what it returns; all outputs have the dtype of
 * the first input unless said otherwise.
 */
export interface KernelAttrs {
  /** inputs [a, b] broadcast against each other (NumPy rules) -> (outShape). */
  Binary: { op: BinaryOp; outShape: readonly number[] };
  /** inputs [x] -> same shape, `op` applied to each element. */
  Unary: { op: UnaryOp };
  /** inputs [x] -> same shape, x ** exponent. */
  PowScalar: { exponent: number };
  /** inputs [dy, x] -> dx for relu / gelu (the elementwise derivative times dy). */
  UnaryGrad: { op: 'relu' | 'geluTanh' | 'geluErf' };
  /** inputs [x] -> same values converted to `dtype`. */
  Cast: { dtype: DType };
  /**
   * inputs [x] -> x summed over ONE axis; output has x.shape with that axis removed.
   * The engine reduces several axes by calling this once per axis.
   */
  Sum: { axis: number };
  /** inputs [x] -> max over one axis (axis removed). */
  Max: { axis: number };
  /** inputs [x] -> index (as a float) of the first max over one axis (axis removed). */
  ArgMax: { axis: number };
  /** inputs [x, dy] -> dx: dy routed to the first max of each reduced row (x.shape). */
  MaxGrad: { axis: number };
  /**
   * inputs [a, b] -> c, a batch of matrix products. See the contract below
   * `MatMulAttrs`.
   */
  MatMul: MatMulAttrs;
  /**
   * inputs [a, b, bias (n)] -> MatMul's c with bias[j] added to column j of
   * every row of every output matrix (a Linear layer's x @ W + b, with no pass
   * over c of its own). Same attrs as MatMul.
   */
  MatMulBias: MatMulAttrs;
  /**
   * inputs [a, b], both 2-D (batch 1) with b not transposed -> TWO outputs
   * [c = MatMul(a, b) (m, n), sums (n)] with sums[j] = sum over l of b[l][j]:
   * a Linear layer's weight gradient X^T dY and bias gradient (dY summed over
   * its rows) in one pass over dY. Same attrs as MatMul.
   */
  MatMulColumnSums: MatMulAttrs;
  /** inputs [x] (broadcastable to outShape) -> x repeated to outShape (NumPy rules). */
  BroadcastTo: Record<string, never>;
  /** inputs [x] -> x permuted: out.shape[i] = x.shape[perm[i]]. */
  Transpose: { perm: readonly number[] };
  /** inputs [x] -> x restricted to [start, end) along `axis`. */
  Slice: { axis: number; start: number; end: number };
  /** inputs [dy] -> zeros of length `length` along `axis`, with dy placed at [start, start + dy.shape[axis]). */
  PadAxis: { axis: number; start: number; length: number };
  /** inputs [x0, x1, ...] (same shape except along `axis`) -> concatenation along `axis`. */
  Concat: { axis: number };
  /** inputs [x] -> x with entries `indices` taken along `axis`; out.shape[axis] = indices.length. */
  Gather: { axis: number; indices: Int32Array };
  /** inputs [dy] -> zeros with `length` along `axis`; dy slice i is added at row indices[i] (duplicates add up). */
  ScatterAdd: { axis: number; indices: Int32Array; length: number };
  /** inputs [x] -> softmax along `axis` (same shape), numerically stable (max subtracted). */
  Softmax: { axis: number };
  /** inputs [x] -> log-softmax along `axis` (same shape), numerically stable. */
  LogSoftmax: { axis: number };
  /** inputs [y, dy] where y = softmax(x) -> dx = y * (dy - sum(dy * y, axis)). */
  SoftmaxGrad: { axis: number };
  /** inputs [y, dy] where y = logSoftmax(x) -> dx = dy - exp(y) * sum(dy, axis). */
  LogSoftmaxGrad: { axis: number };
  /**
   * inputs [logits (N, V)] -> loss (N): -log softmax(logits)[n, targets[n]], or 0 where
   * targets[n] === ignoreIndex. One pass over each row (log-sum-exp, then pick).
   */
  CrossEntropy: { targets: Int32Array; ignoreIndex: number };
  /**
   * inputs [logits (N, V), dLoss (N)] -> dlogits (N, V) = (softmax(logits) - onehot(target)) * dLoss[n],
   * zero rows where ignored.
   */
  CrossEntropyGrad: { targets: Int32Array; ignoreIndex: number };
  /**
   * inputs [x (R, C), weight (C)?, bias (C)?] -> THREE outputs: [y (R, C), mean (R), rstd (R)],
   * normalising each row over the last dim: y = (x - mean) * rstd * weight + bias,
   * rstd = 1 / sqrt(var + eps) with the population variance.
   */
  LayerNorm: { eps: number; hasWeight: boolean; hasBias: boolean };
  /**
   * inputs [x (R, C), weight (C)?, mean (R), rstd (R), dy (R, C)] -> THREE outputs
   * [dx (R, C), dweight (C), dbias (C)] (dweight/dbias are computed even if unused).
   */
  LayerNormGrad: { hasWeight: boolean };
  /** inputs [x, mask] (mask broadcastable to x; nonzero = fill) -> x with `value` where mask != 0. */
  MaskedFill: { value: number };
  /**
   * One AdamW update, fused (as torch.optim.AdamW(fused=True)): inputs [param, grad, m, v],
   * all the same size -> THREE outputs [param', m', v'] with
   *   m' = beta1 m + (1 - beta1) g,   v' = beta2 v + (1 - beta2) g^2,
   *   param' = param * keep - stepSize * m' / (sqrt(v') * invSqrtBias2 + eps),
   * where the optimizer folds in the learning rate, the bias corrections
   * (stepSize = lr / (1 - beta1^t), invSqrtBias2 = 1 / sqrt(1 - beta2^t)) and the
   * decoupled weight decay (keep = 1 - lr * weightDecay).
   */
  AdamW: { beta1: number; beta2: number; eps: number; stepSize: number; invSqrtBias2: number; keep: number };
  /**
   * AdamW for a group of n parameters in one kernel call (an optimizer step
   * over a whole model): inputs [param_0..param_{n-1}, grad_0.., m_0.., v_0..]
   * (4n tensors; param_i, grad_i, m_i, v_i the same size) -> 3n outputs
   * [param'_0..param'_{n-1}, m'_0.., v'_0..], each quadruple updated as AdamW
   * with the shared hyperparameters and its own `keep[i]` (decay on or off).
   */
  AdamWGroup: { beta1: number; beta2: number; eps: number; stepSize: number; invSqrtBias2: number; keep: readonly number[] };
  /**
   * Scaled dot-product attention without the T x T weights: inputs [q, k, v]
   * -> TWO outputs [out (..., Tq, Dv), lse (..., Tq)]. See "The FusedAttention
   * kernel contract" below.
   */
  FusedAttention: FusedAttentionAttrs;
  /**
   * Its gradient: inputs [q, k, v, out, lse, dOut] (out and lse from
   * FusedAttention, dOut shaped like out) -> THREE outputs [dq, dk, dv],
   * shaped like q, k, v.
   */
  FusedAttentionGrad: FusedAttentionAttrs;
  /**
   * Self-attention read straight from a packed projection: inputs [qkv (..., T, 3 * H * D)]
   * -> TWO outputs [out (..., T, H * D), lse (..., H, T)]. See "The FusedSelfAttention
   * kernel contract" below.
   */
  FusedSelfAttention: FusedSelfAttentionAttrs;
  /** Its gradient: inputs [qkv, out, lse, dOut] (dOut shaped like out) -> dqkv, shaped like qkv. */
  FusedSelfAttentionGrad: FusedSelfAttentionAttrs;
}

/**
 * ## The `FusedAttention` kernel contract
 *
 * Layouts: q (..., Tq, D), k (..., Tk, D), v (..., Tk, Dv), all contiguous
 * row-major with the SAME leading dims (no broadcasting; the op checks). The
 * leading dims are independent problems ("heads"): for (B, nh, T, hs) tensors
 * there are B * nh of them, each a contiguous (T, D) block. Only the first
 * `kvLength` rows of each head's k and v take part (1 <= kvLength <= Tk; the op
 * passes Tk unless told otherwise): k and v may be a key/value cache
 * preallocated for more positions than it holds yet. Below, L = kvLength.
 *
 * For each head and query row i, with scores s_ij = scale * (q_i . k_j) over
 * the keys j < L that i sees (all of them, or with `causal` those with
 * j <= i + (L - Tq): the queries are the last Tq of L positions, as with a
 * KV cache; causal needs Tq <= L, so every query sees key 0):
 *
 *     out_i = sum_j softmax_j(s_i) v_j                 (..., Tq, Dv)
 *     lse_i = log sum_j exp(s_ij)   (natural log)      (..., Tq)
 *
 * Gradient (FusedAttentionGrad), with P_ij = exp(s_ij - lse_i) (0 for keys i
 * does not see) and D_i = dOut_i . out_i:
 *
 *     dv_j = sum_i P_ij dOut_i
 *     dS_ij = P_ij (dOut_i . v_j - D_i)
 *     dq_i = scale sum_j dS_ij k_j,      dk_j = scale sum_i dS_ij q_i
 *
 * dk and dv are shaped like k and v; their rows j >= L are 0.
 *
 * The point of the kernel is memory: an implementation keeps O(Tq + Tk)
 * values per head beyond its inputs and outputs, never a (Tq, Tk) matrix
 * (the CPU reference goes one query row at a time; a fast one works on tiles
 * of queries and keys with an online softmax, and recomputes the scores in
 * the backward pass from lse). Results are compared with a tolerance, so
 * summation order is free.
 */
export interface FusedAttentionAttrs {
  /** Multiplies every score; the op passes 1 / sqrt(D) unless told otherwise. */
  scale: number;
  /** Rows of each head's k and v that take part: the first kvLength (the op passes Tk unless told otherwise). */
  kvLength: number;
  /** Query i sees only keys j <= i + (Tk - Tq). */
  causal: boolean;
}

/**
 * ## The `FusedSelfAttention` kernel contract
 *
 * The same attention as FusedAttention (Tq = Tk = T, every key taking part),
 * with q, k and v read from one tensor where a transformer's fused projection
 * (GPT-2's c_attn) leaves them, and the output written where merging the
 * heads puts it, so neither the slices of q, k, v nor the head transposes
 * (nor, backwards, their gradients) are ever materialised:
 *
 *     qkv[..., t, :] = [q heads 0..H-1 | k heads 0..H-1 | v heads 0..H-1], each head D wide
 *     q_h[t, c] = qkv[..., t, h * D + c]
 *     k_h[t, c] = qkv[..., t, (H + h) * D + c]
 *     v_h[t, c] = qkv[..., t, (2 H + h) * D + c]
 *     out[..., t, h * D + c] = FusedAttention(q_h, k_h, v_h)[t, c]
 *     lse[..., h, t]         = log sum_j exp(s_tj) of head h (natural log)
 *
 * The leading dims (one or more, usually the batch) are independent. The
 * gradient dqkv puts dq_h, dk_h, dv_h at the columns q_h, k_h, v_h came from.
 */
export interface FusedSelfAttentionAttrs {
  /** Heads H: qkv's last dim is 3 * H * D. */
  heads: number;
  /** Multiplies every score; the op passes 1 / sqrt(D) unless told otherwise. */
  scale: number;
  /** Query t sees only keys j <= t. */
  causal: boolean;
}

/**
 * ## The `MatMul` kernel contract
 *
 * Inputs `[a, b]`, both contiguous row-major, both with ndim >= 2. The engine has
 * already validated the shapes and worked out broadcasting, so a kernel only
 * needs the numbers below.
 *
 * Logically the kernel computes, for every batch index `p` in `[0, batch)`:
 *
 *     C[p] (m x n)  =  op(A[p]) (m x k)  @  op(B[p]) (k x n)
 *
 * where `op(A) = transA ? Aᵀ : A` and likewise for B. The transposes are NOT
 * materialised: they only change the strides used to read the inputs.
 *
 * Where each element lives (offsets are element counts, not bytes):
 *
 *   op(A[p])[i][l] = a[aOffsets[p] + i * aRowStride + l * aColStride]
 *       transA = false: A is stored (…, m, k): aRowStride = k, aColStride = 1
 *       transA = true:  A is stored (…, k, m): aRowStride = 1, aColStride = m
 *   op(B[p])[l][j] = b[bOffsets[p] + l * bRowStride + j * bColStride]
 *       transB = false: B is stored (…, k, n): bRowStride = n, bColStride = 1
 *       transB = true:  B is stored (…, n, k): bRowStride = 1, bColStride = k
 *   C[p][i][j]     = c[p * m * n + i * n + j]          (output is always contiguous)
 *
 * The strides are passed in the attrs, so a kernel can use them directly.
 *
 * Batch broadcasting: the leading (batch) dims of a and b broadcast like NumPy;
 * the output's batch dims are the broadcast shape, flattened to `batch`
 * matrices. `aOffsets[p]` / `bOffsets[p]` give the element offset of the matrix
 * that output matrix `p` reads (the same offset repeats where a batch dim of
 * size 1 is broadcast). For plain 2-D inputs `batch = 1` and both offsets are
 * `[0]`. A kernel never needs to reason about broadcasting itself.
 *
 * Output shape: `[...batchShape, m, n]`; dtype: that of `a` (both inputs have
 * the same dtype). Accumulate in at least the input precision; summation order
 * is free (results are compared with a tolerance).
 *
 * Backward (done by the op, not the kernel) uses the transposed forms, e.g.
 * dA = dC @ Bᵀ is `MatMul(dC, B, transB: true)`, which is why the kernel must
 * support transA/transB cheaply.
 */
export interface MatMulAttrs {
  /** Rows of op(A) and of C. */
  m: number;
  /** Columns of op(B) and of C. */
  n: number;
  /** Shared inner dimension: columns of op(A), rows of op(B). */
  k: number;
  /** Read A transposed: A is stored (…, k, m). */
  transA: boolean;
  /** Read B transposed: B is stored (…, n, k). */
  transB: boolean;
  /** Strides (in elements) to step one row / one column of op(A) and op(B). */
  aRowStride: number;
  aColStride: number;
  bRowStride: number;
  bColStride: number;
  /** Number of output matrices (product of the broadcast batch dims; 1 for 2-D). */
  batch: number;
  /** Broadcast batch dims of the output, e.g. [B, nh] for (B, nh, T, T). */
  batchShape: readonly number[];
  /** Element offset of the A / B matrix used by output matrix p (length `batch`). */
  aOffsets: Int32Array;
  bOffsets: Int32Array;
}

/** Every kernel name. */
export type KernelName = keyof KernelAttrs;

/**
 * A kernel: reads input handles (all on this backend), returns new handle(s).
 * `outShape` is the shape of the (first) output, already computed by the op.
 * Kernels listed above as having THREE outputs return an array of handles.
 */
export type Kernel<K extends KernelName> = (
  inputs: readonly KernelInput[],
  attrs: KernelAttrs[K],
  outShape: readonly number[],
) => DataHandle | DataHandle[];

/** The kernels a backend implements; anything missing falls back to the CPU backend. */
export type KernelTable = { [K in KernelName]?: Kernel<K> };

/** A backend: storage for tensor data plus named kernels. */
export interface Backend {
  /** Unique name used by setBackend(), e.g. 'cpu', 'gpu', 'wasm'. */
  readonly name: string;
  /** Kernels by name. */
  readonly kernels: KernelTable;
  /** Whether kernels can run with this dtype (a GPU backend may say false for float64). */
  supportsDType(dtype: DType): boolean;
  /** Stores values on this backend. May keep `values` (the engine never reuses it). */
  write(values: FloatArray, dtype: DType): DataHandle;
  /**
   * Returns the values as a typed array of `size` elements. The CPU backend
   * returns its own array (no copy); callers must treat it as read-only.
   */
  readSync(handle: DataHandle, size: number, dtype: DType): FloatArray;
  /** Async read, for backends that can download without blocking. */
  read(handle: DataHandle, size: number, dtype: DType): Promise<FloatArray>;
  /**
   * False for backends that cannot read synchronously (WebGPU maps buffers
   * with a Promise): their `readSync` throws a `SyncReadError` saying to use
   * `await tensor.data()`, and the engine refuses, with an error naming the
   * kernel, to run a kernel such a backend lacks on the CPU (the fallback
   * needs a synchronous read). Absent means true.
   */
  readonly syncReads?: boolean;
  /** Frees device memory. The handle is never used again afterwards. */
  disposeData(handle: DataHandle): void;
  /**
   * Optional: overwrites a handle's values in place (`values` has the handle's
   * size). Backends whose handles are host arrays (cpu, wasm) provide it, so
   * `Tensor.assign`, which every optimizer step calls per parameter, costs one
   * copy and no allocation; without it assign stores the values as new storage.
   */
  overwrite?(handle: DataHandle, values: ArrayLike<number>): void;
  /**
   * Optional: copies values from one handle of this backend into another in
   * place, `rows` runs of `width` elements:
   *
   *     dst[dstOffset + r * dstStride + i] = src[srcOffset + r * srcStride + i]   (r < rows, i < width)
   *
   * `Tensor.assignSlice` uses it to write new positions into a preallocated
   * key/value cache without copying what the cache already holds. Without it,
   * assignSlice builds the whole new tensor from slices and assigns it.
   */
  copyRows?(src: DataHandle, srcOffset: number, srcStride: number, dst: DataHandle, dstOffset: number, dstStride: number, rows: number, width: number): void;
}

/** Options for registerBackend. */
export interface RegisterOptions {
  /** Higher wins when no backend was chosen with setBackend() (CPU is 1). */
  priority?: number;
}
