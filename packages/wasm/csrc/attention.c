// Fused scaled dot-product attention for a batch of heads, in the style of
// FlashAttention (Dao et al., 2022; FlashAttention-2, Dao 2023): the T x T
// matrix of scores is never stored. The forward pass walks blocks of keys
// for a tile of four queries, keeping a running row maximum m, a running sum
// l of exp(s - m) and an output accumulator that is rescaled whenever m grows
// (the "online softmax"); it saves only lse = m + log(l) per query. The
// backward pass recomputes the probabilities P = exp(s - lse) block by block,
// walking blocks of keys (whose dK, dV accumulate in scratch) and chunks of
// queries (whose dQ accumulates in scratch), with D_i = dO_i . O_i standing in
// for the softmax's row sums. Scratch is O(T) per head: packed keys and
// values, and tiles of BR x BC scores.
//
// Layout: q (heads, Tq, D), k (heads, kvRows, D), v (heads, kvRows, Dv), out (heads, Tq, Dv),
// lse (heads, Tq), all contiguous row-major float32, of which the first Tk <= kvRows
// rows of each head's k and v take part (a KV cache preallocated for kvRows positions;
// dk and dv get zeros in the other rows). Or (attention_qkv_f32) packed: q, k and v
// of every head are column blocks of one (batch, T, 3 H D) projection and the
// output is the (batch, T, H D) merge of the heads, each head's rows read and
// written in place with the projection's row stride: the per-head functions
// take a row stride for each operand (ldq, ldk, ldv; ldo for out and dout; the
// gradients dq, dk, dv have the strides of q, k, v). Scores are scale * q_i . k_j;
// with `causal`, query i sees key j iff j <= i + (Tk - Tq) (the queries are the
// last Tq of Tk positions, as with a KV cache). Needs Tk >= 1 and, if causal, Tq <= Tk,
// so every query sees at least one key.
//
// Every product is the 4x8 micro-kernel mk4x8 (the same register tile as the
// matmul's) with the operands read through strides, so the same code serves
// Q K^T, P V, dO V^T, P^T dO, dS^T Q and dS K. Fewer than four queries (one new
// token while decoding) take forward_head_rows instead, which reads K and V in
// place, once.
//
// No function here uses the C stack (see matmul.c): small per-tile state lives in `ws`.
#include "simd_math.h"

#define BC 64  // keys per block
#define BR 64  // queries per chunk in the backward pass

static inline int min_i(int a, int b) { return a < b ? a : b; }
static inline int max_i(int a, int b) { return a > b ? a : b; }
static inline int up8(int n) { return (n + 7) & ~7; }
static inline int up4(int n) { return (n + 3) & ~3; }

