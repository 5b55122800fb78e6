// MatMul (see the contract in @attn/tensor's backend.ts): tiled, with the
// tiles of op(A) and op(B) staged in workgroup memory.
//
// A workgroup of 16 x 16 invocations computes a TM x TN tile of one output
// matrix; each invocation owns an RM x RN block of it (TM = 16 RM). Along k the
// workgroup walks TK-wide slabs: it loads an TM x TK tile of op(A) and a TK x TN
// tile of op(B) into workgroup memory (every invocation loads a few elements,
// reading through the contract's row/column strides, so transposed operands
// cost no copy), waits at a barrier, and accumulates from the fast memory.
// Two size classes share the generator: 64 x 64 tiles with 4 x 4 blocks for
// large products, 16 x 16 tiles with one element each when m or n is small (a
// 64-wide tile of an 8 x 8 attention product would idle 98% of it).
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
import { WebGPUBackendError } from '../errors.js';
import { Params } from '../params.js';
import { buffers } from '../prelude.js';

interface TileClass {
  name: string;
  /** Elements per invocation along m and n. */
  rm: number;
  rn: number;
}

const LARGE: TileClass = { name: 'large', rm: 4, rn: 4 };
const SMALL: TileClass = { name: 'small', rm: 1, rn: 1 };
/** Invocations along each side of the workgroup. */
const SIDE = 16;
/** Width of a k slab. */
const TK = 16;

/** The size class for an m x n output: large tiles once both sides fill a 64-wide tile. */
export function tileClass(m: number, n: number): TileClass {
  return m >= 64 && n >= 64 ? LARGE : SMALL;
}

function matmulSource(tile: TileClass): string {
  const tm = SIDE * tile.rm;
  const tn = SIDE * tile.rn;
  const threads = SIDE * SIDE;
  return /* wgsl */ `${buffers(['a', 'b', 'offsets'], ['c'], { offsets: 'i32' })}
const TM: u32 = ${tm}u;
const TN: u32 = ${tn}u;
const TK: u32 = ${TK}u;
const RM: u32 = ${tile.rm}u;
const RN: u32 = ${tile.rn}u;
var<workgroup> a_tile: array<f32, ${tm * TK}>; // [k][m]
var<workgroup> b_tile: array<f32, ${tn * TK}>; // [k][n]

@compute @workgroup_size(${SIDE}, ${SIDE})
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
  var acc: array<f32, ${tile.rm * tile.rn}>;
  for (var k0 = 0u; k0 < K; k0 += TK) {
    for (var e = li; e < TM * TK; e += ${threads}u) {
      let r = e / TK;
      let kk = e % TK;
      let gi = row0 + r;
      let gk = k0 + kk;
      var v = 0.0;
      if (gi < M && gk < K) { v = a[a_base + gi * a_row + gk * a_col]; }
      a_tile[kk * TM + r] = v;
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
      var av: array<f32, ${tile.rm}>;
      var bv: array<f32, ${tile.rn}>;
      for (var i = 0u; i < RM; i++) { av[i] = a_tile[kk * TM + lid.y * RM + i]; }
      for (var j = 0u; j < RN; j++) { bv[j] = b_tile[kk * TN + lid.x * RN + j]; }
      for (var i = 0u; i < RM; i++) {
        for (var j = 0u; j < RN; j++) { acc[i * RN + j] = fma(av[i], bv[j], acc[i * RN + j]); }
      }
    }
    workgroupBarrier();
  }
  let c_base = p * M * N;
  for (var i = 0u; i < RM; i++) {
    let gi = row0 + lid.y * RM + i;
    for (var j = 0u; j < RN; j++) {
      let gj = col0 + lid.x * RN + j;
      if (gi < M && gj < N) { c[c_base + gi * N + gj] = acc[i * RN + j]; }
    }
  }
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

export function matmulKernels(ctx: KernelContext): { kernels: KernelTable; offsets: { readonly size: number } } {
  const offsets = new OffsetCache(ctx);
  const kernels: KernelTable = {
    MatMul: ([a, b], attrs) => {
      const { m, n, k, batch } = attrs;
      const out = ctx.alloc(batch * m * n);
      if (batch * m * n === 0) return out;
      if (batch > 65535) throw new WebGPUBackendError(`webgpu: MatMul over ${batch} matrices exceeds the 65535 workgroups of one dispatch dimension`);
      const tile = tileClass(m, n);
      ctx.run(
        `MatMul:${tile.name}`,
        () => matmulSource(tile),
        new Params().u32(m).u32(n).u32(k).u32(attrs.aRowStride).u32(attrs.aColStride).u32(attrs.bRowStride).u32(attrs.bColStride).u32(batch),
        [ctx.buffer(a), ctx.buffer(b), offsets.get(attrs), out.buffer],
        [Math.ceil(n / (SIDE * tile.rn)), Math.ceil(m / (SIDE * tile.rm)), batch],
      );
      return out;
    },
  };
  return { kernels, offsets };
}
