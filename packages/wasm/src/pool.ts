// Starts the worker threads that share the kernels' memory: worker_threads in
// Node, Web Workers in browsers. Workers never keep a Node process alive
// (they are unref'd once ready), so CLIs and test runners exit normally.
import { isNode } from './features.js';
import { browserWorkerSource, nodeWorkerSource } from './worker-source.js';

/** What a worker needs to join: the compiled module, the shared memory and its own addresses. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte address of the shared control block (see protocol.ts). */
  ctrlPtr: number;
  /** Byte address of this worker's private matmul scratch area. */
  wsPtr: number;
  /** The module uses relaxed SIMD (Node workers switch V8's flag on before instantiating). */
  relaxedSimd: boolean;
  /** This worker's slot in the control block (1, 2, ...; 0 is the calling thread). */
  index: number;
}

export interface StartedWorker {
  terminate(): void;
}

/** Longest wait for a worker to report that it instantiated the module. */
const READY_TIMEOUT_MS = 20_000;

/** Starts one worker per init and resolves once all have instantiated the module. */
export async function startWorkers(inits: WorkerInit[]): Promise<StartedWorker[]> {
  const started = isNode() ? inits.map(startNodeWorker) : inits.map(startBrowserWorker);
  const workers = await Promise.allSettled(started);
  const failed = workers.find((w) => w.status === 'rejected');
  if (failed) {
    for (const w of workers) if (w.status === 'fulfilled') w.value.terminate();
    throw (failed as PromiseRejectedResult).reason;
  }
  return workers.map((w) => (w as PromiseFulfilledResult<StartedWorker>).value);
}

// A variable specifier keeps browser bundlers from trying to resolve the Node module.
const workerThreadsModule = 'node:worker_threads';

async function startNodeWorker(init: WorkerInit): Promise<StartedWorker> {
  const { Worker } = (await import(/* @vite-ignore */ workerThreadsModule)) as typeof import('node:worker_threads');
  const worker = new Worker(nodeWorkerSource, { eval: true, workerData: init });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('worker did not start in time')), READY_TIMEOUT_MS);
    const fail = (err: unknown) => {
      clearTimeout(timer);
      worker.terminate();
      reject(new Error(`@attn/wasm: worker ${init.index} failed to start: ${String(err)}`));
    };
    worker.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`exited with code ${code}`)));
  });
  worker.removeAllListeners();
  // Kernel errors are caught inside the worker and reported through the
  // control block; this listener only keeps a dying worker from crashing the process.
  worker.on('error', () => {});
  // Idle workers sleep in Atomics.wait; unref lets the process exit around them.
  worker.unref();
  return { terminate: () => void worker.terminate() };
}

async function startBrowserWorker(init: WorkerInit): Promise<StartedWorker> {
  const url = URL.createObjectURL(new Blob([browserWorkerSource], { type: 'text/javascript' }));
  const worker = new Worker(url);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('worker did not start in time')), READY_TIMEOUT_MS);
      worker.onmessage = () => {
        clearTimeout(timer);
        resolve();
      };
      worker.onerror = (e) => {
        clearTimeout(timer);
        reject(new Error(`@attn/wasm: worker ${init.index} failed to start: ${e.message}`));
      };
      worker.postMessage(init);
    });
  } catch (err) {
    worker.terminate();
    throw err;
  } finally {
    URL.revokeObjectURL(url);
  }
  worker.onmessage = null;
  return { terminate: () => worker.terminate() };
}