// C (4 x 8, row stride ldc) = (or +=) sum over kc steps of a_k b_k^T, where the
// four A values of step k are a0[k*csa], a1[k*csa], a2[k*csa], a3[k*csa] and the
// eight B values are b[k*ldb .. k*ldb + 8).
__attribute__((noinline)) static void mk4x8(int kc, const float* a0, const float* a1, const float* a2, const float* a3, int csa,
                                            const float* b, int ldb, float* c, int ldc, int accumulate) {
  v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(b);
    v128_t b1 = wasm_v128_load(b + 4);
    v128_t x = wasm_v128_load32_splat(a0);
    c00 = MADD(x, b0, c00);
    c01 = MADD(x, b1, c01);
    x = wasm_v128_load32_splat(a1);
    c10 = MADD(x, b0, c10);
    c11 = MADD(x, b1, c11);
    x = wasm_v128_load32_splat(a2);
    c20 = MADD(x, b0, c20);
    c21 = MADD(x, b1, c21);
    x = wasm_v128_load32_splat(a3);
    c30 = MADD(x, b0, c30);
    c31 = MADD(x, b1, c31);
    a0 += csa;
    a1 += csa;
    a2 += csa;
    a3 += csa;
    b += ldb;
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

// x (rows x cols, row stride ldx) into panels of 8 rows: panel p holds, for
// each column c, the 8 values x[8p .. 8p+8][c] (zeros past the last row).
// Packed keys are the B operand of Q K^T, packed values that of dO V^T.
static void pack_panels8(const float* x, int rows, int cols, int ldx, float* dst) {
  for (int p = 0; p < rows; p += 8) {
    int n = min_i(8, rows - p);
    if (n == 8 && (cols & 3) == 0) {
      // a whole panel: 4 columns at a time, two 4x4 transposes (rows p..p+3 and p+4..p+7)
      const float* r0 = x + p * ldx;
      for (int c = 0; c < cols; c += 4) {
        for (int h = 0; h < 8; h += 4) {
          const float* s = r0 + h * ldx + c;
          v128_t x0 = wasm_v128_load(s), x1 = wasm_v128_load(s + ldx);
          v128_t x2 = wasm_v128_load(s + 2 * ldx), x3 = wasm_v128_load(s + 3 * ldx);
          v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5);
          v128_t t1 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5);
          v128_t t2 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7);
          v128_t t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
          wasm_v128_store(dst + h, wasm_i64x2_shuffle(t0, t1, 0, 2));
          wasm_v128_store(dst + 8 + h, wasm_i64x2_shuffle(t0, t1, 1, 3));
          wasm_v128_store(dst + 16 + h, wasm_i64x2_shuffle(t2, t3, 0, 2));
          wasm_v128_store(dst + 24 + h, wasm_i64x2_shuffle(t2, t3, 1, 3));
        }
        dst += 32;
      }
      continue;
    }
    for (int c = 0; c < cols; c++) {
      for (int r = 0; r < n; r++) dst[r] = x[(p + r) * ldx + c];
      for (int r = n; r < 8; r++) dst[r] = 0.0f;
      dst += 8;
    }
  }
}

// x (rows x cols, row stride ldx) into rows of `ld` floats (zeros in the
// padding), so 8-wide loads at any column group stay inside the row.
static void copy_padded(const float* x, int rows, int cols, int ldx, float* dst, int ld) {
  for (int r = 0; r < rows; r++) {
    int c = 0;
    for (; c < cols; c++) dst[r * ld + c] = x[r * ldx + c];
    for (; c < ld; c++) dst[r * ld + c] = 0.0f;
  }
}

// dst[c] = src[c] * k for c < n, four at a time
static void copy_scaled(const float* src, float* dst, int n, float k) {
  v128_t kv = wasm_f32x4_splat(k);
  int c = 0;
  for (; c + 4 <= n; c += 4) wasm_v128_store(dst + c, wasm_f32x4_mul(wasm_v128_load(src + c), kv));
  for (; c < n; c++) dst[c] = src[c] * k;
}

// dst[c] = src[c] for c < n, four at a time
static void copy_row(const float* src, float* dst, int n) {
  int c = 0;
  for (; c + 4 <= n; c += 4) wasm_v128_store(dst + c, wasm_v128_load(src + c));
  for (; c < n; c++) dst[c] = src[c];
}

static void zero(float* x, int n) {
  for (int i = 0; i < n; i++) x[i] = 0.0f;
}

static inline float exp_scalar(float x) { return wasm_f32x4_extract_lane(exp_nonpositive_f32x4(wasm_f32x4_splat(x)), 0); }

// Keys of a block of nb keys starting at j0 that query `row` sees.
static inline int visible_keys(int causal, int row, int offset, int j0, int nb) {
  return causal ? min_i(max_i(row + offset + 1 - j0, 0), nb) : nb;
}

