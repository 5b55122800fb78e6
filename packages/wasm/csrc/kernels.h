// Every kernel the task dispatcher (tasks.c) can run, as defined in the other
// files. Pointers are byte addresses in the shared memory; see each definition.
#ifndef ATTN_KERNELS_H
#define ATTN_KERNELS_H

// Most rows of op(A) the few-row matmul (gemv.c) takes, in its dots form (B
// transposed) and its rows form (B row-major); matmul_f32 hands it such
// products. Past these the packed path was faster (README: decoding speed).
#ifndef DOTS_MAX_M
#define DOTS_MAX_M 4
#endif
#ifndef ROWS_MAX_M
#define ROWS_MAX_M 2
#endif
int small_m_applies(int M, int K, int csa, int rsb, int csb, int ws_floats);
void matmul_small_m_f32(const float* a, const float* b, float* c, int M, int N, int K, int rsa, int csa, int rsb, int csb, int ldc, float* ws);
float stream_read_f32(const float* x, int n);
void matmul_f32(const float* a, const float* b, float* c, int M, int N, int K, int rsa, int csa, int rsb, int csb, int ldc, float* ws,
                const float* bias, float* bsum);
void gelu_tanh_f32(const float* x, float* y, int n);
void gelu_tanh_grad_f32(const float* dy, const float* x, float* dx, int n);
void binary_f32(int op, const float* a, int aLayout, const float* b, int bLayout, float* out, int rows, int cols, int stride);
void sum_rows_f32(const float* x, float* out, int rows, int len);
void sum_axis_f32(const float* x, float* out, int outer, int len, int inner, int width);
void masked_fill_f32(const float* x, const float* mask, float* out, int start, int end, int period, float value);
void permute_rows_f32(const float* x, float* out, int n0, int n1, int n2, int s0, int s1, int s2, int row, int start, int end);
void copy_rows_f32(const float* src, int src_stride, float* dst, int dst_stride, int rows, int width, int before, int after);
void gather_rows_f32(const float* x, const int* idx, float* out, int outer, int length, int inner, int count, int i0, int i1);
void scatter_add_rows_f32(const float* dy, const int* idx, float* out, int outer, int length, int inner, int count, int c0, int c1);
void softmax_f32(const float* x, float* y, int rows, int cols);
void softmax_grad_f32(const float* y, const float* dy, float* dx, int rows, int cols);
void layer_norm_f32(const float* x, const float* w, const float* b, float* y, float* means, float* rstds, int rows, int cols, float eps);
void layer_norm_grad_f32(const float* x, const float* w, const float* means, const float* rstds, const float* dy, float* dx, float* dw,
                         float* db, int rows, int cols);
void adamw_f32(const float* p, const float* g, const float* m, const float* v, float* po, float* mo, float* vo, int n, float beta1,
               float beta2, float eps, float step_size, float inv_sqrt_bias2, float keep);
void attention_f32(const float* q, const float* k, const float* v, float* out, float* lse, int h0, int h1, int Tq, int Tk, int kvRows,
                   int D, int Dv, float scale, int causal, float* ws);
void attention_grad_f32(const float* q, const float* k, const float* v, const float* out, const float* lse, const float* dout,
                        float* dq, float* dk, float* dv, int h0, int h1, int Tq, int Tk, int kvRows, int D, int Dv, float scale,
                        int causal, float* ws);
void attention_qkv_f32(const float* qkv, float* out, float* lse, int h0, int h1, int H, int T, int D, float scale, int causal, float* ws);
void attention_qkv_grad_f32(const float* qkv, const float* out, const float* lse, const float* dout, float* dqkv, int h0, int h1, int H,
                            int T, int D, float scale, int causal, float* ws);
void cross_entropy_f32(const float* x, const int* targets, float* loss, int rows, int cols, int ignore);
void cross_entropy_grad_f32(const float* x, const int* targets, const float* dloss, float* dx, int rows, int cols, int ignore);
float simd_peak_f32(int iters, float seed);

#endif
