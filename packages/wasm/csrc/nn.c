// Row-wise kernels of a transformer: softmax and its gradient, layer norm and
// its gradient. Each works on (rows, cols) with rows contiguous, four lanes at
// a time; reductions run in float32 with several accumulators.
//
// None of these functions uses the C stack (see matmul.c).
#include "simd_math.h"

// y = softmax(x) along each row of (rows, cols), the row max subtracted first.
EXPORT("softmax_f32") void softmax_f32(const float* x, float* y, int rows, int cols) {
  for (int r = 0; r < rows; r++) {
    const float* xr = x + (long)r * cols;
    float* yr = y + (long)r * cols;
    v128_t mv = wasm_f32x4_splat(-__builtin_inff());
    int i = 0;
    for (; i + 4 <= cols; i += 4) mv = wasm_f32x4_pmax(mv, wasm_v128_load(xr + i));
    float mx = hmax_f32x4(mv);
    for (; i < cols; i++) mx = xr[i] > mx ? xr[i] : mx;
    if (mx == -__builtin_inff()) mx = 0.0f;  // an all -inf row: exp gives 0s, as in the TypeScript backend
    v128_t m = wasm_f32x4_splat(mx);
    v128_t sv = wasm_f32x4_splat(0.0f);
    i = 0;
    for (; i + 4 <= cols; i += 4) {
      v128_t e = exp_nonpositive_f32x4(wasm_f32x4_sub(wasm_v128_load(xr + i), m));
      wasm_v128_store(yr + i, e);
      sv = wasm_f32x4_add(sv, e);
    }
    float total = hsum_f32x4(sv);
    for (; i < cols; i++) {
      float e = wasm_f32x4_extract_lane(exp_nonpositive_f32x4(wasm_f32x4_splat(xr[i] - mx)), 0);
      yr[i] = e;
      total += e;
    }
    float inv = 1.0f / total;
    v128_t iv = wasm_f32x4_splat(inv);
    i = 0;
    for (; i + 4 <= cols; i += 4) wasm_v128_store(yr + i, wasm_f32x4_mul(wasm_v128_load(yr + i), iv));
    for (; i < cols; i++) yr[i] *= inv;
  }
}

// dx = y * (dy - sum(dy * y)) along each row, where y = softmax(x).
EXPORT("softmax_grad_f32") void softmax_grad_f32(const float* y, const float* dy, float* dx, int rows, int cols) {
  for (int r = 0; r < rows; r++) {
    const float* yr = y + (long)r * cols;
    const float* gr = dy + (long)r * cols;
    float* dr = dx + (long)r * cols;
    v128_t acc = wasm_f32x4_splat(0.0f);
    int i = 0;
    for (; i + 4 <= cols; i += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(yr + i), wasm_v128_load(gr + i)));
    float dot = hsum_f32x4(acc);
    for (; i < cols; i++) dot += yr[i] * gr[i];
    v128_t d = wasm_f32x4_splat(dot);
    i = 0;
    for (; i + 4 <= cols; i += 4) {
      wasm_v128_store(dr + i, wasm_f32x4_mul(wasm_v128_load(yr + i), wasm_f32x4_sub(wasm_v128_load(gr + i), d)));
    }
    for (; i < cols; i++) dr[i] = yr[i] * (gr[i] - dot);
  }
}

static inline float row_sum(const float* x, int n) {
  v128_t acc = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) acc = wasm_f32x4_add(acc, wasm_v128_load(x + i));
  float s = hsum_f32x4(acc);
  for (; i < n; i++) s += x[i];
  return s;
}

// Layer norm over each row of (rows, cols): y = (x - mean) * rstd * w + b with
// rstd = 1 / sqrt(var + eps) (population variance, two passes). w and b may be 0 (absent).
EXPORT("layer_norm_f32")
void layer_norm_f32(const float* x, const float* w, const float* b, float* y, float* means, float* rstds, int rows, int cols, float eps) {
  for (int r = 0; r < rows; r++) {
    const float* xr = x + (long)r * cols;
    float* yr = y + (long)r * cols;
    float mean = row_sum(xr, cols) / (float)cols;
    v128_t mv = wasm_f32x4_splat(mean);
    v128_t acc = wasm_f32x4_splat(0.0f);
    int i = 0;
    for (; i + 4 <= cols; i += 4) {
      v128_t d = wasm_f32x4_sub(wasm_v128_load(xr + i), mv);
      acc = wasm_f32x4_add(acc, wasm_f32x4_mul(d, d));
    }
    float ss = hsum_f32x4(acc);
    for (; i < cols; i++) ss += (xr[i] - mean) * (xr[i] - mean);
    float rstd = 1.0f / wasm_f32x4_extract_lane(wasm_f32x4_sqrt(wasm_f32x4_splat(ss / (float)cols + eps)), 0);
    means[r] = mean;
    rstds[r] = rstd;
    v128_t rv = wasm_f32x4_splat(rstd);
    i = 0;
    for (; i + 4 <= cols; i += 4) {
      v128_t v = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + i), mv), rv);
      if (w) v = wasm_f32x4_mul(v, wasm_v128_load(w + i));
      if (b) v = wasm_f32x4_add(v, wasm_v128_load(b + i));
      wasm_v128_store(yr + i, v);
    }
    for (; i < cols; i++) {
      float v = (xr[i] - mean) * rstd;
      if (w) v *= w[i];
      if (b) v += b[i];
      yr[i] = v;
    }
  }
}