// One row of a score tile: s[0, nb) holds scores (already scaled). Masks all
// from `visible` on, folds the rest into the running max m and sum l
// (rescaling the row's output accumulator o, Dvp floats), and leaves
// exp(s - m) there (zeros from `visible` on, up to nb rounded up to 8).
static void online_softmax_row(float* s, int visible, int nb, float* m, float* l, float* o, int Dvp) {
  const v128_t ninf = wasm_f32x4_splat(-__builtin_inff());
  v128_t mv = ninf;
  int j = 0;
  if (visible == nb) {
    // a block the whole row sees (all but the causal diagonal): no mask
    for (; j + 4 <= nb; j += 4) mv = wasm_f32x4_pmax(mv, wasm_v128_load(s + j));
  }
  if (j < visible) {
    const v128_t lane = wasm_i32x4_make(0, 1, 2, 3);
    const v128_t vis = wasm_i32x4_splat(visible);
    for (; j < visible; j += 4) {
      v128_t keep = wasm_i32x4_lt(wasm_i32x4_add(lane, wasm_i32x4_splat(j)), vis);
      v128_t x = wasm_v128_bitselect(wasm_v128_load(s + j), ninf, keep);
      wasm_v128_store(s + j, x);
      mv = wasm_f32x4_pmax(mv, x);
    }
  }
  int end = up8(nb);
  for (int z = j; z < end; z++) s[z] = 0.0f;
  float mold = *m;
  float mx = hmax_f32x4(mv);
  float mnew = mx > mold ? mx : mold;
  if (mnew == -__builtin_inff()) {
    for (int z = 0; z < j; z++) s[z] = 0.0f;
    return;
  }
  v128_t mn = wasm_f32x4_splat(mnew);
  v128_t sum = wasm_f32x4_splat(0.0f);
  for (int z = 0; z < j; z += 4) {
    v128_t p = exp_nonpositive_f32x4(wasm_f32x4_sub(wasm_v128_load(s + z), mn));
    wasm_v128_store(s + z, p);
    sum = wasm_f32x4_add(sum, p);
  }
  float alpha = exp_scalar(mold - mnew);  // 0 when mold is -inf
  *l = *l * alpha + hsum_f32x4(sum);
  *m = mnew;
  if (alpha != 1.0f) {
    v128_t av = wasm_f32x4_splat(alpha);
    for (int c = 0; c < Dvp; c += 4) wasm_v128_store(o + c, wasm_f32x4_mul(wasm_v128_load(o + c), av));
  }
}

// Scratch floats one part needs for heads of these sizes (forward or backward).
EXPORT("attention_ws_floats") int attention_ws_floats(int Tq, int Tk, int D, int Dv, int backward) {
  int Tkp = up8(Tk), Dp = up8(D), Dvp = up8(Dv);
  if (!backward) return Tq * D + Tkp * D + ((Dv & 7) ? Tk * Dvp : 0) + 4 * BC + 4 * Dvp + 8;
  int n = Tq + Tkp * D + Tkp * Dv;
  if (D & 7) n += Tq * Dp + Tk * Dp;
  if (Dv & 7) n += Tq * Dvp;
  n += up4(Tq) * Dp + 2 * BR * BC + BC * Dp + BC * Dvp;
  return n;
}

