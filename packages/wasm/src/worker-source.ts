// The code each worker runs, as a string, so no separate worker file has to be
// found at run time: Node starts it with `new Worker(code, { eval: true })`,
// browsers from a Blob URL. It imports nothing; the module, the shared memory
// and the worker's addresses arrive in its start message. Each job is a range
// of the task table (tasks.ts), which the module's run_tasks executes.
import { CLAIMS, CTRL_INTS, ERROR, GEN, PENDING, SLOTS, SPIN_US, STOP, TABLE, WAIT_SLICE_MS } from './protocol.js';

/**
 * How long a worker keeps polling for the next job before it sleeps in
 * Atomics.wait is ctrl[SPIN_US], set by the main thread (engine.ts). In a
 * training step the kernels come a fraction of a millisecond apart; a
 * sleeping worker takes 20-100 us to wake (far more on a busy machine), a
 * polling one starts at once. But a polling worker also takes CPU time from
 * whatever else runs, the main thread included, so on a machine with more
 * runnable threads than cores the main thread shortens the poll.
 */
const core = `
function run(init, post) {
  const { module, memory, ctrlPtr, wsPtr, index } = init;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const runTasks = instance.exports.run_tasks;
  const ctrl = new Int32Array(memory.buffer, ctrlPtr, ${CTRL_INTS});
  let seen = Atomics.load(ctrl, ${GEN});
  post('ready');
  for (;;) {
    const spinUntil = performance.now() + Atomics.load(ctrl, ${SPIN_US}) / 1000;
    while (Atomics.load(ctrl, ${GEN}) === seen && performance.now() < spinUntil);
    // Sleep in bounded slices, re-checking GEN and STOP each time: a wake-up
    // that is missed or late costs at most one slice, never a hang.
    while (Atomics.load(ctrl, ${GEN}) === seen && !Atomics.load(ctrl, ${STOP})) {
      Atomics.wait(ctrl, ${GEN}, seen, ${WAIT_SLICE_MS});
    }
    seen = Atomics.load(ctrl, ${GEN});
    if (Atomics.load(ctrl, ${STOP})) return;
    // The main thread runs this part itself if it got there first.
    if (Atomics.compareExchange(ctrl, ${CLAIMS} + index, 0, 1) !== 0) continue;
    try {
      // Read the range only after the claim: the claim flag was cleared after
      // the range was written, so this sees the job that the claim belongs to.
      const start = Atomics.load(ctrl, ${SLOTS} + 2 * index);
      const end = Atomics.load(ctrl, ${SLOTS} + 2 * index + 1);
      runTasks(Atomics.load(ctrl, ${TABLE}), start, end, wsPtr);
    } catch (err) {
      Atomics.store(ctrl, ${ERROR}, 1);
    }
    if (Atomics.sub(ctrl, ${PENDING}, 1) === 1) Atomics.notify(ctrl, ${PENDING});
  }
}
`;

/**
 * Worker code for Node's worker_threads (eval mode, CommonJS scope). V8 flags
 * are process-wide, so the relaxed-SIMD flag the main thread set already
 * holds here; setting it again keeps a worker correct on its own.
 */
export const nodeWorkerSource = `${core}
const { workerData, parentPort } = require('node:worker_threads');
if (workerData.relaxedSimd) require('node:v8').setFlagsFromString('--experimental-wasm-relaxed-simd');
run(workerData, (m) => parentPort.postMessage(m));
`;

/** Worker code for a browser Web Worker. */
export const browserWorkerSource = `${core}
self.onmessage = (e) => run(e.data, (m) => self.postMessage(m));
`;