// Layer norm backward. With xhat = (x - mean) * rstd and g = dy * w (or dy):
//   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  dw = sum_rows dy * xhat,  db = sum_rows dy.
// dw and db are zeroed here and accumulated over the rows.
EXPORT("layer_norm_grad_f32")
void layer_norm_grad_f32(const float* x, const float* w, const float* means, const float* rstds, const float* dy,
                         float* dx, float* dw, float* db, int rows, int cols) {
  for (int i = 0; i < cols; i++) dw[i] = db[i] = 0.0f;
  for (int r = 0; r < rows; r++) {
    const float* xr = x + (long)r * cols;
    const float* gr = dy + (long)r * cols;
    float* dr = dx + (long)r * cols;
    v128_t mv = wasm_f32x4_splat(means[r]);
    float rstd = rstds[r];
    v128_t rv = wasm_f32x4_splat(rstd);
    v128_t sg = wasm_f32x4_splat(0.0f), sgx = wasm_f32x4_splat(0.0f);
    int i = 0;
    for (; i + 4 <= cols; i += 4) {
      v128_t xhat = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + i), mv), rv);
      v128_t d = wasm_v128_load(gr + i);
      v128_t g = w ? wasm_f32x4_mul(d, wasm_v128_load(w + i)) : d;
      sg = wasm_f32x4_add(sg, g);
      sgx = wasm_f32x4_add(sgx, wasm_f32x4_mul(g, xhat));
      wasm_v128_store(dw + i, wasm_f32x4_add(wasm_v128_load(dw + i), wasm_f32x4_mul(d, xhat)));
      wasm_v128_store(db + i, wasm_f32x4_add(wasm_v128_load(db + i), d));
    }
    float sumG = hsum_f32x4(sg), sumGX = hsum_f32x4(sgx);
    for (; i < cols; i++) {
      float xhat = (xr[i] - means[r]) * rstd;
      float g = w ? gr[i] * w[i] : gr[i];
      sumG += g;
      sumGX += g * xhat;
      dw[i] += gr[i] * xhat;
      db[i] += gr[i];
    }
    float meanG = sumG / (float)cols, meanGX = sumGX / (float)cols;
    v128_t mg = wasm_f32x4_splat(meanG), mgx = wasm_f32x4_splat(meanGX);
    i = 0;
    for (; i + 4 <= cols; i += 4) {
      v128_t xhat = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + i), mv), rv);
      v128_t d = wasm_v128_load(gr + i);
      v128_t g = w ? wasm_f32x4_mul(d, wasm_v128_load(w + i)) : d;
      wasm_v128_store(dr + i, wasm_f32x4_mul(rv, wasm_f32x4_sub(wasm_f32x4_sub(g, mg), wasm_f32x4_mul(xhat, mgx))));
    }
    for (; i < cols; i++) {
      float xhat = (xr[i] - means[r]) * rstd;
      float g = w ? gr[i] * w[i] : gr[i];
      dr[i] = rstd * (g - meanG - xhat * meanGX);
    }
  }
}

// Largest value of a row, four lanes at a time.
static inline float row_max(const float* x, int n) {
  v128_t mv = wasm_f32x4_splat(-__builtin_inff());
  int i = 0;
  for (; i + 4 <= n; i += 4) mv = wasm_f32x4_pmax(mv, wasm_v128_load(x + i));
  float mx = hmax_f32x4(mv);
  for (; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  return mx;
}

// sum exp(x - mx) over a row; when `out` is not 0 the exponentials are stored there too.
static inline float row_sum_exp(const float* x, float* out, int n, float mx) {
  v128_t m = wasm_f32x4_splat(mx);
  v128_t acc = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t e = exp_f32x4(wasm_f32x4_sub(wasm_v128_load(x + i), m));
    if (out) wasm_v128_store(out + i, e);
    acc = wasm_f32x4_add(acc, e);
  }
  float s = hsum_f32x4(acc);
  for (; i < n; i++) {
    float e = wasm_f32x4_extract_lane(exp_f32x4(wasm_f32x4_splat(x[i] - mx)), 0);
    if (out) out[i] = e;
    s += e;
  }
  return s;
}

// Cross-entropy of each row of logits (rows, cols) against its target:
// loss[r] = log sum_j exp(x_rj) - x_r,t (the max subtracted first), 0 where t == ignore.
EXPORT("cross_entropy_f32")
void cross_entropy_f32(const float* x, const int* targets, float* loss, int rows, int cols, int ignore) {
  for (int r = 0; r < rows; r++) {
    int t = targets[r];
    if (t == ignore) {
      loss[r] = 0.0f;
      continue;
    }
    const float* xr = x + (long)r * cols;
    float mx = row_max(xr, cols);
    float s = row_sum_exp(xr, 0, cols, mx);
    loss[r] = mx + wasm_f32x4_extract_lane(log_f32x4(wasm_f32x4_splat(s)), 0) - xr[t];
  }
}

// Its gradient: dx_r = (softmax(x_r) - onehot(t_r)) * dloss[r], zero rows where t == ignore.
EXPORT("cross_entropy_grad_f32")
void cross_entropy_grad_f32(const float* x, const int* targets, const float* dloss, float* dx, int rows, int cols, int ignore) {
  for (int r = 0; r < rows; r++) {
    int t = targets[r];
    float* dr = dx + (long)r * cols;
    if (t == ignore) {
      for (int i = 0; i < cols; i++) dr[i] = 0.0f;
      continue;
    }
    const float* xr = x + (long)r * cols;
    float mx = row_max(xr, cols);
    float s = row_sum_exp(xr, dr, cols, mx);
    v128_t scale = wasm_f32x4_splat(dloss[r] / s);
    int i = 0;
    for (; i + 4 <= cols; i += 4) wasm_v128_store(dr + i, wasm_f32x4_mul(wasm_v128_load(dr + i), scale));
    for (; i < cols; i++) dr[i] *= dloss[r] / s;
    dr[t] -= dloss[r];
  }
}
