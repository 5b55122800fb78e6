// Single-precision matrix multiply for WebAssembly with 128-bit SIMD.
//
//   C[M,N] = op(A)[M,K] @ op(B)[K,N] (+ bias[N] on every row, when given)
//                                         (row-major C with row stride ldc)
//
// The bias (a Linear layer's) is added as the first depth block of each tile
// is stored, so it costs no pass over C of its own. Likewise the column sums
// of op(B) (a Linear layer's bias gradient, the sums of dY's rows, beside its
// weight gradient X^T dY) are taken from each packed block of B while it is in
// L1, instead of in a pass over B of their own.
//
// op(A) and op(B) are described by strides, so the transposed forms are read
// in place, never materialised:  a(i,k) = A[i*rsa + k*csa],  b(k,j) = B[k*rsb + j*csb].
//
// The structure is the classic BLIS/GotoBLAS one (Goto & van de Geijn, "Anatomy
// of High-Performance Matrix Multiplication", 2008):
//
//   for jc in N step NC            B block (KC x NC) stays in L3/L2
//     for pc in K step KC
//       pack B(pc:pc+KC, jc:jc+NC) into NR-wide panels
//       for ic in M step MC        A block (MC x KC) stays in L2
//         pack A(ic:ic+MC, pc:pc+KC) into MR-tall panels
//         for each NR panel of B, for each MR panel of A:
//           micro-kernel: a 4x8 tile of C held in 8 f32x4 registers
//
// The micro-kernel keeps 8 accumulators + 2 B vectors + 1 broadcast A value
// (+ 1 product temporary without FMA) = 11-12 of the 15 xmm registers V8 hands
// out on x64, so nothing spills. Larger tiles (6x8, 4x12) do spill under V8
// and run at half the speed. Each step is MADD (simd_math.h): one fused
// multiply-add in the relaxed build, a multiply and an add in the plain one.
// On a Zen 5 core the relaxed kernel reaches about 90% of the register-only
// multiply-add peak (simd_peak_f32) with operands in L1, the plain one 78%.
//
// Threads: the caller splits M (or the batch) across workers; every call gets
// its own scratch area `ws` (see WS_FLOATS), so concurrent calls never share
// memory they write. No function here uses the C stack: several instances
// share one memory but each starts with the same __stack_pointer, so stack use
// would collide. build-wasm.mjs checks the disassembly for that.
#include "kernels.h"
#include "simd_math.h"

#define MR 4  // micro-tile rows
#define NR 8  // micro-tile columns (two f32x4)
#ifndef KC
#define KC 256  // depth of a packed block: an MR x KC A panel (4 KiB) + a KC x NR B panel (8 KiB) fit L1
#endif
#ifndef MC
#define MC 128  // rows of a packed A block: MC x KC floats = 128 KiB, stays in L2
#endif
#ifndef NC
#define NC 512  // columns of a packed B block: KC x NC floats = 512 KiB, half a Zen 5 L2
#endif

// Scratch floats one matmul call needs: packed A block, packed B block, edge tile.
EXPORT("matmul_ws_floats") int matmul_ws_floats(void) { return MC * KC + KC * NC + MR * NR; }

// Packs rows [i0, i0+mc) x cols [k0, k0+kc) of op(A) into MR-tall panels:
// panel p holds, for each k, the MR values a(i0+p*MR+r, k0+k), zero padded.
static void pack_a(const float* a, int rsa, int csa, int i0, int mc, int k0, int kc, float* dst) {
  for (int ip = 0; ip < mc; ip += MR) {
    int rows = mc - ip < MR ? mc - ip : MR;
    const float* src = a + (i0 + ip) * rsa + k0 * csa;
    if (rows == MR && rsa == 1) {
      // transposed A: the MR values for one k are contiguous
      for (int k = 0; k < kc; k++) {
        wasm_v128_store(dst, wasm_v128_load(src + k * csa));
        dst += MR;
      }
    } else if (rows == MR) {
      const float* r0 = src;
      const float* r1 = src + rsa;
      const float* r2 = src + 2 * rsa;
      const float* r3 = src + 3 * rsa;
      if (csa == 1 && (kc & 3) == 0) {
        // row-major A: transpose 4x4 blocks with shuffles
        for (int k = 0; k < kc; k += 4) {
          v128_t x0 = wasm_v128_load(r0 + k), x1 = wasm_v128_load(r1 + k);
          v128_t x2 = wasm_v128_load(r2 + k), x3 = wasm_v128_load(r3 + k);
          v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5);  // a0 b0 a1 b1
          v128_t t1 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5);  // c0 d0 c1 d1
          v128_t t2 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7);  // a2 b2 a3 b3
          v128_t t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);  // c2 d2 c3 d3
          wasm_v128_store(dst, wasm_i64x2_shuffle(t0, t1, 0, 2));
          wasm_v128_store(dst + 4, wasm_i64x2_shuffle(t0, t1, 1, 3));
          wasm_v128_store(dst + 8, wasm_i64x2_shuffle(t2, t3, 0, 2));
          wasm_v128_store(dst + 12, wasm_i64x2_shuffle(t2, t3, 1, 3));
          dst += 16;
        }
      } else {
        for (int k = 0; k < kc; k++) {
          int o = k * csa;
          dst[0] = r0[o];
          dst[1] = r1[o];
          dst[2] = r2[o];
          dst[3] = r3[o];
          dst += MR;
        }
      }
    } else {
      for (int k = 0; k < kc; k++) {
        for (int r = 0; r < MR; r++) dst[r] = r < rows ? src[r * rsa + k * csa] : 0.0f;
        dst += MR;
      }
    }
  }
}

