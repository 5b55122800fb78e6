// WasmKernels: the WebAssembly SIMD kernels, their memory, and (optionally) the
// worker threads that share that memory. A kernel's operands are either
// resident views (Float32Arrays over wasm memory that this object handed out,
// read in place) or plain arrays (copied in for the call); its outputs are new
// resident views when resident memory is on and has room, otherwise plain
// arrays copied out. See heap.ts.
//
// Every kernel runs as a job of tasks (tasks.ts): one share per thread when
// the work is large enough (a band of rows, a range of elements, some heads),
// else one task on the calling thread. The calling thread runs share 0 and
// the workers the others (see protocol.ts for the handshake).
//
// Memory layout (byte addresses, all 64-byte aligned):
//   [0, heapBase)            the module's own static data and (unused) C stack
//   ctrl                     control block shared with the workers (protocol.ts)
//   table                    the task table of small jobs (larger ones get a temporary)
//   ws[0..threads)           one matmul scratch area per thread (packed panels)
//   heap                     resident tensor values and per-call temporaries (WasmHeap)
import { decodeBase64 } from './base64.js';
import { detectFeatures, enableRelaxedSimdFlag, isNode } from './features.js';
import { WasmHeap } from './heap.js';
import { MAX_PAGES, singleRelaxedWasm, singleWasm, threadedRelaxedWasm, threadedWasm } from './kernels.generated.js';
import { type MatmulOptions, type MatrixCall, planMatmul, splitCalls, splitDepth } from './plan.js';
import { type StartedWorker, startWorkers } from './pool.js';
import { CLAIMS, CTRL_INTS, ERROR, GEN, MAX_WORKERS, PENDING, SLOTS, SPIN_US, STOP, TABLE, WAIT_SLICE_MS } from './protocol.js';
import { floatBits, type Job, splitRange, TASK, TASK_INTS, type Task } from './tasks.js';

export interface WasmKernelsOptions {
  /**
   * Threads to compute on, the calling thread included (default 2, capped by
   * the machine's core count). 1 means no workers. Ignored (1) when the engine
   * lacks shared memory, e.g. a page that is not cross-origin isolated.
   */
  threads?: number;
  /**
   * Smallest matmul or attention, in floating-point operations, that is split
   * across threads (default 2^19). Below it, handing a share to a worker costs
   * more than it saves.
   */
  minParallelFlops?: number;
  /**
   * Smallest memory-bound kernel (softmax, layer norm, GELU, elementwise,
   * AdamW...), in elements, that is split across threads (default 2^14).
   */
  minParallelElements?: number;
  /**
   * Most bytes of tensor values kept resident in wasm memory between kernels
   * (default 512 MiB; 0 turns residency off: every kernel copies its operands
   * in and its outputs out). Needs shared memory (a view of a non-shared
   * memory dies when it grows), so it is off where threads are unavailable.
   */
  residentBytes?: number;
  /**
   * Use the modules built with relaxed SIMD's fused multiply-add (faster
   * matmul and attention). Default: when the engine supports it (Chromium
   * does; Node 20 does once V8's --experimental-wasm-relaxed-simd flag is set,
   * which detectFeatures() does). false forces the plain modules; true throws
   * where relaxed SIMD is missing.
   */
  relaxedSimd?: boolean;
}