static void forward_head(const float* q, int ldq, const float* k, int ldk, const float* v, int ldv, float* out, int ldo, float* lse,
                         int Tq, int Tk, int D, int Dv, float scale, int causal, float* ws) {
  int offset = Tk - Tq;
  int Dvp = up8(Dv);
  float* qs = ws;  // q * scale (contiguous rows), so the tiles hold finished scores
  ws += Tq * D;
  for (int r = 0; r < Tq; r++) copy_scaled(q + r * ldq, qs + r * D, D, scale);
  q = qs;
  float* kp = ws;
  ws += up8(Tk) * D;
  pack_panels8(k, Tk, D, ldk, kp);
  const float* vv = v;
  if (Dv & 7) {
    copy_padded(v, Tk, Dv, ldv, ws, Dvp);
    vv = ws;
    ldv = Dvp;
    ws += Tk * Dvp;
  }
  float* s = ws;
  float* o = s + 4 * BC;
  float* m = o + 4 * Dvp;
  float* l = m + 4;
  for (int i0 = 0; i0 < Tq; i0 += 4) {
    int rows = min_i(4, Tq - i0);
    const float* q0 = q + i0 * D;
    const float* q1 = rows > 1 ? q0 + D : q0;
    const float* q2 = rows > 2 ? q0 + 2 * D : q0;
    const float* q3 = rows > 3 ? q0 + 3 * D : q0;
    int kend = causal ? min_i(Tk, i0 + rows + offset) : Tk;
    for (int r = 0; r < 4; r++) {
      m[r] = -__builtin_inff();
      l[r] = 0.0f;
    }
    zero(o, 4 * Dvp);
    for (int j0 = 0; j0 < kend; j0 += BC) {
      int nb = min_i(BC, kend - j0);
      for (int p = 0; p < nb; p += 8) mk4x8(D, q0, q1, q2, q3, 1, kp + (j0 + p) * D, 8, s + p, BC, 0);
      for (int r = 0; r < 4; r++) {
        online_softmax_row(s + r * BC, visible_keys(causal, i0 + r, offset, j0, nb), nb, m + r, l + r, o + r * Dvp, Dvp);
      }
      for (int c = 0; c < Dvp; c += 8) mk4x8(nb, s, s + BC, s + 2 * BC, s + 3 * BC, 1, vv + j0 * ldv + c, ldv, o + c, Dvp, 1);
    }
    for (int r = 0; r < rows; r++) {
      float inv = 1.0f / l[r];
      float* dst = out + (i0 + r) * ldo;
      copy_scaled(o + r * Dvp, dst, Dv, inv);
      lse[i0 + r] = m[r] + wasm_f32x4_extract_lane(log_f32x4(wasm_f32x4_splat(l[r])), 0);
    }
  }
}

// The forward pass for fewer than four queries, e.g. the one new token of a
// decoding step: a 4-query tile would be mostly padding, and packing K would
// copy all of it on every call. Each query's scores are dot products with the
// rows of K where they lie, its softmax runs over the whole row at once (s
// holds up to Tk scores), and its output is the probability-weighted sum of
// the rows of V: K and V are each read once, in order.
static void forward_head_rows(const float* q, int ldq, const float* k, int ldk, const float* v, int ldv, float* out, int ldo,
                              float* lse, int Tq, int Tk, int D, int Dv, float scale, int causal, float* s) {
  int offset = Tk - Tq;
  for (int i = 0; i < Tq; i++) {
    int n = causal ? i + offset + 1 : Tk;
    const float* qi = q + i * ldq;
    float mx = -__builtin_inff();
    for (int j = 0; j < n; j++) {
      float x = scale * dot_f32(qi, k + j * ldk, D);
      s[j] = x;
      mx = x > mx ? x : mx;
    }
    v128_t mv = wasm_f32x4_splat(mx);
    v128_t sum = wasm_f32x4_splat(0.0f);
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      v128_t p = exp_nonpositive_f32x4(wasm_f32x4_sub(wasm_v128_load(s + j), mv));
      wasm_v128_store(s + j, p);
      sum = wasm_f32x4_add(sum, p);
    }
    float l = hsum_f32x4(sum);
    for (; j < n; j++) {
      s[j] = exp_scalar(s[j] - mx);
      l += s[j];
    }
    float* o = out + i * ldo;
    zero(o, Dv);
    for (j = 0; j < n; j++) {
      const float* vj = v + j * ldv;
      v128_t p = wasm_f32x4_splat(s[j]);
      int c = 0;
      for (; c + 4 <= Dv; c += 4) wasm_v128_store(o + c, MADD(p, wasm_v128_load(vj + c), wasm_v128_load(o + c)));
      for (; c < Dv; c++) o[c] += s[j] * vj[c];
    }
    float inv = 1.0f / l;
    for (int c = 0; c < Dv; c++) o[c] *= inv;
    lse[i] = mx + wasm_f32x4_extract_lane(log_f32x4(wasm_f32x4_splat(l)), 0);
  }
}

