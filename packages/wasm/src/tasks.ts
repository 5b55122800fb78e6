// The task table shared with csrc/tasks.c: a job is a list of tasks, each
// TASK_INTS int32 words (the kind, the kernel's integer arguments with
// pointers as byte addresses, then its float arguments as their bits), and
// every thread runs a contiguous range of them. The kinds and argument orders
// below mirror the enum in csrc/tasks.c; a test checks that each kind runs.

/** Int32 words per task (TASK_INTS in csrc/tasks.c). */
export const TASK_INTS = 24;

/** Task kinds, as numbered in csrc/tasks.c (argument order in the comments there). */
export const TASK = {
  MATMUL: 1,
  GELU: 2,
  GELU_GRAD: 3,
  BINARY: 4,
  SUM_ROWS: 5,
  SUM_AXIS: 6,
  MASKED_FILL: 7,
  PERMUTE_ROWS: 8,
  SOFTMAX: 9,
  SOFTMAX_GRAD: 10,
  LAYER_NORM: 11,
  LAYER_NORM_GRAD: 12,
  ADAMW: 13,
  ATTENTION: 14,
  ATTENTION_GRAD: 15,
  PEAK: 16,
  COPY_ROWS: 17,
  CROSS_ENTROPY: 18,
  CROSS_ENTROPY_GRAD: 19,
  STREAM_READ: 20,
  ATTENTION_QKV: 21,
  ATTENTION_QKV_GRAD: 22,
  GATHER: 23,
  SCATTER_ADD: 24,
} as const;

/** One task: its kind followed by its arguments, floats already turned into bits with floatBits(). */
export type Task = number[];

/** The tasks each thread runs: part 0 on the calling thread, part w on worker w. */
export type Job = Task[][];

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The int32 whose bits are the float32 `x` (how float arguments travel in the table). */
export function floatBits(x: number): number {
  f32[0] = x;
  return i32[0];
}

/**
 * Splits [0, n) into at most `parts` contiguous ranges of nearly equal length
 * whose inner boundaries fall on multiples of `align`; empty ranges are left
 * out, so fewer ranges come back when n is small.
 */
export function splitRange(n: number, parts: number, align = 1): [number, number][] {
  const out: [number, number][] = [];
  if (n <= 0) return out;
  const count = Math.max(1, Math.min(parts, Math.ceil(n / align)));
  let start = 0;
  for (let p = 0; p < count; p++) {
    const end = p === count - 1 ? n : Math.min(n, Math.max(start, Math.round((((p + 1) * n) / count) / align) * align));
    if (end > start) out.push([start, end]);
    start = end;
  }
  return out;
}
