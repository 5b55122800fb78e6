// WasmKernels: the WebAssembly SIMD kernels, their memory, and (optionally) the
// worker threads that share that memory. A kernel's operands are either
// resident views (Float32Arrays over wasm memory that this object handed out,
// read in place) or plain arrays (copied in for the call); its outputs are new
// resident views when resident memory is on and has room, otherwise plain
// arrays copied out. See heap.ts.
//
// Memory layout (byte addresses, all 64-byte aligned):
//   [0, heapBase)            the module's own static data and (unused) C stack
//   ctrl                     control block shared with the workers (protocol.ts)
//   ws[0..threads)           one matmul scratch area per thread (packed panels)
//   heap                     resident tensor values and per-call temporaries (WasmHeap)
import { decodeBase64 } from './base64.js';
import { MAX_PAGES, singleWasm, threadedWasm } from './kernels.generated.js';
import { type MatmulOptions, type MatrixCall, planMatmul, splitCalls } from './plan.js';
import { type StartedWorker, startWorkers } from './pool.js';
import { detectFeatures, isNode } from './features.js';
import { WasmHeap } from './heap.js';
import {
  CALL_INTS,
  CLAIMS,
  CTRL_INTS,
  ERROR,
  GEN,
  MAX_WORKERS,
  PENDING,
  SLOTS,
  STOP,
  TABLE,
  WAIT_SLICE_MS,
} from './protocol.js';

export interface WasmKernelsOptions {
  /**
   * Threads to compute on, the calling thread included (default 2, capped by
   * the machine's core count). 1 means no workers. Ignored (1) when the engine
   * lacks shared memory, e.g. a page that is not cross-origin isolated.
   */
  threads?: number;
  /**
   * Smallest matmul, in floating-point operations, that is split across
   * threads (default 2^20). Waking a worker costs tens of microseconds, more
   * than a smaller product takes on one thread.
   */
  minParallelFlops?: number;
  /**
   * Most bytes of tensor values kept resident in wasm memory between kernels
   * (default 512 MiB; 0 turns residency off: every kernel copies its operands
   * in and its outputs out). Needs shared memory (a view of a non-shared
   * memory dies when it grows), so it is off where threads are unavailable.
   */
  residentBytes?: number;
}

interface KernelExports {
  matmul_f32(
    a: number,
    b: number,
    c: number,
    M: number,
    N: number,
    K: number,
    rsa: number,
    csa: number,
    rsb: number,
    csb: number,
    ldc: number,
    ws: number,
  ): void;
  matmul_ws_floats(): number;
  gelu_tanh_f32(x: number, y: number, n: number): void;
  gelu_tanh_grad_f32(dy: number, x: number, dx: number, n: number): void;
  binary_f32(op: number, a: number, aLayout: number, b: number, bLayout: number, out: number, rows: number, cols: number): void;
  sum_rows_f32(x: number, out: number, rows: number, len: number): void;
  sum_axis_f32(x: number, out: number, outer: number, len: number, inner: number): void;
  masked_fill_f32(x: number, mask: number, out: number, n: number, period: number, value: number): void;
  permute_rows_f32(x: number, out: number, n0: number, n1: number, n2: number, s0: number, s1: number, s2: number, row: number): void;
  softmax_f32(x: number, y: number, rows: number, cols: number): void;
  softmax_grad_f32(y: number, dy: number, dx: number, rows: number, cols: number): void;
  layer_norm_f32(x: number, w: number, b: number, y: number, means: number, rstds: number, rows: number, cols: number, eps: number): void;
  adamw_f32(
    p: number,
    g: number,
    m: number,
    v: number,
    po: number,
    mo: number,
    vo: number,
    n: number,
    beta1: number,
    beta2: number,
    eps: number,
    stepSize: number,
    invSqrtBias2: number,
    keep: number,
  ): void;
  layer_norm_grad_f32(
    x: number,
    w: number,
    means: number,
    rstds: number,
    dy: number,
    dx: number,
    dw: number,
    db: number,
    rows: number,
    cols: number,
  ): void;
  __heap_base: WebAssembly.Global;
}

/** Binary operators, numbered as in csrc/elementwise.c. */
export const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3 } as const;