interface KernelExports {
  run_tasks(table: number, start: number, end: number, ws: number): void;
  task_ints(): number;
  matmul_ws_floats(): number;
  rows_max_m(): number;
  attention_ws_floats(Tq: number, Tk: number, D: number, Dv: number, backward: number): number;
  simd_peak_f32(iters: number, seed: number): number;
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

/** Hyperparameters of one AdamW update (see KernelAttrs.AdamW in @attn/tensor). */
export interface AdamWHyper {
  beta1: number;
  beta2: number;
  eps: number;
  stepSize: number;
  invSqrtBias2: number;
  keep: number;
}

/** Shapes of a fused attention call: `heads` independent (T, D) problems (see attention.c). */
export interface AttentionShape {
  heads: number;
  /** Queries per head. */
  tq: number;
  /** Keys (and values) per head that take part. */
  tk: number;
  /**
   * Rows of k and v per head in memory (default tk): more when they are a
   * key/value cache preallocated for more positions than it holds; only the
   * first tk take part, and the gradient's other rows are 0.
   */
  kvRows?: number;
  /** Width of queries and keys. */
  d: number;
  /** Width of values and outputs. */
  dv: number;
  /** Multiplies every score (usually 1 / sqrt(d)). */
  scale: number;
  /** Query i sees key j iff j <= i + tk - tq. */
  causal: boolean;
}

/** Shapes of a packed self-attention call (see attentionQkv): `batch` entries of T rows of qkv (3 * heads * d wide). */
export interface PackedAttentionShape {
  batch: number;
  /** Positions per entry (queries = keys). */
  t: number;
  heads: number;
  /** Width of each head's queries, keys, values and output. */
  d: number;
  scale: number;
  causal: boolean;
}

const PAGE = 65536;
/** Tasks the fixed table holds; jobs with more get a temporary table. */
const TABLE_TASKS = 256;
/** Alignment (floats) of the boundaries between threads' shares of an array: one cache line. */
const SHARE_ALIGN = 16;

/**
 * How long workers (and the calling thread, waiting for them) poll before
 * sleeping, in microseconds: long while workers keep up, short when they
 * arrive late, a sign of more runnable threads than cores, where polling only
 * takes time from the threads doing the work. Judged on jobs whose share on
 * the calling thread took at least LATE_JOB_US (long enough for any awake
 * worker to start), as a moving average with hysteresis.
 */
const SPIN_LONG_US = 2000;
const SPIN_SHORT_US = 100;
const LATE_JOB_US = 150;

/** Default cap on resident tensor bytes (see WasmKernelsOptions.residentBytes). */
export const DEFAULT_RESIDENT_BYTES = 512 * 2 ** 20;
const align = (n: number, to = 64) => Math.ceil(n / to) * to;
const modules = new Map<string, WebAssembly.Module>();

function compiled(shared: boolean, relaxed: boolean): WebAssembly.Module {
  const key = `${shared ? 'threaded' : 'single'}${relaxed ? 'Relaxed' : ''}`;
  let mod = modules.get(key);
  if (!mod) {
    const source = shared ? (relaxed ? threadedRelaxedWasm : threadedWasm) : relaxed ? singleRelaxedWasm : singleWasm;
    if (relaxed) enableRelaxedSimdFlag();
    mod = new WebAssembly.Module(decodeBase64(source));
    modules.set(key, mod);
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
  if (options.relaxedSimd === true && !features.relaxedSimd) {
    throw new Error('@attn/wasm: relaxedSimd: true, but this engine has no WebAssembly relaxed SIMD');
  }
  const relaxed = options.relaxedSimd ?? features.relaxedSimd;
  let threads = Math.max(1, Math.floor(options.threads ?? (await defaultThreads())));
  if (threads > MAX_WORKERS + 1) throw new Error(`@attn/wasm: threads must be at most ${MAX_WORKERS + 1}, got ${threads}`);
  if (!features.threads) threads = 1;
  const residentBytes = options.residentBytes ?? DEFAULT_RESIDENT_BYTES;
  if (!(residentBytes >= 0)) throw new Error(`@attn/wasm: residentBytes must be a number >= 0, got ${residentBytes}`);
  // Shared memory whenever the engine has it, even for one thread: resident views need it.
  const kernels = new WasmKernels({
    shared: features.threads,
    maxThreads: threads,
    minParallelFlops: options.minParallelFlops ?? 2 ** 19,
    minParallelElements: options.minParallelElements ?? 2 ** 14,
    residentBytes: features.threads ? residentBytes : 0,
    relaxedSimd: relaxed,
  });
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

/** How a WasmKernels is built (createWasmKernels fills it from WasmKernelsOptions). */
export interface WasmKernelsConfig {
  /** Shared memory (needed for workers and resident views). */
  shared: boolean;
  /** Threads to start, the calling one included. */
  maxThreads: number;
  minParallelFlops: number;
  minParallelElements: number;
  residentBytes: number;
  /** Which build: relaxed SIMD's fused multiply-add, or plain SIMD. */
  relaxedSimd: boolean;
}

export class WasmKernels {
  readonly memory: WebAssembly.Memory;
  /** Whether these kernels run the relaxed-SIMD build (fused multiply-add). */
  readonly relaxedSimd: boolean;
  private readonly module: WebAssembly.Module;
  private readonly exports: KernelExports;
  private readonly ctrlPtr: number;
  private readonly tablePtr: number;
  private readonly wsPtrs: number[];
  private readonly maxThreads: number;
  private readonly minParallelFlops: number;
  private readonly minParallelElements: number;
  /** Most rows of op(A) that csrc/gemv.c's few-row matmul takes with a row-major B (ROWS_MAX_M). */
  private readonly rowsMaxM: number;
  /** Resident tensor values and per-call temporaries. */
  readonly heap: WasmHeap;
  private ctrl: Int32Array;
  /** The whole memory as int32 words (refreshed when the memory grows). */
  private words: Int32Array;
  private workers: StartedWorker[] = [];
  /** Browsers forbid Atomics.wait on the main thread; there we spin instead. */
  private readonly canBlock: boolean;
  /**
   * Jobs shared among threads so far, the parts of them the calling thread
   * ran itself because their worker had not started yet (a descheduled or
   * sleeping worker: a high share means the second thread is not helping), and
   * how long idle workers currently poll for work (microseconds).
   */
  readonly parallelStats = { jobs: 0, parts: 0, runHere: 0, pollUs: SPIN_LONG_US };
  /** Moving average of the share of workers late for long jobs (see SPIN_LONG_US). */
  private lateness = 0;
  private spinUs = SPIN_LONG_US;

  /** Use createWasmKernels(); this constructor does not start workers. */
  constructor(config: WasmKernelsConfig) {
    this.maxThreads = config.maxThreads;
    this.minParallelFlops = config.minParallelFlops;
    this.minParallelElements = config.minParallelElements;
    this.relaxedSimd = config.relaxedSimd;
    this.module = compiled(config.shared, config.relaxedSimd);
    this.memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: config.shared });
    this.exports = new WebAssembly.Instance(this.module, { env: { memory: this.memory } }).exports as unknown as KernelExports;
    if (this.exports.task_ints() !== TASK_INTS) {
      throw new Error(`@attn/wasm: the module's tasks have ${this.exports.task_ints()} words, tasks.ts says ${TASK_INTS}`);
    }
    this.rowsMaxM = this.exports.rows_max_m();
    const heapBase = align(this.exports.__heap_base.value as number);
    const wsBytes = align(this.exports.matmul_ws_floats() * 4);
    this.ctrlPtr = heapBase;
    this.tablePtr = align(this.ctrlPtr + CTRL_INTS * 4);
    this.wsPtrs = [];
    let p = align(this.tablePtr + TABLE_TASKS * TASK_INTS * 4);
    for (let t = 0; t < this.maxThreads; t++, p += wsBytes) this.wsPtrs.push(p);
    this.ensureBytes(p);
    this.heap = new WasmHeap(this.memory, p, config.shared ? config.residentBytes : 0, (bytes) => this.ensureBytes(bytes));
    this.ctrl = new Int32Array(this.memory.buffer, this.ctrlPtr, CTRL_INTS);
    this.words = new Int32Array(this.memory.buffer);
    // Every part's claim flag starts taken: a worker only runs a part that a job hands out.
    for (let w = 0; w <= MAX_WORKERS; w++) this.ctrl[CLAIMS + w] = 1;
    this.ctrl[SPIN_US] = this.spinUs;
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
      inits.push({
        module: this.module,
        memory: this.memory,
        ctrlPtr: this.ctrlPtr,
        wsPtr: this.wsPtrs[index],
        index,
        relaxedSimd: this.relaxedSimd,
      });
    }
    this.workers = await startWorkers(inits);
    this.warmUp();
  }

