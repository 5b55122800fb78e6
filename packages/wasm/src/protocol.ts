// The control block that the main thread and the workers share, as Int32
// indices into shared wasm memory. One job at a time: the main thread writes a
// table of matmul calls and each worker's [start, end) range, bumps GEN and
// wakes the workers; each worker runs its range and decrements PENDING; the
// last one wakes the main thread.
export const GEN = 0; // job generation; workers sleep on it with Atomics.wait
export const PENDING = 1; // workers still running the current job
export const ERROR = 2; // set to 1 by a worker whose job threw
export const STOP = 3; // set to 1 to make workers exit
export const TABLE = 4; // byte address of the call table of the current job
export const SLOTS = 8; // worker w's range is at SLOTS + 2w (start), SLOTS + 2w + 1 (end)
export const CTRL_INTS = 64; // size of the control block (room for 28 workers)
export const MAX_WORKERS = (CTRL_INTS - SLOTS) / 2;

/** Int32s per call in the table: a, b, c (byte addresses), M, N, K, rsa, csa, rsb, csb, ldc. */
export const CALL_INTS = 11;
