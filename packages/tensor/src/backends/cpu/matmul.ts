// CPU matrix multiply: a cache-blocked, register-tiled kernel (the fast path)
// beside a plain triple loop (the reference). See the MatMul contract in
// backend.ts for the meaning of the attrs (strides, offsets, transposes).
//
// The fast path follows the usual GotoBLAS/BLIS structure, scaled down to what
// a JIT-compiled scalar loop can use:
//   - B is copied, one (KC x NC) block at a time, into "micro-panels" of NR
//     columns laid out so the inner loop reads it sequentially;
//   - A is copied, one (MC x KC) block at a time, into micro-panels of MR rows;
//   - a micro-kernel computes an MR x NR tile of C in local variables (the
//     "registers") while walking the shared KC dimension.
// Packing is also where transA/transB are absorbed: it reads through the
// strides, so no transpose is ever materialised. Packs are Float64Array
// scratch buffers reused between calls (no per-call allocation).
import type { FloatArray, MatMulAttrs } from '../../backend.js';

/** Rows / columns of the register tile. 4 x 4 = 16 accumulators fits V8's register allocator well. */
const MR = 4;
const NR = 4;
/**
 * Cache blocks (doubles): a KC x NC block of packed B is 512 KiB and lives in L2/L3,
 * an MC x KC block of packed A is 128 KiB, and one KC x NR micro-panel of B
 * (8 KiB) stays in L1 while the micro-kernel sweeps down the A block.
 * Chosen by a sweep on this machine; the differences between nearby sizes were small.
 */
const KC = 256;
const MC = 64;
const NC = 256;

let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);

/** out[p] = op(a[p]) @ op(b[p]) for every batch index p; `out` is zeroed and contiguous. */
export function matmul(a: FloatArray, b: FloatArray, out: FloatArray, attrs: MatMulAttrs): void {
  const { m, n, k, batch } = attrs;
  for (let p = 0; p < batch; p++) {
    if (m * n * k < 4096) {
      matmulReference(a, b, out, attrs, p);
    } else {
      matmulBlocked(a, b, out, attrs, p);
    }
  }
}

/** Reference: the definition, one dot product per output element. */
export function matmulReference(a: FloatArray, b: FloatArray, out: FloatArray, attrs: MatMulAttrs, p: number): void {
  const { m, n, k, aRowStride, aColStride, bRowStride, bColStride } = attrs;
  const aOff = attrs.aOffsets[p];
  const bOff = attrs.bOffsets[p];
  const cOff = p * m * n;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let l = 0; l < k; l++) acc += a[aOff + i * aRowStride + l * aColStride] * b[bOff + l * bRowStride + j * bColStride];
      out[cOff + i * n + j] = acc;
    }
  }
}

function matmulBlocked(a: FloatArray, b: FloatArray, out: FloatArray, attrs: MatMulAttrs, p: number): void {
  const { m, n, k, aRowStride, aColStride, bRowStride, bColStride } = attrs;
  const aOff = attrs.aOffsets[p];
  const bOff = attrs.bOffsets[p];
  const cOff = p * m * n;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    const ncPanels = Math.ceil(nc / NR);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packBBlock(b, bOff + pc * bRowStride + jc * bColStride, bRowStride, bColStride, kc, nc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packABlock(a, aOff + ic * aRowStride + pc * aColStride, aRowStride, aColStride, mc, kc);
        const mcPanels = Math.ceil(mc / MR);
        for (let jp = 0; jp < ncPanels; jp++) {
          for (let ip = 0; ip < mcPanels; ip++) {
            const rows = Math.min(MR, mc - ip * MR);
            const cols = Math.min(NR, nc - jp * NR);
            microKernel(
              ip * MR * kc,
              jp * NR * kc,
              kc,
              out,
              cOff + (ic + ip * MR) * n + jc + jp * NR,
              n,
              rows,
              cols,
              pc > 0,
            );
          }
        }
      }
    }
  }
}

/** Copies op(B)[l][j] for l < kc, j < nc into micro-panels: packB[(jp*kc + l)*NR + jj], zero-padded. */
function packBBlock(b: FloatArray, start: number, rowStride: number, colStride: number, kc: number, nc: number): void {
  const panels = Math.ceil(nc / NR);
  if (packB.length < panels * NR * kc) packB = new Float64Array(panels * NR * kc);
  const dst = packB;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * NR;
    const cols = Math.min(NR, nc - j0);
    let d = jp * kc * NR;
    for (let l = 0; l < kc; l++) {
      const src = start + l * rowStride + j0 * colStride;
      if (cols === NR) {
        dst[d] = b[src];
        dst[d + 1] = b[src + colStride];
        dst[d + 2] = b[src + 2 * colStride];
        dst[d + 3] = b[src + 3 * colStride];
      } else {
        for (let jj = 0; jj < NR; jj++) dst[d + jj] = jj < cols ? b[src + jj * colStride] : 0;
      }
      d += NR;
    }
  }
}