  /**
   * Runs a few small products split across every thread. V8 first runs wasm
   * with its baseline compiler and tiers a function up only after it has run
   * for a while; without this, the first real products on a fresh worker run
   * several times slower.
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

  // ---- resident memory --------------------------------------------------

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

  // ---- compute-bound kernels ---------------------------------------------

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
   * outSize floats), adding `bias` (one value per column of every call) when
   * given, and returns the output: a resident view when `resident`
   * and there is room (as every kernel method here does), else a plain array.
   * The tensor backend calls this with the offsets and strides @attn/tensor's
   * MatMul contract hands it.
   */
  runCalls(a: Float32Array, b: Float32Array, calls: MatrixCall[], outSize: number, flops: number, resident = true, bias: Float32Array | null = null): Float32Array {
    if (outSize === 0) return new Float32Array(0);
    const threads = flops >= this.minParallelFlops ? this.threads : 1;
    const pieces = calls.length === 1 ? splitDepth(calls[0], threads, this.rowsMaxM) : null;
    if (pieces) return this.runDepthSplit(a, b, calls[0], pieces, outSize, resident, bias);
    const parts = splitCalls(calls, threads);
    return this.runOnHeap([a, b, bias], [outSize], resident, ([pa, pb, pbias], [pc]) => {
      // a call's first column is cOffset mod ldc (calls start on a row, or at a band of columns), and so is its bias's
      this.runJob(parts.map((part) => part.map((c) => matmulTask(pa, pb, pc + c.cOffset * 4, c, pbias && pbias + (c.cOffset % c.ldc) * 4))));
    })[0];
  }

  /**
   * One product (a single call) and the column sums of its op(B), as
   * [C, sums (call.N)]: the sums are taken from each packed block of B (see
   * csrc/matmul.c), by every band of columns for its own columns, or by the
   * first band of rows alone (the others pack the same B).
   */
  runCallWithColumnSums(a: Float32Array, b: Float32Array, call: MatrixCall, flops: number): Float32Array[] {
    const outSize = call.M * call.N;
    const threads = flops >= this.minParallelFlops ? this.threads : 1;
    const parts = splitCalls([call], threads);
    return this.runOnHeap([a, b], [outSize, call.N], true, ([pa, pb], [pc, ps]) => {
      // a band's first column is cOffset mod ldc; only bands in the first row band start below ldc
      const sums = (c: MatrixCall) => (c.cOffset - call.cOffset < call.ldc ? ps + ((c.cOffset - call.cOffset) % call.ldc) * 4 : 0);
      this.runJob(parts.map((part) => part.map((c) => matmulTask(pa, pb, pc + (c.cOffset - call.cOffset) * 4, c, 0, sums(c)))));
    });
  }

  /**
   * A few-row product shared by depth (plan.ts splitDepth): each thread
   * streams its own contiguous slice of B, the first into C and the others
   * into partial products, which are then added into C on this thread
   * (M x N floats, a few KiB: microseconds).
   */
  private runDepthSplit(
    a: Float32Array,
    b: Float32Array,
    call: MatrixCall,
    pieces: MatrixCall[],
    outSize: number,
    resident: boolean,
    bias: Float32Array | null,
  ): Float32Array {
    const { M, N, ldc } = call;
    return this.runOnHeap([a, b, bias], [outSize], resident, ([pa, pb, pbias], [pc]) => {
      const c = pc + call.cOffset * 4;
      this.withTemp((pieces.length - 1) * M * N, (partials) => {
        const partial = (t: number) => partials + (t - 1) * M * N * 4;
        this.runJob(pieces.map((p, t) => [t === 0 ? matmulTask(pa, pb, c, p) : matmulTask(pa, pb, partial(t), { ...p, ldc: N })]));
        const add = BINARY_OPS.add;
        const full = OPERAND_LAYOUTS.full;
        // C rows are ldc apart, the partials' N apart: one row per task when they differ
        const sums: Task[] = [];
        for (let t = 1; t < pieces.length; t++) {
          if (ldc === N) sums.push([TASK.BINARY, add, c, full, partial(t), full, c, M, N, N]);
          else for (let i = 0; i < M; i++) sums.push([TASK.BINARY, add, c + i * ldc * 4, full, partial(t) + i * N * 4, full, c + i * ldc * 4, 1, N, N]);
        }
        // the bias last, on every row of C (ldc apart)
        if (pbias) sums.push([TASK.BINARY, add, c, full, pbias + (call.cOffset % ldc) * 4, OPERAND_LAYOUTS.col, c, M, N, ldc]);
        this.runJob([sums]);
      });
    })[0];
  }

  /**
   * Fused attention forward (csrc/attention.c) over `heads` contiguous
   * (T, D) problems: q (heads, tq, d), k (heads, tk, d), v (heads, tk, dv).
   * Returns [out (heads, tq, dv), lse (heads, tq)], lse being each query's
   * log-sum-exp of scores, which the backward pass needs. Heads are shared
   * among the threads.
   */
  attention(q: Float32Array, k: Float32Array, v: Float32Array, s: AttentionShape): Float32Array[] {
    const kvRows = checkAttention(s, [q, k, v]);
    const parts = this.attentionShares(s);
    const wsFloats = this.exports.attention_ws_floats(s.tq, s.tk, s.d, s.dv, 0);
    return this.runOnHeap([q, k, v], [s.heads * s.tq * s.dv, s.heads * s.tq], true, ([pq, pk, pv], [po, pl]) =>
      this.withTemp(parts.length * wsFloats, (ws) =>
        this.runJob(
          parts.map(([h0, h1], i) => [
            [TASK.ATTENTION, pq, pk, pv, po, pl, h0, h1, s.tq, s.tk, s.d, s.dv, s.causal ? 1 : 0, ws + i * wsFloats * 4, kvRows, floatBits(s.scale)],
          ]),
        ),
      ),
    );
  }

