// Memory-bound kernels, four lanes at a time: broadcasting add/sub/mul/div,
// sums over one axis, masked fill and row permutations (splitting and merging
// attention heads). In plain TypeScript each of these costs 1-5 ns per
// element on this kind of machine (V8 emits no SIMD); here well under one,
// even counting the copies in and out of WebAssembly memory.
//
// None of these functions uses the C stack (see matmul.c).
#include "simd_math.h"

// How an operand of a binary op covers the (rows x cols) output:
#define LAYOUT_FULL 0    // x[r * cols + c]   same shape as the output
#define LAYOUT_SCALAR 1  // x[0]              one value for everything
#define LAYOUT_COL 2     // x[c]              a bias over the trailing dims, repeated every row
#define LAYOUT_ROW 3     // x[r]              one value per row, e.g. (B, T, C) / (B, T, 1)

#define OP_ADD 0
#define OP_SUB 1
#define OP_MUL 2
#define OP_DIV 3

// One row: each operand is either a vector (pointer) or a splat (value).
#define ROW_LOOP(VOP, SOP)                                                                   \
  if (ap && bp) {                                                                            \
    for (; i + 4 <= n; i += 4) wasm_v128_store(o + i, VOP(wasm_v128_load(ap + i), wasm_v128_load(bp + i))); \
    for (; i < n; i++) o[i] = ap[i] SOP bp[i];                                               \
  } else if (ap) {                                                                           \
    v128_t bv = wasm_f32x4_splat(bs);                                                        \
    for (; i + 4 <= n; i += 4) wasm_v128_store(o + i, VOP(wasm_v128_load(ap + i), bv));      \
    for (; i < n; i++) o[i] = ap[i] SOP bs;                                                  \
  } else if (bp) {                                                                           \
    v128_t av = wasm_f32x4_splat(as);                                                        \
    for (; i + 4 <= n; i += 4) wasm_v128_store(o + i, VOP(av, wasm_v128_load(bp + i)));      \
    for (; i < n; i++) o[i] = as SOP bp[i];                                                  \
  } else {                                                                                   \
    for (; i < n; i++) o[i] = as SOP bs;                                                     \
  }

static void binary_row(int op, const float* ap, float as, const float* bp, float bs, float* o, int n) {
  int i = 0;
  switch (op) {
    case OP_ADD: ROW_LOOP(wasm_f32x4_add, +) break;
    case OP_SUB: ROW_LOOP(wasm_f32x4_sub, -) break;
    case OP_MUL: ROW_LOOP(wasm_f32x4_mul, *) break;
    default: ROW_LOOP(wasm_f32x4_div, /) break;
  }
}

// out (rows x cols) = a (op) b, each operand read through its layout. Rows of
// the output and of full operands are `stride` floats apart, so a caller can
// hand each thread a block of rows or of columns (pointers already offset).
EXPORT("binary_f32")
void binary_f32(int op, const float* a, int aLayout, const float* b, int bLayout, float* out, int rows, int cols, int stride) {
  for (int r = 0; r < rows; r++) {
    const float* ap = aLayout == LAYOUT_FULL ? a + (long)r * stride : aLayout == LAYOUT_COL ? a : 0;
    const float* bp = bLayout == LAYOUT_FULL ? b + (long)r * stride : bLayout == LAYOUT_COL ? b : 0;
    float as = aLayout == LAYOUT_SCALAR ? a[0] : aLayout == LAYOUT_ROW ? a[r] : 0.0f;
    float bs = bLayout == LAYOUT_SCALAR ? b[0] : bLayout == LAYOUT_ROW ? b[r] : 0.0f;
    binary_row(op, ap, as, bp, bs, out + (long)r * stride, cols);
  }
}

// out[o] = sum of the contiguous row x[o * len .. (o + 1) * len).
EXPORT("sum_rows_f32") void sum_rows_f32(const float* x, float* out, int rows, int len) {
  for (int o = 0; o < rows; o++) {
    const float* row = x + (long)o * len;
    v128_t acc0 = wasm_f32x4_splat(0.0f), acc1 = wasm_f32x4_splat(0.0f);
    int i = 0;
    for (; i + 8 <= len; i += 8) {
      acc0 = wasm_f32x4_add(acc0, wasm_v128_load(row + i));
      acc1 = wasm_f32x4_add(acc1, wasm_v128_load(row + i + 4));
    }
    float s = hsum_f32x4(wasm_f32x4_add(acc0, acc1));
    for (; i < len; i++) s += row[i];
    out[o] = s;
  }
}

// Sum over the middle axis of (outer, len, inner) with inner > 1, for the
// `width` columns starting at x (a thread's share; rows are `inner` floats apart):
// out[o * inner + i] = sum_r x[(o * len + r) * inner + i] for i < width, accumulated in place in `out`.
EXPORT("sum_axis_f32") void sum_axis_f32(const float* x, float* out, int outer, int len, int inner, int width) {
  for (int o = 0; o < outer; o++) {
    float* acc = out + (long)o * inner;
    const float* block = x + (long)o * len * inner;
    int i = 0;
    for (; i + 4 <= width; i += 4) wasm_v128_store(acc + i, wasm_v128_load(block + i));
    for (; i < width; i++) acc[i] = block[i];
    for (int r = 1; r < len; r++) {
      const float* row = block + (long)r * inner;
      i = 0;
      for (; i + 4 <= width; i += 4) wasm_v128_store(acc + i, wasm_f32x4_add(wasm_v128_load(acc + i), wasm_v128_load(row + i)));
      for (; i < width; i++) acc[i] += row[i];
    }
  }
}

