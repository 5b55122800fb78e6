// The fused AdamW update (see KernelAttrs.AdamW in @attn/tensor), four lanes at
// a time. The reference is the CPU backend's loop in @attn/tensor.
//
// None of these functions uses the C stack (see matmul.c).
#include "simd_math.h"

// m' = b1 m + (1 - b1) g;  v' = b2 v + (1 - b2) g^2;  p' = p keep - step m' / (sqrt(v') isb2 + eps)
static inline void adamw4(const float* p, const float* g, const float* m, const float* v, float* po, float* mo, float* vo,
                          v128_t b1, v128_t a1, v128_t b2, v128_t a2, v128_t eps, v128_t step, v128_t isb2, v128_t keep) {
  v128_t gv = wasm_v128_load(g);
  v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(b1, wasm_v128_load(m)), wasm_f32x4_mul(a1, gv));
  v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(b2, wasm_v128_load(v)), wasm_f32x4_mul(wasm_f32x4_mul(a2, gv), gv));
  v128_t denom = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_sqrt(vi), isb2), eps);
  v128_t next = wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(p), keep), wasm_f32x4_div(wasm_f32x4_mul(step, mi), denom));
  wasm_v128_store(mo, mi);
  wasm_v128_store(vo, vi);
  wasm_v128_store(po, next);
}

EXPORT("adamw_f32")
void adamw_f32(const float* p, const float* g, const float* m, const float* v, float* po, float* mo, float* vo, int n,
               float beta1, float beta2, float eps, float step_size, float inv_sqrt_bias2, float keep) {
  v128_t b1 = wasm_f32x4_splat(beta1), a1 = wasm_f32x4_splat(1.0f - beta1);
  v128_t b2 = wasm_f32x4_splat(beta2), a2 = wasm_f32x4_splat(1.0f - beta2);
  v128_t ev = wasm_f32x4_splat(eps), sv = wasm_f32x4_splat(step_size);
  v128_t iv = wasm_f32x4_splat(inv_sqrt_bias2), kv = wasm_f32x4_splat(keep);
  int i = 0;
  for (; i + 4 <= n; i += 4) adamw4(p + i, g + i, m + i, v + i, po + i, mo + i, vo + i, b1, a1, b2, a2, ev, sv, iv, kv);
  for (; i < n; i++) {
    float gi = g[i];
    float mi = beta1 * m[i] + (1.0f - beta1) * gi;
    float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
    float root = wasm_f32x4_extract_lane(wasm_f32x4_sqrt(wasm_f32x4_splat(vi)), 0);
    mo[i] = mi;
    vo[i] = vi;
    po[i] = p[i] * keep - step_size * mi / (root * inv_sqrt_bias2 + eps);
  }
}