  /**
   * Fused attention backward: from the forward's inputs, output and lse and
   * the output's gradient, returns [dq, dk, dv], recomputing the scores block
   * by block (never T x T in memory).
   */
  attentionGrad(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    out: Float32Array,
    lse: Float32Array,
    dout: Float32Array,
    s: AttentionShape,
  ): Float32Array[] {
    const kvRows = checkAttention(s, [q, k, v, out, lse, dout]);
    const parts = this.attentionShares(s);
    const wsFloats = this.exports.attention_ws_floats(s.tq, s.tk, s.d, s.dv, 1);
    const sizes = [s.heads * s.tq * s.d, s.heads * kvRows * s.d, s.heads * kvRows * s.dv];
    return this.runOnHeap([q, k, v, out, lse, dout], sizes, true, ([pq, pk, pv, po, pl, pg], [pdq, pdk, pdv]) =>
      this.withTemp(parts.length * wsFloats, (ws) =>
        this.runJob(
          parts.map(([h0, h1], i) => [
            [
              TASK.ATTENTION_GRAD,
              pq,
              pk,
              pv,
              po,
              pl,
              pg,
              pdq,
              pdk,
              pdv,
              h0,
              h1,
              s.tq,
              s.tk,
              s.d,
              s.dv,
              s.causal ? 1 : 0,
              ws + i * wsFloats * 4,
              kvRows,
              floatBits(s.scale),
            ],
          ]),
        ),
      ),
    );
  }

  /**
   * Fused self-attention read from a packed projection (see the
   * FusedSelfAttention contract in @attn/tensor): qkv (batch, T, 3 H D) ->
   * [out (batch, T, H D), lse (batch * H, T)]. Each head's q, k and v rows are
   * read where they lie in qkv and its output written where merging the heads
   * puts it: no slices or head transposes.
   */
  attentionQkv(qkv: Float32Array, s: PackedAttentionShape): Float32Array[] {
    const shape = checkPackedAttention(s, [qkv]);
    const parts = this.attentionShares(shape);
    const wsFloats = this.exports.attention_ws_floats(s.t, s.t, s.d, s.d, 0);
    const width = s.heads * s.d;
    return this.runOnHeap([qkv], [s.batch * s.t * width, shape.heads * s.t], true, ([pqkv], [po, pl]) =>
      this.withTemp(parts.length * wsFloats, (ws) =>
        this.runJob(
          parts.map(([h0, h1], i) => [
            [TASK.ATTENTION_QKV, pqkv, po, pl, h0, h1, s.heads, s.t, s.d, s.causal ? 1 : 0, ws + i * wsFloats * 4, floatBits(s.scale)],
          ]),
        ),
      ),
    );
  }

  /** Its backward pass: from qkv, out, lse and the output's gradient, returns dqkv (shaped like qkv). */
  attentionQkvGrad(qkv: Float32Array, out: Float32Array, lse: Float32Array, dout: Float32Array, s: PackedAttentionShape): Float32Array {
    const shape = checkPackedAttention(s, [qkv, out, lse, dout]);
    const parts = this.attentionShares(shape);
    const wsFloats = this.exports.attention_ws_floats(s.t, s.t, s.d, s.d, 1);
    return this.runOnHeap([qkv, out, lse, dout], [qkv.length], true, ([pqkv, po, pl, pg], [pd]) =>
      this.withTemp(parts.length * wsFloats, (ws) =>
        this.runJob(
          parts.map(([h0, h1], i) => [
            [TASK.ATTENTION_QKV_GRAD, pqkv, po, pl, pg, pd, h0, h1, s.heads, s.t, s.d, s.causal ? 1 : 0, ws + i * wsFloats * 4, floatBits(s.scale)],
          ]),
        ),
      ),
    )[0];
  }

  /** Heads per thread for an attention call: all on one thread when it is small. */
  private attentionShares(s: AttentionShape): [number, number][] {
    const flops = 4 * s.heads * s.tq * s.tk * (s.d + s.dv);
    return splitRange(s.heads, flops >= this.minParallelFlops ? this.threads : 1);
  }

  /**
   * The yardstick for the compute-bound kernels: the multiply-add rate of
   * this build with everything in registers (csrc/peak.c), on `threads`
   * threads at once, in GFLOP/s (summed over the threads). `iterations` of 96
   * flops per thread; the default takes about 10 ms.
   */
  simdPeak(threads = this.threads, iterations = 5_000_000): number {
    const n = Math.max(1, Math.min(threads, this.threads));
    return this.withTemp(16 * n, (out) => {
      const job: Job = Array.from({ length: n }, (_, i) => [[TASK.PEAK, iterations, out + 64 * i, floatBits(0.5)]]);
      const t0 = performance.now();
      this.runJob(job);
      const ms = performance.now() - t0;
      return (n * iterations * 96) / (ms * 1e6);
    });
  }

  /**
   * The yardstick for memory-bound work (a one-row matmul reads each weight
   * once, so decoding a token streams the whole model): how fast `threads`
   * threads together read a buffer of `bytes` bytes (default 256 MiB, far
   * beyond any cache) from wasm memory with SIMD loads, in GB/s (1e9 bytes per
   * second), the best of `repeats` passes. The buffer is written first, so
   * its pages are real memory rather than the operating system's shared zero
   * page, and freed afterwards (the memory stays grown). It holds ones, so the
   * threads' sums must add up to its length: a pass that skipped memory throws.
   */
  memoryBandwidth(threads = this.threads, bytes = 256 * 2 ** 20, repeats = 5): number {
    const n = Math.max(1, Math.min(threads, this.threads));
    const floats = Math.floor(bytes / 4 / 64) * 64;
    if (!(floats >= 64)) throw new Error(`memoryBandwidth: bytes must be at least 256, got ${bytes}`);
    return this.withTemp(floats + 16 * n, (buffer) => {
      new Float32Array(this.memory.buffer, buffer, floats).fill(1);
      const out = buffer + floats * 4;
      const job: Job = splitRange(floats, n, SHARE_ALIGN).map(([s, e], i) => [[TASK.STREAM_READ, buffer + 4 * s, e - s, out + 64 * i]]);
      let best = Number.POSITIVE_INFINITY;
      for (let r = 0; r < Math.max(1, repeats); r++) {
        const t0 = performance.now();
        this.runJob(job);
        best = Math.min(best, performance.now() - t0);
        const sums = new Float32Array(this.memory.buffer, out, 16 * n);
        let total = 0;
        for (let i = 0; i < n; i++) total += sums[16 * i];
        if (total !== floats) throw new Error(`memoryBandwidth: the threads summed ${total} ones, expected ${floats}`);
      }
      return (floats * 4) / (best * 1e6);
    });
  }