// out = x with `value` wherever mask != 0, for elements [start, end) of x; the
// mask (length period) repeats every `period` elements, e.g. a (T, T) causal
// mask over (B, nh, T, T) scores.
EXPORT("masked_fill_f32")
void masked_fill_f32(const float* x, const float* mask, float* out, int start, int end, int period, float value) {
  v128_t fill = wasm_f32x4_splat(value);
  v128_t zero = wasm_f32x4_splat(0.0f);
  int e = start;
  while (e < end) {
    int m = e % period;  // position in the mask
    int n = period - m < end - e ? period - m : end - e;
    const float* xs = x + e;
    const float* ms = mask + m;
    float* os = out + e;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      v128_t blocked = wasm_f32x4_ne(wasm_v128_load(ms + i), zero);
      wasm_v128_store(os + i, wasm_v128_bitselect(fill, wasm_v128_load(xs + i), blocked));
    }
    for (; i < n; i++) os[i] = ms[i] != 0.0f ? value : xs[i];
    e += n;
  }
}

// A permutation that keeps the last axis (rows of `row` floats move whole).
// The output's leading dims are (n0, n1, n2) (pad with 1s for fewer), and
// output row (i0, i1, i2) is input row i0*s0 + i1*s1 + i2*s2 (strides in rows).
// (B, T, nh, hs) -> (B, nh, T, hs) is n = (B, nh, T), s = (T*nh, 1, nh).
// Writes output rows [start, end) (a thread's share).
EXPORT("permute_rows_f32")
void permute_rows_f32(const float* x, float* out, int n0, int n1, int n2, int s0, int s1, int s2, int row, int start, int end) {
  (void)n0;
  for (int o = start; o < end; o++) {
    int i2 = o % n2;
    int i1 = (o / n2) % n1;
    int i0 = o / (n2 * n1);
    const float* src = x + ((long)i0 * s0 + (long)i1 * s1 + (long)i2 * s2) * row;
    float* dst = out + (long)o * row;
    int j = 0;
    for (; j + 4 <= row; j += 4) wasm_v128_store(dst + j, wasm_v128_load(src + j));
    for (; j < row; j++) dst[j] = src[j];
  }
}

// Copies `rows` blocks of `width` floats, block r from src + r * src_stride to
// dst + r * dst_stride + before, and zeroes the `before` floats ahead of each
// and the `after` floats behind it. A slice along an axis is rows = outer,
// src_stride = length * inner, before = after = 0; its gradient (PadAxis) is
// the reverse with zeros around.
EXPORT("copy_rows_f32")
void copy_rows_f32(const float* src, int src_stride, float* dst, int dst_stride, int rows, int width, int before, int after) {
  v128_t zero = wasm_f32x4_splat(0.0f);
  for (int r = 0; r < rows; r++) {
    const float* s = src + (long)r * src_stride;
    float* d = dst + (long)r * dst_stride;
    int i = 0;
    for (; i + 4 <= before; i += 4) wasm_v128_store(d + i, zero);
    for (; i < before; i++) d[i] = 0.0f;
    d += before;
    i = 0;
    for (; i + 4 <= width; i += 4) wasm_v128_store(d + i, wasm_v128_load(s + i));
    for (; i < width; i++) d[i] = s[i];
    d += width;
    i = 0;
    for (; i + 4 <= after; i += 4) wasm_v128_store(d + i, zero);
    for (; i < after; i++) d[i] = 0.0f;
  }
}

// Gather (an embedding lookup): x viewed as (outer, length, inner), out as
// (outer, count, inner); out[o, i, :] = x[o, idx[i], :] for i in [i0, i1) (a
// thread's share of the indices). Indices were checked by the op.
EXPORT("gather_rows_f32")
void gather_rows_f32(const float* x, const int* idx, float* out, int outer, int length, int inner, int count, int i0, int i1) {
  for (int o = 0; o < outer; o++) {
    for (int i = i0; i < i1; i++) {
      const float* s = x + ((long)o * length + idx[i]) * inner;
      float* d = out + ((long)o * count + i) * inner;
      int c = 0;
      for (; c + 4 <= inner; c += 4) wasm_v128_store(d + c, wasm_v128_load(s + c));
      for (; c < inner; c++) d[c] = s[c];
    }
  }
}

// Its adjoint (an embedding's gradient): out (outer, length, inner) is zeroed,
// then out[o, idx[i], :] += dy[o, i, :] for every i, in index order (repeated
// indices add up), over the columns [c0, c1) only: a thread's share, so two
// threads never write the same element.
EXPORT("scatter_add_rows_f32")
void scatter_add_rows_f32(const float* dy, const int* idx, float* out, int outer, int length, int inner, int count, int c0, int c1) {
  v128_t zero = wasm_f32x4_splat(0.0f);
  for (long r = 0; r < (long)outer * length; r++) {
    float* d = out + r * inner;
    int c = c0;
    for (; c + 4 <= c1; c += 4) wasm_v128_store(d + c, zero);
    for (; c < c1; c++) d[c] = 0.0f;
  }
  for (int o = 0; o < outer; o++) {
    for (int i = 0; i < count; i++) {
      const float* s = dy + ((long)o * count + i) * inner;
      float* d = out + ((long)o * length + idx[i]) * inner;
      int c = c0;
      for (; c + 4 <= c1; c += 4) wasm_v128_store(d + c, wasm_f32x4_add(wasm_v128_load(d + c), wasm_v128_load(s + c)));
      for (; c < c1; c++) d[c] += s[c];
    }
  }
}