/** Copies op(A)[i][l] for i < mc, l < kc into micro-panels: packA[(ip*kc + l)*MR + ii], zero-padded. */
function packABlock(a: FloatArray, start: number, rowStride: number, colStride: number, mc: number, kc: number): void {
  const panels = Math.ceil(mc / MR);
  if (packA.length < panels * MR * kc) packA = new Float64Array(panels * MR * kc);
  const dst = packA;
  for (let ip = 0; ip < panels; ip++) {
    const i0 = ip * MR;
    const rows = Math.min(MR, mc - i0);
    let d = ip * kc * MR;
    for (let l = 0; l < kc; l++) {
      const src = start + i0 * rowStride + l * colStride;
      if (rows === MR) {
        dst[d] = a[src];
        dst[d + 1] = a[src + rowStride];
        dst[d + 2] = a[src + 2 * rowStride];
        dst[d + 3] = a[src + 3 * rowStride];
      } else {
        for (let ii = 0; ii < MR; ii++) dst[d + ii] = ii < rows ? a[src + ii * rowStride] : 0;
      }
      d += MR;
    }
  }
}

/**
 * C[0:rows, 0:cols] (+)= Apanel (4 x kc) @ Bpanel (kc x 4), with C at `c0` and
 * row stride `ldc`. The 16 accumulators are locals so V8 keeps them in registers.
 */
function microKernel(
  aStart: number,
  bStart: number,
  kc: number,
  c: FloatArray,
  c0: number,
  ldc: number,
  rows: number,
  cols: number,
  accumulate: boolean,
): void {
  const A = packA;
  const B = packB;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let ai = aStart;
  let bi = bStart;
  // Two steps of l per iteration (unrolled), then the odd step if any.
  let l = 0;
  for (; l + 1 < kc; l += 2) {
    let a0 = A[ai], a1 = A[ai + 1], a2 = A[ai + 2], a3 = A[ai + 3];
    let b0 = B[bi], b1 = B[bi + 1], b2 = B[bi + 2], b3 = B[bi + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    a0 = A[ai + 4]; a1 = A[ai + 5]; a2 = A[ai + 6]; a3 = A[ai + 7];
    b0 = B[bi + 4]; b1 = B[bi + 5]; b2 = B[bi + 6]; b3 = B[bi + 7];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += 8;
    bi += 8;
  }
  for (; l < kc; l++) {
    const a0 = A[ai], a1 = A[ai + 1], a2 = A[ai + 2], a3 = A[ai + 3];
    const b0 = B[bi], b1 = B[bi + 1], b2 = B[bi + 2], b3 = B[bi + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += 4;
    bi += 4;
  }
  if (rows === MR && cols === NR) {
    const r0 = c0;
    const r1 = c0 + ldc;
    const r2 = c0 + 2 * ldc;
    const r3 = c0 + 3 * ldc;
    if (accumulate) {
      c[r0] += c00; c[r0 + 1] += c01; c[r0 + 2] += c02; c[r0 + 3] += c03;
      c[r1] += c10; c[r1 + 1] += c11; c[r1 + 2] += c12; c[r1 + 3] += c13;
      c[r2] += c20; c[r2 + 1] += c21; c[r2 + 2] += c22; c[r2 + 3] += c23;
      c[r3] += c30; c[r3 + 1] += c31; c[r3 + 2] += c32; c[r3 + 3] += c33;
    } else {
      c[r0] = c00; c[r0 + 1] = c01; c[r0 + 2] = c02; c[r0 + 3] = c03;
      c[r1] = c10; c[r1 + 1] = c11; c[r1 + 2] = c12; c[r1 + 3] = c13;
      c[r2] = c20; c[r2 + 1] = c21; c[r2 + 2] = c22; c[r2 + 3] = c23;
      c[r3] = c30; c[r3 + 1] = c31; c[r3 + 2] = c32; c[r3 + 3] = c33;
    }
    return;
  }
  // Edge tile: write only the valid part.
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const idx = c0 + i * ldc + j;
      c[idx] = accumulate ? c[idx] + tile[i * NR + j] : tile[i * NR + j];
    }
  }
}