  // ---- memory-bound kernels ------------------------------------------------

  /** GELU, tanh approximation, elementwise. */
  geluTanh(x: Float32Array): Float32Array {
    const n = x.length;
    return this.runOnHeap([x], [n], true, ([px], [py]) =>
      this.runJob(this.elementShares(n).map(([s, e]) => [[TASK.GELU, px + 4 * s, py + 4 * s, e - s]])),
    )[0];
  }

  /** dy * gelu'(x), elementwise, for the tanh approximation. */
  geluTanhGrad(dy: Float32Array, x: Float32Array): Float32Array {
    if (dy.length !== x.length) throw new Error(`geluTanhGrad: dy has ${dy.length} elements but x has ${x.length}`);
    const n = x.length;
    return this.runOnHeap([dy, x], [n], true, ([pdy, px], [pdx]) =>
      this.runJob(this.elementShares(n).map(([s, e]) => [[TASK.GELU_GRAD, pdy + 4 * s, px + 4 * s, pdx + 4 * s, e - s]])),
    )[0];
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
    const code = BINARY_OPS[op];
    const [la, lb] = [OPERAND_LAYOUTS[aLayout], OPERAND_LAYOUTS[bLayout]];
    return this.runOnHeap([a, b], [rows * cols], true, ([pa, pb], [po]) => {
      const threads = this.sharesFor(rows * cols);
      // Where an operand's share starts: full operands move with rows and columns,
      // per-row values with rows, biases with columns, scalars never.
      const at = (p: number, layout: OperandLayout, r0: number, c0: number) =>
        layout === 'full' ? p + 4 * (r0 * cols + c0) : layout === 'row' ? p + 4 * r0 : layout === 'col' ? p + 4 * c0 : p;
      const task = (r0: number, r1: number, c0: number, c1: number): Task[] => [
        [TASK.BINARY, code, at(pa, aLayout, r0, c0), la, at(pb, bLayout, r0, c0), lb, po + 4 * (r0 * cols + c0), r1 - r0, c1 - c0, cols],
      ];
      if (rows >= 4 * threads) this.runJob(splitRange(rows, threads).map(([r0, r1]) => task(r0, r1, 0, cols)));
      else this.runJob(splitRange(cols, threads, SHARE_ALIGN).map(([c0, c1]) => task(0, rows, c0, c1)));
    })[0];
  }

  /** Sum over the middle axis of x viewed as (outer, length, inner): returns (outer, inner). */
  sumAxis(x: Float32Array, outer: number, length: number, inner: number): Float32Array {
    if (length === 0) return new Float32Array(outer * inner);
    return this.runOnHeap([x], [outer * inner], true, ([px], [po]) => {
      const threads = this.sharesFor(outer * length * inner);
      if (inner === 1) {
        this.runJob(splitRange(outer, threads).map(([o0, o1]) => [[TASK.SUM_ROWS, px + 4 * o0 * length, po + 4 * o0, o1 - o0, length]]));
      } else if (outer >= 2 * threads) {
        this.runJob(
          splitRange(outer, threads).map(([o0, o1]) => [[TASK.SUM_AXIS, px + 4 * o0 * length * inner, po + 4 * o0 * inner, o1 - o0, length, inner, inner]]),
        );
      } else {
        // e.g. a bias gradient: (1, rows, width) summed over the rows, shared by columns
        this.runJob(
          splitRange(inner, threads, SHARE_ALIGN).map(([i0, i1]) => [[TASK.SUM_AXIS, px + 4 * i0, po + 4 * i0, outer, length, inner, i1 - i0]]),
        );
      }
    })[0];
  }

  /** x with `value` wherever mask != 0; the mask repeats every mask.length elements of x. */
  maskedFill(x: Float32Array, mask: Float32Array, value: number): Float32Array {
    const n = x.length;
    return this.runOnHeap([x, mask], [n], true, ([px, pm], [po]) =>
      this.runJob(this.elementShares(n).map(([s, e]) => [[TASK.MASKED_FILL, px, pm, po, s, e, mask.length, floatBits(value)]])),
    )[0];
  }

  /**
   * A permutation that keeps the last axis: output row (i0, i1, i2) of the
   * output's leading dims `dims` is input row i0*s0 + i1*s1 + i2*s2 (`rowStrides`, in rows).
   */
  permuteRows(x: Float32Array, dims: readonly [number, number, number], rowStrides: readonly [number, number, number], row: number): Float32Array {
    const rows = dims[0] * dims[1] * dims[2];
    return this.runOnHeap([x], [x.length], true, ([px], [po]) =>
      this.runJob(
        splitRange(rows, this.sharesFor(x.length)).map(([r0, r1]) => [
          [TASK.PERMUTE_ROWS, px, po, dims[0], dims[1], dims[2], rowStrides[0], rowStrides[1], rowStrides[2], row, r0, r1],
        ]),
      ),
    )[0];
  }

  /**
   * Rows of `width` floats: row r of the output is `before` zeros, the
   * `width` floats of x at r * srcStride, then `after` zeros. Slice is
   * (srcStride = length * inner, no zeros) on x offset to the slice's start;
   * PadAxis, its gradient, the reverse.
   */
  copyRows(x: Float32Array, offset: number, srcStride: number, rows: number, width: number, before: number, after: number): Float32Array {
    const rowOut = before + width + after;
    return this.runOnHeap([x], [rows * rowOut], true, ([px], [po]) =>
      this.runJob(
        splitRange(rows, this.sharesFor(rows * rowOut)).map(([r0, r1]) => [
          [TASK.COPY_ROWS, px + 4 * (offset + r0 * srcStride), srcStride, po + 4 * r0 * rowOut, rowOut, r1 - r0, width, before, after],
        ]),
      ),
    )[0];
  }