/**
 * How an operand of `binary` covers the (rows, cols) output, numbered as in
 * csrc/elementwise.c: 'full' is x[r * cols + c], 'scalar' x[0], 'col' x[c] (a
 * bias over the trailing dims), 'row' x[r] (one value per row).
 */
export const OPERAND_LAYOUTS = { full: 0, scalar: 1, col: 2, row: 3 } as const;
export type OperandLayout = keyof typeof OPERAND_LAYOUTS;

const PAGE = 65536;

/** Default cap on resident tensor bytes (see WasmKernelsOptions.residentBytes). */
export const DEFAULT_RESIDENT_BYTES = 512 * 2 ** 20;
const align = (n: number, to = 64) => Math.ceil(n / to) * to;
const modules = new Map<string, WebAssembly.Module>();

function compiled(name: 'single' | 'threaded'): WebAssembly.Module {
  let mod = modules.get(name);
  if (!mod) {
    mod = new WebAssembly.Module(decodeBase64(name === 'single' ? singleWasm : threadedWasm));
    modules.set(name, mod);
  }
  return mod;
}

// A variable specifier keeps browser bundlers from trying to resolve the Node module.
const osModule = 'node:os';

/** Cores this process may use: os.availableParallelism() in Node, navigator.hardwareConcurrency elsewhere. */
async function availableCores(): Promise<number | undefined> {
  if (isNode()) {
    try {
      const os = (await import(/* @vite-ignore */ osModule)) as typeof import('node:os');
      return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    } catch {
      return undefined;
    }
  }
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
}

/** 2 threads, or 1 on a single-core machine (a second thread there only competes for the core). */
async function defaultThreads(): Promise<number> {
  const cores = await availableCores();
  return Math.max(1, Math.min(2, cores ?? 2));
}

/** Creates the kernels; starts workers when threads > 1 and the engine allows it. */
export async function createWasmKernels(options: WasmKernelsOptions = {}): Promise<WasmKernels> {
  const features = detectFeatures();
  if (!features.simd) throw new Error('@attn/wasm: this JavaScript engine has no WebAssembly SIMD');
  let threads = Math.max(1, Math.floor(options.threads ?? (await defaultThreads())));
  if (threads > MAX_WORKERS + 1) throw new Error(`@attn/wasm: threads must be at most ${MAX_WORKERS + 1}, got ${threads}`);
  if (!features.threads) threads = 1;
  const residentBytes = options.residentBytes ?? DEFAULT_RESIDENT_BYTES;
  if (!(residentBytes >= 0)) throw new Error(`@attn/wasm: residentBytes must be a number >= 0, got ${residentBytes}`);
  // Shared memory whenever the engine has it, even for one thread: resident views need it.
  const kernels = new WasmKernels(features.threads, threads, options.minParallelFlops ?? 2 ** 20, features.threads ? residentBytes : 0);
  if (threads > 1) {
    try {
      await kernels.startWorkers();
    } catch {
      // Workers could not start (e.g. a Content Security Policy forbids blob: workers):
      // compute on the calling thread alone rather than fail.
      kernels.stopWorkers();
    }
  }
  return kernels;
}

export class WasmKernels {
  readonly memory: WebAssembly.Memory;
  private readonly module: WebAssembly.Module;
  private readonly exports: KernelExports;
  private readonly ctrlPtr: number;
  private readonly wsPtrs: number[];
  /** Resident tensor values and per-call temporaries. */
  readonly heap: WasmHeap;
  private ctrl: Int32Array;
  private workers: StartedWorker[] = [];
  /** Browsers forbid Atomics.wait on the main thread; there we spin instead. */
  private readonly canBlock: boolean;

