// Matrix products with few rows, C[M,N] = op(A)[M,K] @ op(B)[K,N] for M up to
// ROWS_MAX_M or DOTS_MAX_M (kernels.h): one token's activations times a weight matrix, as every step of
// generation with a KV cache does. (Strides as in matmul.c: a(i,k) = A[i*rsa + k*csa],
// b(k,j) = B[k*rsb + j*csb], C row-major with row stride ldc.)
//
// With so few rows the packed path of matmul.c is the wrong shape: it copies
// all of op(B) into panels (reading B and writing it again) to feed a 4x8
// micro-tile whose rows are mostly padding. Here each element of B is read
// exactly once, straight from where it lives, and used for the M rows at once:
// the product is bound by how fast memory delivers B, not by arithmetic.
//
//   rows form   (B row-major, csb == 1, e.g. x @ W for a Linear weight W (in, out))
//               C[i, :] += a(i,k) * B[k, :], row k of B after row k - 1, over a
//               block of columns whose C rows stay in L1.
//   dots form   (B transposed, rsb == 1, e.g. x @ wte^T, the tied unembedding)
//               C[i, j] = dot(a_i, B[j, :]), row j of B after row j - 1, a_i in L1.
//
// Both walk B in the order it is stored: a single sequential stream reached the
// memory's full bandwidth where four interleaved rows got half of it.
//
// Threads split the columns of C (the caller's bands; see plan.ts), so each
// reads its own part of B. No function here uses the C stack (see matmul.c).
#include "kernels.h"
#include "simd_math.h"

// Floats of C one pass of the rows form updates (M rows x a block of columns):
// 32 KiB, so the block stays in L1 while B streams past.
#define ROWS_BLOCK_FLOATS 8192

// Rows form over the column block [j0, j0 + jb): C = a @ B with B row-major
// (rsb floats between rows). One row of B at a time: when the block is whole
// rows (jb == rsb, as for a Linear weight on one thread) B is read as one
// sequential stream, which on the machines measured (see README) is what
// reaches the memory's full bandwidth; interleaving several rows of B halved it.
static void rows_block(const float* a, int rsa, int csa, const float* b, int rsb, float* c, int ldc, int M, int K, int j0,
                       int jb) {
  for (int k = 0; k < K; k++) {
    const float* bk = b + (long)k * rsb + j0;
    for (int i = 0; i < M; i++) {
      float s = a[(long)i * rsa + (long)k * csa];
      v128_t av = wasm_f32x4_splat(s);
      float* ci = c + (long)i * ldc + j0;
      int j = 0;
      if (k == 0) {
        for (; j + 4 <= jb; j += 4) wasm_v128_store(ci + j, wasm_f32x4_mul(av, wasm_v128_load(bk + j)));
        for (; j < jb; j++) ci[j] = s * bk[j];
      } else {
        for (; j + 16 <= jb; j += 16) {
          wasm_v128_store(ci + j, MADD(av, wasm_v128_load(bk + j), wasm_v128_load(ci + j)));
          wasm_v128_store(ci + j + 4, MADD(av, wasm_v128_load(bk + j + 4), wasm_v128_load(ci + j + 4)));
          wasm_v128_store(ci + j + 8, MADD(av, wasm_v128_load(bk + j + 8), wasm_v128_load(ci + j + 8)));
          wasm_v128_store(ci + j + 12, MADD(av, wasm_v128_load(bk + j + 12), wasm_v128_load(ci + j + 12)));
        }
        for (; j + 4 <= jb; j += 4) wasm_v128_store(ci + j, MADD(av, wasm_v128_load(bk + j), wasm_v128_load(ci + j)));
        for (; j < jb; j++) ci[j] += s * bk[j];
      }
    }
  }
}

// Dots form: C[i, j] = dot(a_i, row j of stored B), rows csb floats apart; a's rows contiguous.
// Row by row, so B is one sequential stream; rows of A after the first find row j in L1.
static void dots(const float* a, int rsa, const float* b, int csb, float* c, int ldc, int M, int N, int K) {
  for (int j = 0; j < N; j++) {
    const float* bj = b + (long)j * csb;
    for (int i = 0; i < M; i++) c[(long)i * ldc + j] = dot_f32(a + (long)i * rsa, bj, K);
  }
}

// ROWS_MAX_M, for the caller that splits rows-form products among threads by depth (src/plan.ts).
EXPORT("rows_max_m") int rows_max_m(void) { return ROWS_MAX_M; }

// Whether matmul_small_m_f32 handles this product (see matmul_f32).
int small_m_applies(int M, int K, int csa, int rsb, int csb, int ws_floats) {
  if (M < 1) return 0;
  if (csb == 1) return M <= ROWS_MAX_M;
  if (M > DOTS_MAX_M) return 0;
  // the dots form needs each row of op(A) contiguous: copied into ws when it is not
  return rsb == 1 && (csa == 1 || M * K <= ws_floats);
}

// C = op(A) @ op(B) for a few rows, when small_m_applies(). ws: scratch of ws_floats floats.
EXPORT("matmul_small_m_f32")
void matmul_small_m_f32(const float* a, const float* b, float* c, int M, int N, int K, int rsa, int csa, int rsb, int csb,
                        int ldc, float* ws) {
  if (csb == 1) {
    int block = ROWS_BLOCK_FLOATS / M;
    for (int j0 = 0; j0 < N; j0 += block) rows_block(a, rsa, csa, b, rsb, c, ldc, M, K, j0, N - j0 < block ? N - j0 : block);
    return;
  }
  if (csa != 1) {
    // op(A) transposed or strided: copy its rows (M * K floats, a few KiB) into the scratch
    float* packed = ws;
    for (int i = 0; i < M; i++)
      for (int k = 0; k < K; k++) packed[i * K + k] = a[(long)i * rsa + (long)k * csa];
    a = packed;
    rsa = K;
  }
  dots(a, rsa, b, csb, c, ldc, M, N, K);
}