  /**
   * Rows of x viewed as (outer, length, inner) picked by `indices` (an
   * embedding lookup): returns (outer, indices.length, inner) with
   * out[o, i, :] = x[o, indices[i], :]. Indices must lie in [0, length).
   */
  gather(x: Float32Array, indices: Int32Array, outer: number, length: number, inner: number): Float32Array {
    const count = indices.length;
    if (outer * count * inner === 0) return new Float32Array(0);
    return this.runOnHeap([x], [outer * count * inner], true, ([px], [po]) =>
      this.withTargets(indices, (pi) =>
        this.runJob(splitRange(count, this.sharesFor(outer * count * inner)).map(([i0, i1]) => [[TASK.GATHER, px, pi, po, outer, length, inner, count, i0, i1]])),
      ),
    )[0];
  }

  /**
   * The adjoint of gather (an embedding's gradient): zeros (outer, length,
   * inner) with dy[o, i, :] added at row indices[i] (repeats add up). Threads
   * share the columns, so none writes another's elements.
   */
  scatterAdd(dy: Float32Array, indices: Int32Array, outer: number, length: number, inner: number): Float32Array {
    const count = indices.length;
    if (count === 0 || outer * length * inner === 0) return this.newOutput(outer * length * inner, true);
    return this.runOnHeap([dy], [outer * length * inner], true, ([pd], [po]) =>
      this.withTargets(indices, (pi) =>
        this.runJob(
          splitRange(inner, this.sharesFor(outer * count * inner), SHARE_ALIGN).map(([c0, c1]) => [[TASK.SCATTER_ADD, pd, pi, po, outer, length, inner, count, c0, c1]]),
        ),
      ),
    )[0];
  }

  /** Softmax along each row of x viewed as (rows, cols). */
  softmax(x: Float32Array, rows: number, cols: number): Float32Array {
    return this.runOnHeap([x], [x.length], true, ([px], [py]) =>
      this.runJob(this.rowShares(rows, cols).map(([r0, r1]) => [[TASK.SOFTMAX, px + 4 * r0 * cols, py + 4 * r0 * cols, r1 - r0, cols]])),
    )[0];
  }

  /** dx = y * (dy - sum(dy * y)) along each row, where y = softmax(x). */
  softmaxGrad(y: Float32Array, dy: Float32Array, rows: number, cols: number): Float32Array {
    return this.runOnHeap([y, dy], [y.length], true, ([py, pdy], [pdx]) =>
      this.runJob(
        this.rowShares(rows, cols).map(([r0, r1]) => [
          [TASK.SOFTMAX_GRAD, py + 4 * r0 * cols, pdy + 4 * r0 * cols, pdx + 4 * r0 * cols, r1 - r0, cols],
        ]),
      ),
    )[0];
  }

  /** Layer norm over each row of (rows, cols): returns [y, mean (rows), rstd (rows)]. */
  layerNorm(x: Float32Array, weight: Float32Array | null, bias: Float32Array | null, rows: number, cols: number, eps: number): Float32Array[] {
    return this.runOnHeap([x, weight, bias], [x.length, rows, rows], true, ([px, pw, pb], [py, pm, pr]) =>
      this.runJob(
        this.rowShares(rows, cols).map(([r0, r1]) => [
          [TASK.LAYER_NORM, px + 4 * r0 * cols, pw, pb, py + 4 * r0 * cols, pm + 4 * r0, pr + 4 * r0, r1 - r0, cols, floatBits(eps)],
        ]),
      ),
    );
  }

  /**
   * Layer norm backward: returns [dx (rows, cols), dweight (cols), dbias (cols)].
   * Each thread sums dweight and dbias over its rows; the shares are added here.
   */
  layerNormGrad(
    x: Float32Array,
    weight: Float32Array | null,
    means: Float32Array,
    rstds: Float32Array,
    dy: Float32Array,
    rows: number,
    cols: number,
  ): Float32Array[] {
    return this.runOnHeap([x, weight, means, rstds, dy], [x.length, cols, cols], true, ([px, pw, pm, pr, pdy], [pdx, pdw, pdb]) => {
      const shares = this.rowShares(rows, cols);
      const task = (r0: number, r1: number, dw: number, db: number): Task[] => [
        [TASK.LAYER_NORM_GRAD, px + 4 * r0 * cols, pw, pm + 4 * r0, pr + 4 * r0, pdy + 4 * r0 * cols, pdx + 4 * r0 * cols, dw, db, r1 - r0, cols],
      ];
      if (shares.length <= 1) {
        this.runJob([task(0, rows, pdw, pdb)]);
        return;
      }
      const stride = align(cols * 4);
      this.withTemp((2 * stride * shares.length) / 4, (partials) => {
        this.runJob(shares.map(([r0, r1], i) => task(r0, r1, partials + 2 * i * stride, partials + (2 * i + 1) * stride)));
        const buf = this.memory.buffer;
        const dw = new Float32Array(buf, pdw, cols);
        const db = new Float32Array(buf, pdb, cols);
        dw.set(new Float32Array(buf, partials, cols));
        db.set(new Float32Array(buf, partials + stride, cols));
        for (let i = 1; i < shares.length; i++) {
          const w = new Float32Array(buf, partials + 2 * i * stride, cols);
          const b = new Float32Array(buf, partials + (2 * i + 1) * stride, cols);
          for (let c = 0; c < cols; c++) {
            dw[c] += w[c];
            db[c] += b[c];
          }
        }
      });
    });
  }