static void backward_head(const float* q, int ldq, const float* k, int ldk, const float* v, int ldv, const float* out,
                          const float* dout, int ldo, const float* lse, float* dq, float* dk, float* dv, int Tq, int Tk, int D, int Dv,
                          float scale, int causal, float* ws) {
  int offset = Tk - Tq;
  int Dp = up8(D), Dvp = up8(Dv);
  float* di = ws;  // D_i = dO_i . O_i
  ws += Tq;
  for (int i = 0; i < Tq; i++) {
    const float* a = dout + i * ldo;
    const float* b = out + i * ldo;
    v128_t acc = wasm_f32x4_splat(0.0f);
    int c = 0;
    for (; c + 4 <= Dv; c += 4) acc = MADD(wasm_v128_load(a + c), wasm_v128_load(b + c), acc);
    float t = hsum_f32x4(acc);
    for (; c < Dv; c++) t += a[c] * b[c];
    di[i] = t;
  }
  float* kp = ws;  // K in 8-key panels: B of S = Q K^T
  ws += up8(Tk) * D;
  pack_panels8(k, Tk, D, ldk, kp);
  float* vp = ws;  // V in 8-key panels: B of dP = dO V^T
  ws += up8(Tk) * Dv;
  pack_panels8(v, Tk, Dv, ldv, vp);
  // Row operands read 8 columns at a time: padded copies when the width is not a multiple of 8.
  const float* qq = q;
  const float* kk = k;
  const float* dd = dout;
  int ldqq = ldq, ldkk = ldk, ldd = ldo;
  if (D & 7) {
    copy_padded(q, Tq, D, ldq, ws, Dp);
    qq = ws;
    ws += Tq * Dp;
    copy_padded(k, Tk, D, ldk, ws, Dp);
    kk = ws;
    ws += Tk * Dp;
    ldqq = ldkk = Dp;
  }
  if (Dv & 7) {
    copy_padded(dout, Tq, Dv, ldo, ws, Dvp);
    dd = ws;
    ws += Tq * Dvp;
    ldd = Dvp;
  }
  float* dqs = ws;  // dQ accumulator, rows padded to a multiple of 4
  ws += up4(Tq) * Dp;
  zero(dqs, up4(Tq) * Dp);
  float* P = ws;  // probabilities of a chunk of queries x a block of keys
  float* dS = P + BR * BC;  // dP, then dS
  float* dkb = dS + BR * BC;  // dK and dV of the current key block
  float* dvb = dkb + BC * Dp;
  const v128_t lane = wasm_i32x4_make(0, 1, 2, 3);
  const v128_t sc = wasm_f32x4_splat(scale);
  for (int j0 = 0; j0 < Tk; j0 += BC) {
    int nb = min_i(BC, Tk - j0);
    zero(dkb, BC * Dp);
    zero(dvb, BC * Dvp);
    int istart = causal ? max_i(0, j0 - offset) : 0;
    for (int c0 = istart; c0 < Tq; c0 += BR) {
      int nr = min_i(BR, Tq - c0);
      // raw scores and dP, four query rows at a time
      for (int r0 = 0; r0 < nr; r0 += 4) {
        int rows = min_i(4, nr - r0);
        const float* q0 = q + (c0 + r0) * ldq;
        const float* q1 = rows > 1 ? q0 + ldq : q0;
        const float* q2 = rows > 2 ? q0 + 2 * ldq : q0;
        const float* q3 = rows > 3 ? q0 + 3 * ldq : q0;
        const float* g0 = dout + (c0 + r0) * ldo;
        const float* g1 = rows > 1 ? g0 + ldo : g0;
        const float* g2 = rows > 2 ? g0 + 2 * ldo : g0;
        const float* g3 = rows > 3 ? g0 + 3 * ldo : g0;
        // keys past the last one these rows see are masked: their scores are not needed
        int seen = visible_keys(causal, c0 + r0 + rows - 1, offset, j0, nb);
        for (int p = 0; p < seen; p += 8) {
          mk4x8(D, q0, q1, q2, q3, 1, kp + (j0 + p) * D, 8, P + r0 * BC + p, BC, 0);
          mk4x8(Dv, g0, g1, g2, g3, 1, vp + (j0 + p) * Dv, 8, dS + r0 * BC + p, BC, 0);
        }
      }
      // P = exp(scale s - lse), dS = P (dP - D_i) scale; zero where masked
      for (int r = 0; r < nr; r++) {
        int row = c0 + r;
        int visible = visible_keys(causal, row, offset, j0, nb);
        float* pr = P + r * BC;
        float* gr = dS + r * BC;
        v128_t vis = wasm_i32x4_splat(visible);
        v128_t ls = wasm_f32x4_splat(lse[row]);
        v128_t dv4 = wasm_f32x4_splat(di[row]);
        int j = 0;
        for (; j < visible; j += 4) {
          v128_t keep = wasm_i32x4_lt(wasm_i32x4_add(lane, wasm_i32x4_splat(j)), vis);
          v128_t p = exp_nonpositive_f32x4(wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(pr + j), sc), ls));
          p = wasm_v128_and(p, keep);
          v128_t g = wasm_f32x4_mul(wasm_f32x4_mul(p, wasm_f32x4_sub(wasm_v128_load(gr + j), dv4)), sc);
          wasm_v128_store(pr + j, p);
          wasm_v128_store(gr + j, g);
        }
        for (; j < up8(nb); j++) pr[j] = gr[j] = 0.0f;
      }
      // dV_block += P^T dO and dK_block += dS^T Q: four keys x eight columns, summed over the chunk's queries
      for (int jj = 0; jj < nb; jj += 4) {
        // queries of the chunk before the first that sees key j0 + jj contribute nothing
        int r1 = causal ? min_i(nr, max_i(0, j0 + jj - offset - c0)) : 0;
        const float* pa = P + r1 * BC + jj;
        const float* sa = dS + r1 * BC + jj;
        const float* da = dd + (c0 + r1) * ldd;
        const float* qa = qq + (c0 + r1) * ldqq;
        for (int c = 0; c < Dvp; c += 8) mk4x8(nr - r1, pa, pa + 1, pa + 2, pa + 3, BC, da + c, ldd, dvb + jj * Dvp + c, Dvp, 1);
        for (int c = 0; c < Dp; c += 8) mk4x8(nr - r1, sa, sa + 1, sa + 2, sa + 3, BC, qa + c, ldqq, dkb + jj * Dp + c, Dp, 1);
      }
      // dQ_chunk += dS K_block: four queries x eight columns, summed over the block's keys
      for (int r0 = 0; r0 < nr; r0 += 4) {
        int rows = min_i(4, nr - r0);
        const float* s0 = dS + r0 * BC;
        const float* s1 = rows > 1 ? s0 + BC : s0;
        const float* s2 = rows > 2 ? s0 + 2 * BC : s0;
        const float* s3 = rows > 3 ? s0 + 3 * BC : s0;
        int seen = visible_keys(causal, c0 + r0 + rows - 1, offset, j0, nb);
        for (int c = 0; c < Dp; c += 8) mk4x8(seen, s0, s1, s2, s3, 1, kk + j0 * ldkk + c, ldkk, dqs + (c0 + r0) * Dp + c, Dp, 1);
      }
    }
    for (int j = 0; j < nb; j++) {
      copy_row(dkb + j * Dp, dk + (j0 + j) * ldk, D);
      copy_row(dvb + j * Dvp, dv + (j0 + j) * ldv, Dv);
    }
  }
  for (int i = 0; i < Tq; i++)
    copy_row(dqs + i * Dp, dq + i * ldq, D);
}

