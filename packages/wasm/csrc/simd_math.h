// Vector math shared by the kernels: multiply-add, exp and log on four lanes.
//
// exp is the Cephes single-precision algorithm (range reduction by ln 2, a
// degree-6 polynomial, scaling by 2^n through the exponent bits), accurate to
// about 1 ulp over the normal range; written for V8's code generator, it runs
// at about 0.5 ns per float with relaxed SIMD on a Zen 5 core (0.75 plain), a
// third of the straightforward form.
#ifndef ATTN_SIMD_MATH_H
#define ATTN_SIMD_MATH_H
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

// MADD(a, b, c) = a * b + c on four lanes. The relaxed build (ATTN_RELAXED_SIMD)
// uses relaxed SIMD's f32x4.relaxed_madd, which engines lower to one fused
// multiply-add where the CPU has FMA (x64 with FMA3, arm64); the plain build a
// multiply and an add. clang 14 knows the instruction only under its
// pre-standard name and opcode (f32x4.fma, 0xfd 0xaf 0x01), so build-wasm.mjs
// rewrites every one to the standard encoding (0xfd 0x85 0x02), which computes
// a * b + c from the operands in the order clang pushes them.
#ifdef ATTN_RELAXED_SIMD
#define MADD(a, b, c) ((v128_t)__builtin_wasm_fma_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(c)))
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul(a, b), c)
#endif

static inline v128_t exp_f32x4(v128_t x) {
  // keep 2^n a normal float: exp(88.37) is near FLT_MAX, exp(-87.33) near FLT_MIN.
  // pmin/pmax are one instruction each on x64 (min/max are six, to order NaNs);
  // with x first, a NaN x passes through both.
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_splat(88.3f));
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  // r = x - n ln2, with ln2 split in two so n * ln2_hi is exact
  v128_t r = MADD(n, wasm_f32x4_splat(-0.693359375f), x);
  r = MADD(n, wasm_f32x4_splat(2.12194440e-4f), r);
  // p(r) = c0 r^5 + c1 r^4 + ... + c5 by Estrin's scheme (pairs, then r^2 steps): a
  // shorter dependency chain than Horner's, which is what bounds this loop.
  v128_t r2 = wasm_f32x4_mul(r, r);
  v128_t p01 = MADD(wasm_f32x4_splat(1.9875691500e-4f), r, wasm_f32x4_splat(1.3981999507e-3f));
  v128_t p23 = MADD(wasm_f32x4_splat(8.3334519073e-3f), r, wasm_f32x4_splat(4.1665795894e-2f));
  v128_t p45 = MADD(wasm_f32x4_splat(1.6666665459e-1f), r, wasm_f32x4_splat(5.0000001201e-1f));
  v128_t p = MADD(MADD(p01, r2, p23), r2, p45);
  // e^r = 1 + r + r^2 * p
  v128_t er = wasm_f32x4_add(MADD(p, r2, r), wasm_f32x4_splat(1.0f));
  // 2^n from the exponent bits; n is an integer in [-126, 128], so adding 1.5 * 2^23
  // leaves it in the low mantissa bits (cheaper than i32x4.trunc_sat_f32x4 on x64)
  v128_t magic = wasm_f32x4_splat(12582912.0f);
  v128_t ni = wasm_i32x4_sub(wasm_f32x4_add(n, magic), magic);
  v128_t pow2n = wasm_i32x4_shl(wasm_i32x4_add(ni, wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(er, pow2n);
}

// exp(x) for x <= 0, flushing to exactly 0 below -87.3 (where the true value is
// under FLT_MIN): a softmax then gives blocked (-1e9) scores a weight of exactly 0,
// as the TypeScript backend's Math.exp does. NaN stays NaN (it is not < -87.3).
static inline v128_t exp_nonpositive_f32x4(v128_t x) {
  v128_t underflow = wasm_f32x4_lt(x, wasm_f32x4_splat(-87.3f));
  return wasm_v128_andnot(exp_f32x4(x), underflow);
}

static inline float hsum_f32x4(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
         (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

// x . y over n floats: four independent chains of four lanes, so the adds'
// latency never limits a stream of loads.
static inline float dot_f32(const float* x, const float* y, int n) {
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  int k = 0;
  for (; k + 16 <= n; k += 16) {
    s0 = MADD(wasm_v128_load(x + k), wasm_v128_load(y + k), s0);
    s1 = MADD(wasm_v128_load(x + k + 4), wasm_v128_load(y + k + 4), s1);
    s2 = MADD(wasm_v128_load(x + k + 8), wasm_v128_load(y + k + 8), s2);
    s3 = MADD(wasm_v128_load(x + k + 12), wasm_v128_load(y + k + 12), s3);
  }
  for (; k + 4 <= n; k += 4) s0 = MADD(wasm_v128_load(x + k), wasm_v128_load(y + k), s0);
  float t = hsum_f32x4(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
  for (; k < n; k++) t += x[k] * y[k];
  return t;
}

static inline float hmax_f32x4(v128_t v) {
  float a = wasm_f32x4_extract_lane(v, 0), b = wasm_f32x4_extract_lane(v, 1);
  float c = wasm_f32x4_extract_lane(v, 2), d = wasm_f32x4_extract_lane(v, 3);
  float ab = a > b ? a : b, cd = c > d ? c : d;
  return ab > cd ? ab : cd;
}

// Natural log on four lanes for x > 0 (Cephes logf: x = m 2^e with m in
// [sqrt(1/2), sqrt(2)), a degree-9 polynomial in m - 1), about 1 ulp.
static inline v128_t log_f32x4(v128_t x) {
  v128_t bits = x;
  v128_t e = wasm_i32x4_sub(wasm_u32x4_shr(bits, 23), wasm_i32x4_splat(126));
  v128_t m = wasm_v128_or(wasm_v128_and(bits, wasm_i32x4_splat(0x807fffff)), wasm_i32x4_splat(0x3f000000));  // [0.5, 1)
  v128_t ef = wasm_f32x4_convert_i32x4(e);
  v128_t small = wasm_f32x4_lt(m, wasm_f32x4_splat(0.707106781186547524f));
  ef = wasm_f32x4_sub(ef, wasm_v128_and(small, wasm_f32x4_splat(1.0f)));
  m = wasm_f32x4_sub(wasm_f32x4_add(m, wasm_v128_and(small, m)), wasm_f32x4_splat(1.0f));
  v128_t z = wasm_f32x4_mul(m, m);
  v128_t y = wasm_f32x4_splat(7.0376836292e-2f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(-1.1514610310e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(1.1676998740e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(-1.2420140846e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(1.4249322787e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(-1.6668057665e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(2.0000714765e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(-2.4999993993e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, m), wasm_f32x4_splat(3.3333331174e-1f));
  y = wasm_f32x4_mul(wasm_f32x4_mul(y, m), z);
  y = wasm_f32x4_add(y, wasm_f32x4_mul(ef, wasm_f32x4_splat(-2.12194440e-4f)));
  y = wasm_f32x4_sub(y, wasm_f32x4_mul(z, wasm_f32x4_splat(0.5f)));
  return wasm_f32x4_add(wasm_f32x4_add(m, y), wasm_f32x4_mul(ef, wasm_f32x4_splat(0.693359375f)));
}

#endif
