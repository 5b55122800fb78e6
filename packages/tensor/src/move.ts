// Moving long-lived tensors between backends without a synchronous read.
//
// Kernels move their inputs lazily (engine.ts moveTo): the next kernel on a new
// backend reads each input from the old one. That read is synchronous, which a
// backend such as WebGPU cannot do, so a model trained there could not follow a
// switch to another backend, nor be read by synchronous code (checkpoint writers).
// moveTensors does the same move with `await`: each storage is read asynchronously
// and written to the target, views (reshape, detach) following their storage.
import type { Backend } from './backend.js';
import { backendNamed, moveToAsync } from './engine.js';
import type { Tensor } from './tensor.js';

/**
 * Moves the values of `tensors` to the backend named `backend` (or given), one storage at
 * a time, reading each with the old backend's asynchronous read. Tensors already there,
 * and views sharing a storage, are moved once. Disposed tensors are an error. Nothing may
 * compute on these tensors until the promise resolves.
 */
export async function moveTensors(tensors: Iterable<Tensor>, backend: string | Backend): Promise<void> {
  const target = typeof backend === 'string' ? backendNamed(backend) : backend;
  const storages = new Set([...tensors].map((t) => t.storage));
  for (const storage of storages) {
    if (storage.disposed) throw new Error('moveTensors: a tensor was used after dispose()');
  }
  for (const storage of storages) await moveToAsync(storage, target);
}