// Heads [h0, h1) of the forward pass (each head's k and v kvRows rows apart);
// ws holds attention_ws_floats(..., 0) floats.
EXPORT("attention_f32")
void attention_f32(const float* q, const float* k, const float* v, float* out, float* lse, int h0, int h1, int Tq, int Tk, int kvRows,
                   int D, int Dv, float scale, int causal, float* ws) {
  for (int h = h0; h < h1; h++) {
    const float* qh = q + (long)h * Tq * D;
    const float* kh = k + (long)h * kvRows * D;
    const float* vh = v + (long)h * kvRows * Dv;
    float* oh = out + (long)h * Tq * Dv;
    if (Tq < 4) forward_head_rows(qh, D, kh, D, vh, Dv, oh, Dv, lse + h * Tq, Tq, Tk, D, Dv, scale, causal, ws);
    else forward_head(qh, D, kh, D, vh, Dv, oh, Dv, lse + h * Tq, Tq, Tk, D, Dv, scale, causal, ws);
  }
}

// Heads [h0, h1) of the backward pass (each head's k, v, dk and dv kvRows rows
// apart; dk and dv rows from Tk on are zeroed); ws holds attention_ws_floats(..., 1) floats.
EXPORT("attention_grad_f32")
void attention_grad_f32(const float* q, const float* k, const float* v, const float* out, const float* lse, const float* dout,
                        float* dq, float* dk, float* dv, int h0, int h1, int Tq, int Tk, int kvRows, int D, int Dv, float scale,
                        int causal, float* ws) {
  for (int h = h0; h < h1; h++) {
    long qo = (long)h * Tq * D, ko = (long)h * kvRows * D, vo = (long)h * kvRows * Dv, oo = (long)h * Tq * Dv;
    backward_head(q + qo, D, k + ko, D, v + vo, Dv, out + oo, dout + oo, Dv, lse + (long)h * Tq, dq + qo, dk + ko, dv + vo, Tq, Tk, D,
                  Dv, scale, causal, ws);
    zero(dk + ko + (long)Tk * D, (kvRows - Tk) * D);
    zero(dv + vo + (long)Tk * Dv, (kvRows - Tk) * Dv);
  }
}