  /** Use createWasmKernels(); this constructor does not start workers. */
  constructor(
    shared: boolean,
    private readonly maxThreads: number,
    private readonly minParallelFlops: number,
    residentBytes = 0,
  ) {
    this.module = compiled(shared ? 'threaded' : 'single');
    this.memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared });
    this.exports = new WebAssembly.Instance(this.module, { env: { memory: this.memory } })
      .exports as unknown as KernelExports;
    const heapBase = align(this.exports.__heap_base.value as number);
    const wsBytes = align(this.exports.matmul_ws_floats() * 4);
    this.ctrlPtr = heapBase;
    this.wsPtrs = [];
    let p = align(this.ctrlPtr + CTRL_INTS * 4);
    for (let t = 0; t < maxThreads; t++, p += wsBytes) this.wsPtrs.push(p);
    this.ensureBytes(p);
    this.heap = new WasmHeap(this.memory, p, shared ? residentBytes : 0, (bytes) => this.ensureBytes(bytes));
    this.ctrl = new Int32Array(this.memory.buffer, this.ctrlPtr, CTRL_INTS);
    this.canBlock = canAtomicsWait(this.ctrl);
  }

  /** Threads that currently compute (1 + running workers). */
  get threads(): number {
    return 1 + this.workers.length;
  }

  /** @internal Starts maxThreads - 1 workers on the shared memory. */
  async startWorkers(): Promise<void> {
    const inits = [];
    for (let index = 1; index < this.maxThreads; index++) {
      inits.push({ module: this.module, memory: this.memory, ctrlPtr: this.ctrlPtr, wsPtr: this.wsPtrs[index], index });
    }
    this.workers = await startWorkers(inits);
    this.warmUp();
  }

  /**
   * Runs a few small products split across every thread. V8 first runs wasm
   * with its baseline compiler and tiers a function up only after it has run
   * for a while, separately in each worker; without this, the first real
   * products on a fresh worker run several times slower.
   */
  private warmUp(): void {
    const n = 96;
    const a = new Float32Array(n * n).fill(1);
    const plan = planMatmul([n, n], [n, n]);
    for (let i = 0; i < 30; i++) this.runCalls(a, a, plan.calls, n * n, Number.POSITIVE_INFINITY, false);
  }

  /** @internal Stops the workers; later calls run on the calling thread. */
  stopWorkers(): void {
    if (this.workers.length === 0) return;
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    for (const w of this.workers) w.terminate();
    this.workers = [];
  }

  /** Stops the workers. The kernels stay usable on one thread. */
  dispose(): void {
    this.stopWorkers();
  }

  /**
   * op(A) @ op(B) for row-major float32 operands of at least 2 dims, with
   * broadcast batch dims (like numpy.matmul). Returns the result and its shape.
   */
  matmul(
    a: Float32Array,
    aShape: readonly number[],
    b: Float32Array,
    bShape: readonly number[],
    opts: MatmulOptions = {},
  ): { data: Float32Array; shape: number[] } {
    checkSize('A', a, aShape);
    checkSize('B', b, bShape);
    const plan = planMatmul(aShape, bShape, opts);
    const outSize = plan.outShape.reduce((p, d) => p * d, 1);
    // A plain array: callers of this convenience API own their results outright.
    return { data: this.runCalls(a, b, plan.calls, outSize, plan.flops, false), shape: plan.outShape };
  }

  /**
   * Runs planned single-matrix calls (offsets into a, b and a fresh output of
   * outSize floats) and returns the output: a resident view when `resident`
   * and there is room (as every kernel method here does), else a plain array.
   * The tensor backend calls this with the offsets and strides @attn/tensor's
   * MatMul contract hands it.
   */
  runCalls(a: Float32Array, b: Float32Array, calls: MatrixCall[], outSize: number, flops: number, resident = true): Float32Array {
    if (outSize === 0) return new Float32Array(0);
    const threads = flops >= this.minParallelFlops ? this.threads : 1;
    const parts = splitCalls(calls, threads);
    const callCount = parts.reduce((n, part) => n + part.length, 0);
    return this.runOnHeap([a, b], [outSize], resident, ([aPtr, bPtr], [cPtr]) => {
      if (threads === 1) {
        for (const call of parts[0]) this.callOnThisThread(call, aPtr, bPtr, cPtr, this.wsPtrs[0]);
        return;
      }
      const tablePtr = this.heap.allocTemp(callCount * CALL_INTS);
      try {
        this.runParallel(parts, aPtr, bPtr, cPtr, tablePtr);
      } finally {
        this.heap.freeTemp(tablePtr);
      }
    })[0];
  }

  /**
   * Stores values as a resident view (copied in once, then read in place by
   * every kernel), or returns null when residency is off or over budget.
   */
  toResident(values: Float32Array): Float32Array | null {
    if (this.heap.owns(values)) return values;
    const view = this.heap.allocResident(values.length);
    view?.set(values);
    return view;
  }

  /**
   * A fresh output of `floats` floats for a kernel written in JavaScript (row
   * copies): a resident view when there is room, else a plain array. Zeroed
   * only when asked (resident memory is reused).
   */
  newOutput(floats: number, zeroed: boolean): Float32Array {
    const view = this.heap.allocResident(floats);
    if (!view) return new Float32Array(floats);
    if (zeroed) view.fill(0);
    return view;
  }

  /** Whether `values` is a resident view of this kernels' memory. */
  isResident(values: Float32Array): boolean {
    return this.heap.owns(values);
  }

  /** Frees a resident view now (its tensor was disposed); other arrays are left to the garbage collector. */
  free(values: Float32Array): void {
    this.heap.freeResident(values);
  }

  /** GELU, tanh approximation, elementwise (on the calling thread: it is memory-bound). */
  geluTanh(x: Float32Array): Float32Array {
    return this.runOnHeap([x], [x.length], true, ([px], [py]) => this.exports.gelu_tanh_f32(px, py, x.length))[0];
  }

  /** dy * gelu'(x), elementwise, for the tanh approximation. */
  geluTanhGrad(dy: Float32Array, x: Float32Array): Float32Array {
    if (dy.length !== x.length) throw new Error(`geluTanhGrad: dy has ${dy.length} elements but x has ${x.length}`);
    return this.runOnHeap([dy, x], [x.length], true, ([pdy, px], [pdx]) => this.exports.gelu_tanh_grad_f32(pdy, px, pdx, x.length))[0];
  }

  /**
   * Runs a kernel with the addresses of its inputs (resident views in place,
   * other arrays copied into temporaries; a null input is address 0) and of
   * its outputs (`outSizes` floats each), and returns the outputs: resident
   * views when there is room, else plain arrays copied out.
   */
  private runOnHeap(
    inputs: readonly (Float32Array | null)[],
    outSizes: readonly number[],
    resident: boolean,
    kernel: (inPtrs: number[], outPtrs: number[]) => void,
  ): Float32Array[] {
    const temps: number[] = [];
    try {
      const inPtrs = inputs.map((x) => {
        if (!x) return 0;
        if (this.heap.owns(x)) return x.byteOffset;
        const at = this.heap.allocTemp(x.length);
        temps.push(at);
        new Float32Array(this.memory.buffer, at, x.length).set(x);
        return at;
      });
      const outs = outSizes.map((n) => (resident ? this.heap.allocResident(n) : null));
      const outPtrs = outs.map((view, i) => {
        if (view) return view.byteOffset;
        const at = this.heap.allocTemp(outSizes[i]);
        temps.push(at);
        return at;
      });
      try {
        kernel(inPtrs, outPtrs);
      } catch (err) {
        for (const view of outs) if (view) this.heap.freeResident(view);
        throw err;
      }
      return outs.map((view, i) => view ?? new Float32Array(this.memory.buffer, outPtrs[i], outSizes[i]).slice());
    } finally {
      for (const t of temps) this.heap.freeTemp(t);
    }
  }

  /** out (rows x cols) = a (op) b, each operand read through its layout (see OPERAND_LAYOUTS). */
  binary(
    op: keyof typeof BINARY_OPS,
    a: Float32Array,
    aLayout: OperandLayout,
    b: Float32Array,
    bLayout: OperandLayout,
    rows: number,
    cols: number,
  ): Float32Array {
    return this.runOnHeap([a, b], [rows * cols], true, ([pa, pb], [po]) =>
      this.exports.binary_f32(BINARY_OPS[op], pa, OPERAND_LAYOUTS[aLayout], pb, OPERAND_LAYOUTS[bLayout], po, rows, cols),
    )[0];
  }

  /** Sum over the middle axis of x viewed as (outer, length, inner): returns (outer, inner). */
  sumAxis(x: Float32Array, outer: number, length: number, inner: number): Float32Array {
    if (length === 0) return new Float32Array(outer * inner);
    return this.runOnHeap([x], [outer * inner], true, ([px], [po]) => {
      if (inner === 1) this.exports.sum_rows_f32(px, po, outer, length);
      else this.exports.sum_axis_f32(px, po, outer, length, inner);
    })[0];
  }

  /** x with `value` wherever mask != 0; the mask repeats every mask.length elements of x. */
  maskedFill(x: Float32Array, mask: Float32Array, value: number): Float32Array {
    return this.runOnHeap([x, mask], [x.length], true, ([px, pm], [po]) =>
      this.exports.masked_fill_f32(px, pm, po, x.length, mask.length, value),
    )[0];
  }

  /**
   * A permutation that keeps the last axis: output row (i0, i1, i2) of the
   * output's leading dims `dims` is input row i0*s0 + i1*s1 + i2*s2 (`rowStrides`, in rows).
   */
  permuteRows(x: Float32Array, dims: readonly [number, number, number], rowStrides: readonly [number, number, number], row: number): Float32Array {
    return this.runOnHeap([x], [x.length], true, ([px], [po]) =>
      this.exports.permute_rows_f32(px, po, dims[0], dims[1], dims[2], rowStrides[0], rowStrides[1], rowStrides[2], row),
    )[0];
  }

  /** Softmax along each row of x viewed as (rows, cols). */
  softmax(x: Float32Array, rows: number, cols: number): Float32Array {
    return this.runOnHeap([x], [x.length], true, ([px], [py]) => this.exports.softmax_f32(px, py, rows, cols))[0];
  }

  /** dx = y * (dy - sum(dy * y)) along each row, where y = softmax(x). */
  softmaxGrad(y: Float32Array, dy: Float32Array, rows: number, cols: number): Float32Array {
    return this.runOnHeap([y, dy], [y.length], true, ([py, pdy], [pdx]) => this.exports.softmax_grad_f32(py, pdy, pdx, rows, cols))[0];
  }

  /** Layer norm over each row of (rows, cols): returns [y, mean (rows), rstd (rows)]. */
  layerNorm(x: Float32Array, weight: Float32Array | null, bias: Float32Array | null, rows: number, cols: number, eps: number): Float32Array[] {
    return this.runOnHeap([x, weight, bias], [x.length, rows, rows], true, ([px, pw, pb], [py, pm, pr]) =>
      this.exports.layer_norm_f32(px, pw, pb, py, pm, pr, rows, cols, eps),
    );
  }

  /** One fused AdamW update (see KernelAttrs.AdamW in @attn/tensor): returns [param', m', v']. */
  adamw(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    h: { beta1: number; beta2: number; eps: number; stepSize: number; invSqrtBias2: number; keep: number },
  ): Float32Array[] {
    const n = param.length;
    return this.runOnHeap([param, grad, m, v], [n, n, n], true, ([pp, pg, pm, pv], [po, mo, vo]) =>
      this.exports.adamw_f32(pp, pg, pm, pv, po, mo, vo, n, h.beta1, h.beta2, h.eps, h.stepSize, h.invSqrtBias2, h.keep),
    );
  }

  /** Layer norm backward: returns [dx (rows, cols), dweight (cols), dbias (cols)]. */
  layerNormGrad(
    x: Float32Array,
    weight: Float32Array | null,
    means: Float32Array,
    rstds: Float32Array,
    dy: Float32Array,
    rows: number,
    cols: number,
  ): Float32Array[] {
    return this.runOnHeap([x, weight, means, rstds, dy], [x.length, cols, cols], true, ([px, pw, pm, pr, pdy], [pdx, pdw, pdb]) =>
      this.exports.layer_norm_grad_f32(px, pw, pm, pr, pdy, pdx, pdw, pdb, rows, cols),
    );
  }

  private callOnThisThread(call: MatrixCall, aPtr: number, bPtr: number, cPtr: number, wsPtr: number): void {
    this.exports.matmul_f32(
      aPtr + call.aOffset * 4,
      bPtr + call.bOffset * 4,
      cPtr + call.cOffset * 4,
      call.M,
      call.N,
      call.K,
      call.rsa,
      call.csa,
      call.rsb,
      call.csb,
      call.ldc,
      wsPtr,
    );
  }

  /** Part 0 runs here; part w on worker w, or here when that worker is late. Returns when all parts are done. */
  private runParallel(parts: MatrixCall[][], aPtr: number, bPtr: number, cPtr: number, tablePtr: number): void {
    const table = new Int32Array(this.memory.buffer, tablePtr);
    const ctrl = this.ctrl;
    let e = 0;
    for (let w = 0; w < parts.length; w++) {
      ctrl[SLOTS + 2 * w] = e;
      for (const c of parts[w]) {
        const o = e++ * CALL_INTS;
        table[o] = aPtr + c.aOffset * 4;
        table[o + 1] = bPtr + c.bOffset * 4;
        table[o + 2] = cPtr + c.cOffset * 4;
        table[o + 3] = c.M;
        table[o + 4] = c.N;
        table[o + 5] = c.K;
        table[o + 6] = c.rsa;
        table[o + 7] = c.csa;
        table[o + 8] = c.rsb;
        table[o + 9] = c.csb;
        table[o + 10] = c.ldc;
      }
      ctrl[SLOTS + 2 * w + 1] = e;
    }
    ctrl[TABLE] = tablePtr;
    Atomics.store(ctrl, ERROR, 0);
    Atomics.store(ctrl, PENDING, parts.length - 1);
    // Clearing the claim flags last publishes the ranges to a worker that claims one.
    for (let w = 1; w < parts.length; w++) Atomics.store(ctrl, CLAIMS + w, 0);
    Atomics.add(ctrl, GEN, 1); // publishes everything written above
    Atomics.notify(ctrl, GEN);
    let failure: unknown = null;
    try {
      for (const call of parts[0]) this.callOnThisThread(call, aPtr, bPtr, cPtr, this.wsPtrs[0]);
    } catch (err) {
      failure = err;
    }
    // A worker that has not claimed its part yet is at least a whole part
    // behind (it is asleep or descheduled): running the part here is no slower
    // than waiting for it, and the result never depends on a worker waking up.
    // After a failure, claim without running so no worker starts on the arena.
    for (let w = 1; w < parts.length; w++) {
      if (Atomics.compareExchange(ctrl, CLAIMS + w, 0, 1) !== 0) continue;
      if (!failure) {
        try {
          for (const call of parts[w]) this.callOnThisThread(call, aPtr, bPtr, cPtr, this.wsPtrs[0]);
        } catch (err) {
          failure = err;
        }
      }
      Atomics.sub(ctrl, PENDING, 1);
    }
    // Never return (and reuse the arena) while a worker may still be writing.
    // A worker that claimed its part is running it: poll briefly, then sleep
    // in bounded slices, re-checking PENDING each time.
    const spinUntil = performance.now() + 1;
    for (;;) {
      const pending = Atomics.load(ctrl, PENDING);
      if (pending === 0) break;
      if (this.canBlock && performance.now() > spinUntil) Atomics.wait(ctrl, PENDING, pending, WAIT_SLICE_MS);
    }
    if (failure) throw failure;
    if (Atomics.load(ctrl, ERROR)) throw new Error('matmul: a WebAssembly worker failed while computing');
  }

  private ensureBytes(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) {
      const mib = (bytes / 2 ** 20).toFixed(0);
      throw new Error(`@attn/wasm: an op needs ${mib} MiB of WebAssembly memory, more than the ${MAX_PAGES / 16} MiB limit`);
    }
    this.memory.grow(pages);
    this.ctrl = new Int32Array(this.memory.buffer, this.ctrlPtr, CTRL_INTS);
  }
}

function checkSize(name: string, data: Float32Array, shape: readonly number[]): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`matmul: ${name} has an invalid shape [${shape.join(',')}]`);
  }
  const size = shape.reduce((p, d) => p * d, 1);
  if (data.length !== size) {
    throw new Error(`matmul: ${name} has ${data.length} elements but shape [${shape.join(',')}] needs ${size}`);
  }
}

function canAtomicsWait(ctrl: Int32Array): boolean {
  // Pages that are not cross-origin isolated have no SharedArrayBuffer global at all.
  if (typeof SharedArrayBuffer !== 'function' || !(ctrl.buffer instanceof SharedArrayBuffer)) return false;
  try {
    Atomics.wait(ctrl, STOP, 1, 0); // value differs: returns "not-equal" at once where waiting is allowed
    return true;
  } catch {
    return false;
  }
}