  /**
   * Cross-entropy of each row of logits (rows, cols) against `targets`
   * (one class per row): log-sum-exp minus the target's logit, 0 where the
   * target is `ignoreIndex`.
   */
  crossEntropy(logits: Float32Array, targets: Int32Array, ignoreIndex: number, rows: number, cols: number): Float32Array {
    return this.runOnHeap([logits], [rows], true, ([px], [pl]) =>
      this.withTargets(targets, (pt) =>
        this.runJob(this.rowShares(rows, cols).map(([r0, r1]) => [[TASK.CROSS_ENTROPY, px + 4 * r0 * cols, pt + 4 * r0, pl + 4 * r0, r1 - r0, cols, ignoreIndex]])),
      ),
    )[0];
  }

  /** Its gradient: (softmax(row) - onehot(target)) * dLoss[row], zero rows where ignored. */
  crossEntropyGrad(logits: Float32Array, dLoss: Float32Array, targets: Int32Array, ignoreIndex: number, rows: number, cols: number): Float32Array {
    return this.runOnHeap([logits, dLoss], [rows * cols], true, ([px, pd], [pdx]) =>
      this.withTargets(targets, (pt) =>
        this.runJob(
          this.rowShares(rows, cols).map(([r0, r1]) => [
            [TASK.CROSS_ENTROPY_GRAD, px + 4 * r0 * cols, pt + 4 * r0, pd + 4 * r0, pdx + 4 * r0 * cols, r1 - r0, cols, ignoreIndex],
          ]),
        ),
      ),
    )[0];
  }

  /** Copies class (or row) indices into a temporary block of wasm memory for fn. */
  private withTargets<T>(targets: Int32Array, fn: (address: number) => T): T {
    return this.withTemp(targets.length, (at) => {
      new Int32Array(this.memory.buffer, at, targets.length).set(targets);
      return fn(at);
    });
  }

  /** One fused AdamW update (see KernelAttrs.AdamW in @attn/tensor): returns [param', m', v']. */
  adamw(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, h: AdamWHyper): Float32Array[] {
    const n = param.length;
    const floats = [h.beta1, h.beta2, h.eps, h.stepSize, h.invSqrtBias2, h.keep].map(floatBits);
    return this.runOnHeap([param, grad, m, v], [n, n, n], true, ([pp, pg, pm, pv], [po, mo, vo]) =>
      this.runJob(
        this.elementShares(n).map(([s, e]) => {
          const at = (p: number) => p + 4 * s;
          return [[TASK.ADAMW, at(pp), at(pg), at(pm), at(pv), at(po), at(mo), at(vo), e - s, ...floats]];
        }),
      ),
    );
  }

  /**
   * AdamW over a group of parameters in one job (see KernelAttrs.AdamWGroup in
   * @attn/tensor): returns [param'_0.., m'_0.., v'_0..]. Parameters large
   * enough to share are cut into one range per thread; smaller ones go whole
   * to the thread with the fewest elements so far.
   */
  adamwGroup(params: Float32Array[], grads: Float32Array[], ms: Float32Array[], vs: Float32Array[], h: Omit<AdamWHyper, 'keep'>, keeps: readonly number[]): Float32Array[] {
    const n = params.length;
    const shared = [h.beta1, h.beta2, h.eps, h.stepSize, h.invSqrtBias2].map(floatBits);
    const sizes = params.map((p) => p.length);
    return this.runOnHeap([...params, ...grads, ...ms, ...vs], [...sizes, ...sizes, ...sizes], true, (ins, outs) => {
      const parts: Task[][] = Array.from({ length: this.threads }, () => []);
      const load = new Array<number>(this.threads).fill(0);
      for (let i = 0; i < n; i++) {
        const [pp, pg, pm, pv] = [0, 1, 2, 3].map((k) => ins[k * n + i]);
        const [po, mo, vo] = [0, 1, 2].map((k) => outs[k * n + i]);
        const task = (s: number, e: number): Task => {
          const at = (p: number) => p + 4 * s;
          return [TASK.ADAMW, at(pp), at(pg), at(pm), at(pv), at(po), at(mo), at(vo), e - s, ...shared, floatBits(keeps[i])];
        };
        const shares = this.elementShares(sizes[i]);
        if (shares.length > 1) {
          shares.forEach(([s, e], t) => {
            parts[t].push(task(s, e));
            load[t] += e - s;
          });
        } else if (sizes[i] > 0) {
          const t = load.indexOf(Math.min(...load));
          parts[t].push(task(0, sizes[i]));
          load[t] += sizes[i];
        }
      }
      this.runJob(parts);
    });
  }

  // ---- sharing work --------------------------------------------------------

  /** Threads for a memory-bound kernel over `elements` floats. */
  private sharesFor(elements: number): number {
    return elements >= this.minParallelElements ? this.threads : 1;
  }

  /** Element ranges of a memory-bound kernel over n floats, one per thread (or one). */
  private elementShares(n: number): [number, number][] {
    return splitRange(n, this.sharesFor(n), SHARE_ALIGN);
  }

  /** Row ranges of a row-wise kernel over (rows, cols). */
  private rowShares(rows: number, cols: number): [number, number][] {
    return splitRange(rows, this.sharesFor(rows * cols));
  }

