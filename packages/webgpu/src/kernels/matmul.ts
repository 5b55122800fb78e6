// MatMul (see the contract in @attn/tensor's backend.ts), in two strategies
// that share the parameters, the batch offsets and the size classes.
//
// 'tiled' (the default on GPUs): a workgroup of 16 x 16 invocations computes a
// TM x TN tile of one output matrix; each invocation owns RM x RN elements of
// it (TM = 16 RM), interleaved with its neighbours' so that they touch
// neighbouring words. Along k the workgroup walks TK-wide slabs: it loads a TM x
// TK tile of op(A) and a TK x TN tile of op(B) into workgroup memory (every
// invocation loads a few elements, reading through the contract's row/column
// strides, so transposed operands cost no copy), waits at a barrier, and
// accumulates from the fast memory, so each input element is read from the
// buffers TN/RN (resp. TM/RM) times fewer.
//
// 'direct' (the default on software adapters): register blocks read straight
// from the buffers k by k, with no workgroup memory and no barriers; an 8 x 8
// workgroup's invocations interleave their rows and columns, so neighbouring
// invocations read and write neighbouring addresses.
// On a CPU implementation (SwiftShader) workgroup memory is ordinary memory,
// the CPU's caches already do the tiling, and every barrier switches between
// the workgroup's invocations in software: measured there, 'direct' runs
// n x n products 2.6-7x faster (the webgpu bench times both).
//
// Size classes (CLASSES): the largest blocks whose tile the output fills (4 x 4
// tiled; 8 x 8 or 4 x 4 direct), else one element per invocation (a 64-wide
// tile of an 8 x 8 attention product would idle 98% of it). The blocks are unrolled into scalars: private arrays
// indexed in loops live in memory on some implementations, scalars in registers.
//
// Batches: workgroup z is the output matrix p; the element offsets of the A and
// B matrices it reads (the contract's aOffsets/bOffsets, which already encode
// broadcasting) come from a small buffer cached by content, so a training loop
// uploads each pattern once.
//
// The readable reference is the CPU backend's matmul.ts (and the plain triple
// loop in @attn/tensor's conformance suite).
import type { KernelTable, MatMulAttrs } from '@attn/tensor';
import type { KernelContext } from '../context.js';
import { MAX_WORKGROUPS_PER_DIM } from '../dispatcher.js';
import { WebGPUBackendError } from '../errors.js';
import { Params } from '../params.js';
import { buffers } from '../prelude.js';

/** How the kernel computes its output: through workgroup memory, or straight from the buffers. */
export type MatmulStrategy = 'tiled' | 'direct';

interface TileClass {
  name: string;
  /** Elements per invocation along m and n. */
  rm: number;
  rn: number;
}

/** Size classes per strategy, largest first: an output gets the first whose tile both its sides fill. */
const CLASSES: Record<MatmulStrategy, readonly TileClass[]> = {
  tiled: [
    { name: 'large', rm: 4, rn: 4 },
    { name: 'small', rm: 1, rn: 1 },
  ],
  // Measured on SwiftShader: 8 x 8 blocks ran a 256^3 product in 13 ms, 4 x 4 in 18, 2 x 4 in 25.
  direct: [
    { name: 'large', rm: 8, rn: 8 },
    { name: 'medium', rm: 4, rn: 4 },
    { name: 'small', rm: 1, rn: 1 },
  ],
};
/** Invocations along each side of the workgroup: 16 x 16 tiled, 8 x 8 direct. */
const SIDE: Record<MatmulStrategy, number> = { tiled: 16, direct: 8 };
/** Width of a k slab (tiled). */
const TK = 16;

/** The size class for an m x n output: the largest blocks whose tile (side x block) both sides fill. */
export function tileClass(m: number, n: number, strategy: MatmulStrategy = 'tiled'): TileClass {
  const side = SIDE[strategy];
  const classes = CLASSES[strategy];
  return classes.find((c) => m >= side * c.rm && n >= side * c.rn) ?? classes[classes.length - 1];
}

