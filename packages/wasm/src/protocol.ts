// The control block that the main thread and the workers share, as Int32
// indices into shared wasm memory. One job at a time: the main thread writes a
// table of tasks (tasks.ts) and each worker's [start, end) range, clears the
// parts' CLAIM flags, bumps GEN and wakes the workers. A part is run by whoever
// claims it first (compareExchange 0 -> 1 on its flag): its worker, or the
// main thread when that worker is late (descheduled on a busy machine), so no
// job ever depends on one worker waking up. Whoever runs a part decrements
// PENDING; the main thread returns once PENDING is 0. Every wait has a finite
// timeout and re-checks the shared state, so a missed wake-up only costs time.
export const GEN = 0; // job generation; workers sleep on it with Atomics.wait
export const PENDING = 1; // workers still running the current job
export const ERROR = 2; // set to 1 by a worker whose job threw
export const STOP = 3; // set to 1 to make workers exit
export const TABLE = 4; // byte address of the task table of the current job
export const SPIN_US = 5; // how long (us) a worker polls for the next job before it sleeps; set by the main thread
export const CLAIMS = 8; // part w's claim flag is at CLAIMS + w (0 free, 1 taken)
export const MAX_WORKERS = 20; // parts are 0 (main thread) .. MAX_WORKERS
export const SLOTS = CLAIMS + MAX_WORKERS + 4; // part w's range is at SLOTS + 2w (start), SLOTS + 2w + 1 (end)
export const CTRL_INTS = SLOTS + 2 * (MAX_WORKERS + 1) + 2; // size of the control block

/** Longest single Atomics.wait (ms) anywhere; waits loop and re-check the shared state. */
export const WAIT_SLICE_MS = 20;