// Packs rows [k0, k0+kc) x cols [j0, j0+nc) of op(B) into NR-wide panels:
// panel p holds, for each k, the NR values b(k0+k, j0+p*NR+c), zero padded.
static void pack_b(const float* b, int rsb, int csb, int k0, int kc, int j0, int nc, float* dst) {
  for (int jp = 0; jp < nc; jp += NR) {
    int cols = nc - jp < NR ? nc - jp : NR;
    const float* src = b + k0 * rsb + (j0 + jp) * csb;
    if (cols == NR && csb == 1) {
      // row-major B: the NR values for one k are contiguous
      for (int k = 0; k < kc; k++) {
        const float* s = src + k * rsb;
        wasm_v128_store(dst, wasm_v128_load(s));
        wasm_v128_store(dst + 4, wasm_v128_load(s + 4));
        dst += NR;
      }
    } else if (cols == NR && rsb == 1 && (kc & 3) == 0) {
      // transposed B: column j of op(B) is contiguous; transpose 4x4 blocks
      for (int k = 0; k < kc; k += 4) {
        for (int h = 0; h < NR; h += 4) {
          const float* s = src + k + h * csb;
          v128_t x0 = wasm_v128_load(s), x1 = wasm_v128_load(s + csb);
          v128_t x2 = wasm_v128_load(s + 2 * csb), x3 = wasm_v128_load(s + 3 * csb);
          v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5);
          v128_t t1 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5);
          v128_t t2 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7);
          v128_t t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
          wasm_v128_store(dst + h, wasm_i64x2_shuffle(t0, t1, 0, 2));
          wasm_v128_store(dst + h + NR, wasm_i64x2_shuffle(t0, t1, 1, 3));
          wasm_v128_store(dst + h + 2 * NR, wasm_i64x2_shuffle(t2, t3, 0, 2));
          wasm_v128_store(dst + h + 3 * NR, wasm_i64x2_shuffle(t2, t3, 1, 3));
        }
        dst += 4 * NR;
      }
    } else {
      for (int k = 0; k < kc; k++) {
        for (int c = 0; c < NR; c++) dst[c] = c < cols ? src[k * rsb + c * csb] : 0.0f;
        dst += NR;
      }
    }
  }
}

// bsum[j] += sum over k of the packed block's column j (kc steps of nc
// columns in NR-wide panels, zero padded past nc).
static void sum_packed_b(const float* pb, int kc, int nc, float* bsum) {
  for (int jp = 0; jp < nc; jp += NR) {
    const float* p = pb + jp * kc;
    v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0;
    for (int k = 0; k < kc; k++) {
      s0 = wasm_f32x4_add(s0, wasm_v128_load(p + k * NR));
      s1 = wasm_f32x4_add(s1, wasm_v128_load(p + k * NR + 4));
    }
    int cols = nc - jp < NR ? nc - jp : NR;
    if (cols == NR) {
      wasm_v128_store(bsum + jp, wasm_f32x4_add(wasm_v128_load(bsum + jp), s0));
      wasm_v128_store(bsum + jp + 4, wasm_f32x4_add(wasm_v128_load(bsum + jp + 4), s1));
    } else {
      // the last, partial panel: its valid columns one at a time (no lane of a vector is addressable without the stack)
      for (int q = 0; q < cols; q++) {
        float t = 0.0f;
        for (int k = 0; k < kc; k++) t += p[k * NR + q];
        bsum[jp + q] += t;
      }
    }
  }
}