function tiledSource(tile: TileClass): string {
  const side = SIDE.tiled;
  const tm = side * tile.rm;
  const tn = side * tile.rn;
  const threads = side * side;
  // The RM x RN block is unrolled into scalars: private arrays indexed in loops
  // live in memory on some implementations (SwiftShader among them), scalars in registers.
  const rows = Array.from({ length: tile.rm }, (_, i) => i);
  const cols = Array.from({ length: tile.rn }, (_, j) => j);
  const each = (fn: (i: number, j: number) => string) => rows.flatMap((i) => cols.map((j) => fn(i, j))).join('\n');
  return /* wgsl */ `${buffers(['a', 'b', 'offsets'], ['c'], { offsets: 'i32' })}
const TM: u32 = ${tm}u;
const TN: u32 = ${tn}u;
const TK: u32 = ${TK}u;
// [k][m], rows padded by one: the loads below store a column of it, and a stride of TM would hit one memory bank.
const AS: u32 = ${tm + 1}u;
var<workgroup> a_tile: array<f32, ${(tm + 1) * TK}>;
var<workgroup> b_tile: array<f32, ${tn * TK}>; // [k][n]

@compute @workgroup_size(${side}, ${side})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let M = u(0u);
  let N = u(1u);
  let K = u(2u);
  let a_row = u(3u);
  let a_col = u(4u);
  let b_row = u(5u);
  let b_col = u(6u);
  let batch = u(7u);
  let p = wid.z;
  let a_base = u32(offsets[p]);
  let b_base = u32(offsets[batch + p]);
  let row0 = wid.y * TM;
  let col0 = wid.x * TN;
  // Invocation (x, y) owns rows y, y + 16, ... and columns x, x + 16, ... of the tile: neighbouring
  // invocations read neighbouring words of b_tile and write neighbouring words of c.
${rows.map((i) => `  let row_${i} = lid.y + ${side * i}u;`).join('\n')}
${cols.map((j) => `  let col_${j} = lid.x + ${side * j}u;`).join('\n')}
${each((i, j) => `  var acc_${i}_${j} = 0.0;`)}
  for (var k0 = 0u; k0 < K; k0 += TK) {
    for (var e = li; e < TM * TK; e += ${threads}u) {
      let r = e / TK;
      let kk = e % TK;
      let gi = row0 + r;
      let gk = k0 + kk;
      var v = 0.0;
      if (gi < M && gk < K) { v = a[a_base + gi * a_row + gk * a_col]; }
      a_tile[kk * AS + r] = v;
    }
    for (var e = li; e < TN * TK; e += ${threads}u) {
      let kk = e / TN;
      let cc = e % TN;
      let gk = k0 + kk;
      let gj = col0 + cc;
      var v = 0.0;
      if (gk < K && gj < N) { v = b[b_base + gk * b_row + gj * b_col]; }
      b_tile[kk * TN + cc] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
${rows.map((i) => `      let a_${i} = a_tile[kk * AS + row_${i}];`).join('\n')}
${cols.map((j) => `      let b_${j} = b_tile[kk * TN + col_${j}];`).join('\n')}
${each((i, j) => `      acc_${i}_${j} = fma(a_${i}, b_${j}, acc_${i}_${j});`)}
    }
    workgroupBarrier();
  }
  let c_base = p * M * N;
${each(
  (i, j) => `  if (row0 + row_${i} < M && col0 + col_${j} < N) { c[c_base + (row0 + row_${i}) * N + col0 + col_${j}] = acc_${i}_${j}; }`,
)}
}`;
}

/**
 * The same blocks without workgroup memory: each invocation reads its RM rows
 * of op(A) and RN columns of op(B) straight from the buffers, k by k.
 */