// Heads [h0, h1) of self-attention read from a packed projection (see the
// header): head hh is head hh % H of batch entry hh / H; its q, k and v are the
// column blocks h D, (H + h) D and (2 H + h) D of the entry's T rows of qkv
// (3 H D floats each), its output the block h D of the rows of out (H D each),
// its lse row hh of lse (batch * H, T). ws as for attention_f32.
EXPORT("attention_qkv_f32")
void attention_qkv_f32(const float* qkv, float* out, float* lse, int h0, int h1, int H, int T, int D, float scale, int causal, float* ws) {
  int C = H * D;
  for (int hh = h0; hh < h1; hh++) {
    int b = hh / H, h = hh % H;
    const float* q = qkv + (long)b * T * 3 * C + h * D;
    float* o = out + (long)b * T * C + h * D;
    float* l = lse + (long)hh * T;
    if (T < 4) forward_head_rows(q, 3 * C, q + C, 3 * C, q + 2 * C, 3 * C, o, C, l, T, T, D, D, scale, causal, ws);
    else forward_head(q, 3 * C, q + C, 3 * C, q + 2 * C, 3 * C, o, C, l, T, T, D, D, scale, causal, ws);
  }
}

// Heads [h0, h1) of its backward pass: dq, dk and dv of each head go to the
// columns of dqkv its q, k and v came from (together they cover all of dqkv).
EXPORT("attention_qkv_grad_f32")
void attention_qkv_grad_f32(const float* qkv, const float* out, const float* lse, const float* dout, float* dqkv, int h0, int h1, int H,
                            int T, int D, float scale, int causal, float* ws) {
  int C = H * D;
  for (int hh = h0; hh < h1; hh++) {
    int b = hh / H, h = hh % H;
    long at = (long)b * T * 3 * C + h * D;
    long ao = (long)b * T * C + h * D;
    const float* q = qkv + at;
    float* dq = dqkv + at;
    backward_head(q, 3 * C, q + C, 3 * C, q + 2 * C, 3 * C, out + ao, dout + ao, C, lse + (long)hh * T, dq, dq + C, dq + 2 * C, T, T, D,
                  D, scale, causal, ws);
  }
}