  /** Runs fn with a temporary block of `floats` floats (its address), freed afterwards. */
  private withTemp<T>(floats: number, fn: (address: number) => T): T {
    const at = this.heap.allocTemp(floats);
    try {
      return fn(at);
    } finally {
      this.heap.freeTemp(at);
    }
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

  /**
   * Runs a job: part 0 here, part w on worker w (or here when that worker is
   * late). Returns when every part is done. Empty parts are dropped; a job
   * with one part runs on this thread without touching the workers.
   */
  private runJob(job: Job): void {
    const parts = job.filter((part) => part.length > 0);
    if (parts.length === 0) return;
    if (parts.length > this.threads) throw new Error(`@attn/wasm: a job of ${parts.length} parts on ${this.threads} threads`);
    let count = 0;
    for (const part of parts) count += part.length;
    const table = count <= TABLE_TASKS ? this.tablePtr : this.heap.allocTemp(count * TASK_INTS);
    try {
      const words = this.words;
      const ctrl = this.ctrl;
      let e = 0;
      for (let w = 0; w < parts.length; w++) {
        ctrl[SLOTS + 2 * w] = e;
        for (const task of parts[w]) words.set(task, (table >> 2) + e++ * TASK_INTS);
        ctrl[SLOTS + 2 * w + 1] = e;
      }
      if (parts.length === 1) this.exports.run_tasks(table, 0, count, this.wsPtrs[0]);
      else this.runParallel(parts.length, table);
    } finally {
      if (table !== this.tablePtr) this.heap.freeTemp(table);
    }
  }

  /** The handshake of protocol.ts for a table whose part ranges are already in the control block. */
  private runParallel(parts: number, table: number): void {
    const ctrl = this.ctrl;
    ctrl[TABLE] = table;
    Atomics.store(ctrl, ERROR, 0);
    Atomics.store(ctrl, PENDING, parts - 1);
    // Clearing the claim flags last publishes the ranges to a worker that claims one.
    for (let w = 1; w < parts; w++) Atomics.store(ctrl, CLAIMS + w, 0);
    Atomics.add(ctrl, GEN, 1); // publishes everything written above
    Atomics.notify(ctrl, GEN);
    const run = (w: number) => this.exports.run_tasks(table, ctrl[SLOTS + 2 * w], ctrl[SLOTS + 2 * w + 1], this.wsPtrs[0]);
    let failure: unknown = null;
    const started = performance.now();
    try {
      run(0);
    } catch (err) {
      failure = err;
    }
    const ownUs = (performance.now() - started) * 1000;
    let late = 0;
    // A worker that has not claimed its part yet is at least a whole part
    // behind (it is asleep or descheduled): running the part here is no slower
    // than waiting for it, and the result never depends on a worker waking up.
    // After a failure, claim without running so no worker starts on the arena.
    this.parallelStats.jobs++;
    this.parallelStats.parts += parts - 1;
    for (let w = 1; w < parts; w++) {
      if (Atomics.compareExchange(ctrl, CLAIMS + w, 0, 1) !== 0) continue;
      this.parallelStats.runHere++;
      late++;
      if (!failure) {
        try {
          run(w);
        } catch (err) {
          failure = err;
        }
      }
      Atomics.sub(ctrl, PENDING, 1);
    }
    if (ownUs >= LATE_JOB_US) this.adaptSpin(late / (parts - 1));
    // Never return (and reuse the arena) while a worker may still be writing.
    // A worker that claimed its part is running it: poll briefly, then sleep
    // in bounded slices, re-checking PENDING each time.
    const spinUntil = performance.now() + Math.min(1000, this.spinUs) / 1000;
    for (;;) {
      const pending = Atomics.load(ctrl, PENDING);
      if (pending === 0) break;
      if (this.canBlock && performance.now() > spinUntil) Atomics.wait(ctrl, PENDING, pending, WAIT_SLICE_MS);
    }
    if (failure) throw failure;
    if (Atomics.load(ctrl, ERROR)) throw new Error('@attn/wasm: a WebAssembly worker failed while computing');
  }

  /** Folds one long job's share of late workers into the average and sets the polling time. */
  private adaptSpin(lateShare: number): void {
    this.lateness = 0.9 * this.lateness + 0.1 * lateShare;
    const spin = this.lateness > 0.5 ? SPIN_SHORT_US : this.lateness < 0.2 ? SPIN_LONG_US : this.spinUs;
    if (spin !== this.spinUs) {
      this.spinUs = spin;
      this.parallelStats.pollUs = spin;
      Atomics.store(this.ctrl, SPIN_US, spin);
    }
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
    this.words = new Int32Array(this.memory.buffer);
  }
}

/** The task that computes one planned call into C at byte address `c`. */
function matmulTask(pa: number, pb: number, c: number, call: MatrixCall, bias = 0, bsum = 0): Task {
  return [TASK.MATMUL, pa + call.aOffset * 4, pb + call.bOffset * 4, c, call.M, call.N, call.K, call.rsa, call.csa, call.rsb, call.csb, call.ldc, bias, bsum];
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

/** Checks the shape and the arrays' sizes; returns the rows of k and v per head. */
function checkAttention(s: AttentionShape, arrays: Float32Array[]): number {
  const kvRows = s.kvRows ?? s.tk;
  for (const key of ['heads', 'tq', 'tk', 'd', 'dv'] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw new Error(`attention: ${key} must be a positive integer, got ${s[key]}`);
  }
  if (!Number.isInteger(kvRows) || kvRows < s.tk) throw new Error(`attention: kvRows must be an integer >= tk (${s.tk}), got ${kvRows}`);
  if (s.causal && s.tq > s.tk) throw new Error(`attention: causal attention needs tq <= tk, got tq ${s.tq}, tk ${s.tk}`);
  const { heads, tq, d, dv } = s;
  const want = [heads * tq * d, heads * kvRows * d, heads * kvRows * dv, heads * tq * dv, heads * tq, heads * tq * dv];
  const names = ['q', 'k', 'v', 'out', 'lse', 'dout'];
  arrays.forEach((a, i) => {
    if (a.length !== want[i]) throw new Error(`attention: ${names[i]} has ${a.length} elements, expected ${want[i]}`);
  });
  return kvRows;
}

/** Checks a packed attention call's shape and arrays (qkv, out, lse, dout); returns it as per-head problems. */
function checkPackedAttention(s: PackedAttentionShape, arrays: Float32Array[]): AttentionShape {
  for (const key of ['batch', 't', 'heads', 'd'] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw new Error(`attentionQkv: ${key} must be a positive integer, got ${s[key]}`);
  }
  const rows = s.batch * s.t;
  const width = s.heads * s.d;
  const want = [rows * 3 * width, rows * width, s.batch * s.heads * s.t, rows * width];
  const names = ['qkv', 'out', 'lse', 'dout'];
  arrays.forEach((a, i) => {
    if (a.length !== want[i]) throw new Error(`attentionQkv: ${names[i]} has ${a.length} elements, expected ${want[i]}`);
  });
  return { heads: s.batch * s.heads, tq: s.t, tk: s.t, d: s.d, dv: s.d, scale: s.scale, causal: s.causal };
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
