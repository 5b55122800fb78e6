// The task table: how the calling thread and the workers are told what to run.
// A job is a table of tasks in shared memory, TASK_INTS int32 words each: the
// kind, then the kernel's integer arguments (pointers are byte addresses), then
// its float arguments stored as their bits, in the order listed below. Each
// thread runs a contiguous range of tasks (src/pool.ts, src/protocol.ts), so a
// kernel is split across threads by writing one task per share: a band of
// rows, a range of elements, some heads. The TypeScript side writes the same
// layout (src/tasks.ts); a test keeps the two lists in step.
//
// No function here uses the C stack (see matmul.c).
#include "kernels.h"
#include "simd_math.h"

#define TASK_INTS 24

enum {
  TASK_MATMUL = 1,       // a b c M N K rsa csa rsb csb ldc bias bsum (the thread's packing scratch; bias, bsum 0: none)
  TASK_GELU = 2,         // x y n
  TASK_GELU_GRAD = 3,    // dy x dx n
  TASK_BINARY = 4,       // op a aLayout b bLayout out rows cols stride
  TASK_SUM_ROWS = 5,     // x out rows len
  TASK_SUM_AXIS = 6,     // x out outer len inner width
  TASK_MASKED_FILL = 7,  // x mask out start end period | value
  TASK_PERMUTE_ROWS = 8, // x out n0 n1 n2 s0 s1 s2 row start end
  TASK_SOFTMAX = 9,      // x y rows cols
  TASK_SOFTMAX_GRAD = 10,  // y dy dx rows cols
  TASK_LAYER_NORM = 11,    // x w b y means rstds rows cols | eps
  TASK_LAYER_NORM_GRAD = 12,  // x w means rstds dy dx dw db rows cols
  TASK_ADAMW = 13,            // p g m v po mo vo n | beta1 beta2 eps stepSize invSqrtBias2 keep
  TASK_ATTENTION = 14,        // q k v out lse h0 h1 Tq Tk D Dv causal ws kvRows | scale
  TASK_ATTENTION_GRAD = 15,   // q k v out lse dout dq dk dv h0 h1 Tq Tk D Dv causal ws kvRows | scale
  TASK_PEAK = 16,             // iters out | seed
  TASK_COPY_ROWS = 17,        // src srcStride dst dstStride rows width before after
  TASK_CROSS_ENTROPY = 18,    // x targets loss rows cols ignore
  TASK_CROSS_ENTROPY_GRAD = 19,  // x targets dloss dx rows cols ignore
  TASK_STREAM_READ = 20,         // x n out
  TASK_ATTENTION_QKV = 21,       // qkv out lse h0 h1 H T D causal ws | scale
  TASK_ATTENTION_QKV_GRAD = 22,  // qkv out lse dout dqkv h0 h1 H T D causal ws | scale
  TASK_GATHER = 23,              // x idx out outer length inner count i0 i1
  TASK_SCATTER_ADD = 24,         // dy idx out outer length inner count c0 c1
};

EXPORT("task_ints") int task_ints(void) { return TASK_INTS; }

static inline float f32(int bits) {
  union {
    int i;
    float f;
  } u = {bits};
  return u.f;
}

#define P(i) ((float*)t[i])

// Runs tasks [start, end) of the table; ws is this thread's matmul scratch.
EXPORT("run_tasks") void run_tasks(const int* table, int start, int end, float* ws) {
  for (int n = start; n < end; n++) {
    const int* t = table + n * TASK_INTS;
    switch (t[0]) {
      case TASK_MATMUL:
        matmul_f32(P(1), P(2), P(3), t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], ws, P(12), P(13));
        break;
      case TASK_GELU:
        gelu_tanh_f32(P(1), P(2), t[3]);
        break;
      case TASK_GELU_GRAD:
        gelu_tanh_grad_f32(P(1), P(2), P(3), t[4]);
        break;
      case TASK_BINARY:
        binary_f32(t[1], P(2), t[3], P(4), t[5], P(6), t[7], t[8], t[9]);
        break;
      case TASK_SUM_ROWS:
        sum_rows_f32(P(1), P(2), t[3], t[4]);
        break;
      case TASK_SUM_AXIS:
        sum_axis_f32(P(1), P(2), t[3], t[4], t[5], t[6]);
        break;
      case TASK_MASKED_FILL:
        masked_fill_f32(P(1), P(2), P(3), t[4], t[5], t[6], f32(t[7]));
        break;
      case TASK_PERMUTE_ROWS:
        permute_rows_f32(P(1), P(2), t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11]);
        break;
      case TASK_SOFTMAX:
        softmax_f32(P(1), P(2), t[3], t[4]);
        break;
      case TASK_SOFTMAX_GRAD:
        softmax_grad_f32(P(1), P(2), P(3), t[4], t[5]);
        break;
      case TASK_LAYER_NORM:
        layer_norm_f32(P(1), P(2), P(3), P(4), P(5), P(6), t[7], t[8], f32(t[9]));
        break;
      case TASK_LAYER_NORM_GRAD:
        layer_norm_grad_f32(P(1), P(2), P(3), P(4), P(5), P(6), P(7), P(8), t[9], t[10]);
        break;
      case TASK_ADAMW:
        adamw_f32(P(1), P(2), P(3), P(4), P(5), P(6), P(7), t[8], f32(t[9]), f32(t[10]), f32(t[11]), f32(t[12]), f32(t[13]),
                  f32(t[14]));
        break;
      case TASK_ATTENTION:
        attention_f32(P(1), P(2), P(3), P(4), P(5), t[6], t[7], t[8], t[9], t[14], t[10], t[11], f32(t[15]), t[12], P(13));
        break;
      case TASK_ATTENTION_GRAD:
        attention_grad_f32(P(1), P(2), P(3), P(4), P(5), P(6), P(7), P(8), P(9), t[10], t[11], t[12], t[13], t[18], t[14], t[15],
                           f32(t[19]), t[16], P(17));
        break;
      case TASK_ATTENTION_QKV:
        attention_qkv_f32(P(1), P(2), P(3), t[4], t[5], t[6], t[7], t[8], f32(t[11]), t[9], P(10));
        break;
      case TASK_ATTENTION_QKV_GRAD:
        attention_qkv_grad_f32(P(1), P(2), P(3), P(4), P(5), t[6], t[7], t[8], t[9], t[10], f32(t[13]), t[11], P(12));
        break;
      case TASK_GATHER:
        gather_rows_f32(P(1), (const int*)t[2], P(3), t[4], t[5], t[6], t[7], t[8], t[9]);
        break;
      case TASK_SCATTER_ADD:
        scatter_add_rows_f32(P(1), (const int*)t[2], P(3), t[4], t[5], t[6], t[7], t[8], t[9]);
        break;
      case TASK_COPY_ROWS:
        copy_rows_f32(P(1), t[2], P(3), t[4], t[5], t[6], t[7], t[8]);
        break;
      case TASK_CROSS_ENTROPY:
        cross_entropy_f32(P(1), (const int*)t[2], P(3), t[4], t[5], t[6]);
        break;
      case TASK_CROSS_ENTROPY_GRAD:
        cross_entropy_grad_f32(P(1), (const int*)t[2], P(3), P(4), t[5], t[6], t[7]);
        break;
      case TASK_STREAM_READ:
        P(3)[0] = stream_read_f32(P(1), t[2]);
        break;
      case TASK_PEAK:
        P(2)[0] = simd_peak_f32(t[1], f32(t[3]));
        break;
      default:
        __builtin_trap();
    }
  }
}