// The 4x8 micro-kernel: C tile (row stride ldc) = or += sum_k a[k,:]^T b[k,:]
// over kc packed steps, plus the tile's 8 bias values when not accumulating and
// bias is not null. Kept out of line so V8 tiers it up to TurboFan after a few
// calls (V8 has no on-stack replacement for wasm).
__attribute__((noinline)) static void micro_4x8(int kc, const float* a, const float* b, float* c, int ldc,
                                                int accumulate, const float* bias) {
  v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(b);
    v128_t b1 = wasm_v128_load(b + 4);
    v128_t a0 = wasm_v128_load32_splat(a);
    c00 = MADD(a0, b0, c00);
    c01 = MADD(a0, b1, c01);
    v128_t a1 = wasm_v128_load32_splat(a + 1);
    c10 = MADD(a1, b0, c10);
    c11 = MADD(a1, b1, c11);
    v128_t a2 = wasm_v128_load32_splat(a + 2);
    c20 = MADD(a2, b0, c20);
    c21 = MADD(a2, b1, c21);
    v128_t a3 = wasm_v128_load32_splat(a + 3);
    c30 = MADD(a3, b0, c30);
    c31 = MADD(a3, b1, c31);
    a += MR;
    b += NR;
  }
  float* r0 = c;
  float* r1 = c + ldc;
  float* r2 = c + 2 * ldc;
  float* r3 = c + 3 * ldc;
  if (accumulate) {
    c00 = wasm_f32x4_add(c00, wasm_v128_load(r0));
    c01 = wasm_f32x4_add(c01, wasm_v128_load(r0 + 4));
    c10 = wasm_f32x4_add(c10, wasm_v128_load(r1));
    c11 = wasm_f32x4_add(c11, wasm_v128_load(r1 + 4));
    c20 = wasm_f32x4_add(c20, wasm_v128_load(r2));
    c21 = wasm_f32x4_add(c21, wasm_v128_load(r2 + 4));
    c30 = wasm_f32x4_add(c30, wasm_v128_load(r3));
    c31 = wasm_f32x4_add(c31, wasm_v128_load(r3 + 4));
  } else if (bias) {
    v128_t b0 = wasm_v128_load(bias), b1 = wasm_v128_load(bias + 4);
    c00 = wasm_f32x4_add(c00, b0);
    c01 = wasm_f32x4_add(c01, b1);
    c10 = wasm_f32x4_add(c10, b0);
    c11 = wasm_f32x4_add(c11, b1);
    c20 = wasm_f32x4_add(c20, b0);
    c21 = wasm_f32x4_add(c21, b1);
    c30 = wasm_f32x4_add(c30, b0);
    c31 = wasm_f32x4_add(c31, b1);
  }
  wasm_v128_store(r0, c00);
  wasm_v128_store(r0 + 4, c01);
  wasm_v128_store(r1, c10);
  wasm_v128_store(r1 + 4, c11);
  wasm_v128_store(r2, c20);
  wasm_v128_store(r2 + 4, c21);
  wasm_v128_store(r3, c30);
  wasm_v128_store(r3 + 4, c31);
}

// C = op(A) @ op(B) (+ bias) for one matrix. See the header for the stride
// convention; bias (N floats, for C's columns) may be null. bsum, when not
// null, receives the N column sums of op(B) (sum over k of b(k, j)). ws must
// hold matmul_ws_floats() floats and be 16-byte aligned.
EXPORT("matmul_f32")
void matmul_f32(const float* a, const float* b, float* c, int M, int N, int K, int rsa, int csa, int rsb, int csb,
                int ldc, float* ws, const float* bias, float* bsum) {
  float* pa = ws;
  float* pb = ws + MC * KC;
  float* edge = pb + KC * NC;
  if (bsum)
    for (int j = 0; j < N; j++) bsum[j] = 0.0f;
  if (K == 0) {
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) c[i * ldc + j] = bias ? bias[j] : 0.0f;
    return;
  }
  if (small_m_applies(M, K, csa, rsb, csb, matmul_ws_floats())) {
    // a few rows (decoding one token): stream B once instead of packing it (gemv.c)
    matmul_small_m_f32(a, b, c, M, N, K, rsa, csa, rsb, csb, ldc, ws);
    if (bias)
      for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) c[i * ldc + j] += bias[j];
    if (bsum)
      for (int k = 0; k < K; k++)
        for (int j = 0; j < N; j++) bsum[j] += b[(long)k * rsb + (long)j * csb];
    return;
  }
  for (int jc = 0; jc < N; jc += NC) {
    int nc = N - jc < NC ? N - jc : NC;
    for (int pc = 0; pc < K; pc += KC) {
      int kc = K - pc < KC ? K - pc : KC;
      int accumulate = pc > 0;
      pack_b(b, rsb, csb, pc, kc, jc, nc, pb);
      if (bsum) sum_packed_b(pb, kc, nc, bsum + jc);
      for (int ic = 0; ic < M; ic += MC) {
        int mc = M - ic < MC ? M - ic : MC;
        pack_a(a, rsa, csa, ic, mc, pc, kc, pa);
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          const float* bp = pb + jr * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            const float* ap = pa + ir * kc;
            float* ct = c + (ic + ir) * ldc + jc + jr;
            const float* bt = bias ? bias + jc + jr : 0;
            if (mr == MR && nr == NR) {
              micro_4x8(kc, ap, bp, ct, ldc, accumulate, bt);
            } else {
              // partial tile: compute into the scratch tile, copy the valid part
              micro_4x8(kc, ap, bp, edge, NR, 0, 0);
              for (int r = 0; r < mr; r++)
                for (int q = 0; q < nr; q++)
                  ct[r * ldc + q] = accumulate ? ct[r * ldc + q] + edge[r * NR + q] : bt ? edge[r * NR + q] + bt[q] : edge[r * NR + q];
            }
          }
        }
      }
    }
  }
}