function directSource(tile: TileClass): string {
  const side = SIDE.direct;
  const { rm, rn } = tile;
  const rows = Array.from({ length: rm }, (_, i) => i);
  const cols = Array.from({ length: rn }, (_, j) => j);
  const each = (fn: (i: number, j: number) => string) => rows.flatMap((i) => cols.map((j) => fn(i, j))).join('\n');
  return /* wgsl */ `${buffers(['a', 'b', 'offsets'], ['c'], { offsets: 'i32' })}
@compute @workgroup_size(${side}, ${side})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = u(0u);
  let N = u(1u);
  let K = u(2u);
  let a_row = u(3u);
  let a_col = u(4u);
  let b_row = u(5u);
  let b_col = u(6u);
  let batch = u(7u);
  let p = wid.z;
  let a_base = u32(offsets[p]);
  let b_base = u32(offsets[batch + p]);
${rows.map((i) => `  let row_${i} = wid.y * ${side * rm}u + lid.y + ${side * i}u;`).join('\n')}
${cols.map((j) => `  let col_${j} = wid.x * ${side * rn}u + lid.x + ${side * j}u;`).join('\n')}
${rows.map((i) => `  let ra_${i} = min(row_${i}, M - 1u) * a_row + a_base;`).join('\n')}
${cols.map((j) => `  let cb_${j} = min(col_${j}, N - 1u) * b_col + b_base;`).join('\n')}
${each((i, j) => `  var acc_${i}_${j} = 0.0;`)}
  for (var k = 0u; k < K; k++) {
${rows.map((i) => `    let a_${i} = a[ra_${i} + k * a_col];`).join('\n')}
${cols.map((j) => `    let b_${j} = b[cb_${j} + k * b_row];`).join('\n')}
${each((i, j) => `    acc_${i}_${j} = fma(a_${i}, b_${j}, acc_${i}_${j});`)}
  }
  let c_base = p * M * N;
${each((i, j) => `  if (row_${i} < M && col_${j} < N) { c[c_base + row_${i} * N + col_${j}] = acc_${i}_${j}; }`)}
}`;
}

/** Offset buffers by content (LRU): a model has a handful of batch patterns, uploaded once each. */
class OffsetCache {
  private readonly entries = new Map<string, GPUBuffer>();
  constructor(
    private readonly ctx: KernelContext,
    private readonly capacity = 64,
  ) {}

  get(attrs: MatMulAttrs): GPUBuffer {
    const key = `${attrs.aOffsets.join(',')}|${attrs.bOffsets.join(',')}`;
    let buffer = this.entries.get(key);
    if (buffer) {
      this.entries.delete(key); // re-insert: most recently used last
    } else {
      const values = new Int32Array(2 * attrs.batch);
      values.set(attrs.aOffsets, 0);
      values.set(attrs.bOffsets, attrs.batch);
      buffer = this.ctx.dispatcher.device.createBuffer({ size: Math.max(16, values.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      this.ctx.dispatcher.upload(buffer, values);
      if (this.entries.size >= this.capacity) {
        const [oldestKey, oldest] = this.entries.entries().next().value as [string, GPUBuffer];
        this.entries.delete(oldestKey);
        this.ctx.dispatcher.retire(oldest);
      }
    }
    this.entries.set(key, buffer);
    return buffer;
  }

  get size(): number {
    return this.entries.size;
  }
}

export function matmulKernels(ctx: KernelContext, strategy: MatmulStrategy): { kernels: KernelTable; offsets: { readonly size: number } } {
  const offsets = new OffsetCache(ctx);
  const kernels: KernelTable = {
    MatMul: ([a, b], attrs) => {
      const { m, n, k, batch } = attrs;
      const out = ctx.alloc(batch * m * n);
      if (batch * m * n === 0) return out;
      if (batch > MAX_WORKGROUPS_PER_DIM) {
        throw new WebGPUBackendError(`webgpu: MatMul over ${batch} matrices exceeds the ${MAX_WORKGROUPS_PER_DIM} workgroups of one dispatch dimension`);
      }
      const tile = tileClass(m, n, strategy);
      const side = SIDE[strategy];
      ctx.run(
        `MatMul:${strategy}:${tile.name}`,
        () => (strategy === 'tiled' ? tiledSource(tile) : directSource(tile)),
        new Params().u32(m).u32(n).u32(k).u32(attrs.aRowStride).u32(attrs.aColStride).u32(attrs.bRowStride).u32(attrs.bColStride).u32(batch),
        [ctx.buffer(a), ctx.buffer(b), offsets.get(attrs), out.buffer],
        [Math.ceil(n / (side * tile.rn)), Math.ceil(m / (side * tile.rm)), batch],
      );
      return out;
    },
  };
  return { kernels, offsets };
}
