// The yardstick for the compute-bound kernels: the multiply-add rate this
// engine and core reach with everything in registers. Twelve independent
// chains of MADD (simd_math.h: a fused multiply-add in the relaxed build, a
// multiply and an add in the plain one), enough to cover the latency of two
// pipelined FMA units; no memory is touched inside the loop. The bench reports
// each matmul as a fraction of this, measured in the same module.
#include "simd_math.h"

// Runs `iters` iterations of 12 four-lane multiply-adds (96 floating-point
// operations each) and returns a value that depends on all of them, so the
// engine cannot drop the loop.
EXPORT("simd_peak_f32") float simd_peak_f32(int iters, float seed) {
  v128_t y = wasm_f32x4_splat(0.999f);
  v128_t x = wasm_f32x4_splat(seed);
  v128_t a0 = x, a1 = wasm_f32x4_add(a0, x), a2 = wasm_f32x4_add(a1, x), a3 = wasm_f32x4_add(a2, x);
  v128_t a4 = wasm_f32x4_add(a3, x), a5 = wasm_f32x4_add(a4, x), a6 = wasm_f32x4_add(a5, x), a7 = wasm_f32x4_add(a6, x);
  v128_t a8 = wasm_f32x4_add(a7, x), a9 = wasm_f32x4_add(a8, x), a10 = wasm_f32x4_add(a9, x), a11 = wasm_f32x4_add(a10, x);
  for (int i = 0; i < iters; i++) {
    a0 = MADD(a0, y, x);
    a1 = MADD(a1, y, x);
    a2 = MADD(a2, y, x);
    a3 = MADD(a3, y, x);
    a4 = MADD(a4, y, x);
    a5 = MADD(a5, y, x);
    a6 = MADD(a6, y, x);
    a7 = MADD(a7, y, x);
    a8 = MADD(a8, y, x);
    a9 = MADD(a9, y, x);
    a10 = MADD(a10, y, x);
    a11 = MADD(a11, y, x);
  }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)), wasm_f32x4_add(wasm_f32x4_add(a4, a5), wasm_f32x4_add(a6, a7)));
  s = wasm_f32x4_add(s, wasm_f32x4_add(wasm_f32x4_add(a8, a9), wasm_f32x4_add(a10, a11)));
  return hsum_f32x4(s);
}

// The yardstick for the memory-bound kernels (a matmul with one row of A, as in
// decoding, reads every weight once): how fast this thread streams `n` floats
// from memory, summed with four independent vector chains so the adds never
// limit it. Returns the sum, so the engine cannot drop the reads.
EXPORT("stream_read_f32") float stream_read_f32(const float* x, int n) {
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = wasm_f32x4_add(s0, wasm_v128_load(x + i));
    s1 = wasm_f32x4_add(s1, wasm_v128_load(x + i + 4));
    s2 = wasm_f32x4_add(s2, wasm_v128_load(x + i + 8));
    s3 = wasm_f32x4_add(s3, wasm_v128_load(x + i + 12));
  }
  float t = hsum_f32x4(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
  for (; i < n; i++) t += x[i];
  return t;
}
