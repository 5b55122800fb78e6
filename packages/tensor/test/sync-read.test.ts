// Backends that can only read asynchronously (syncReads: false, as WebGPU):
// the async reads work, and every path that would need a synchronous read
// (the CPU fallback for a missing kernel or an unsupported dtype) fails with a
// SyncReadError naming the kernel instead of failing inside readSync.
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, cpuBackend, exp, fromArray, max, moveTensors, readHostValues, registerBackend, removeBackend, setBackend, SyncReadError } from '../src/index.js';

/** The CPU backend under another name with only Unary, float32 only, reading only asynchronously. */
function asyncOnlyBackend(): Backend {
  const backend: Backend = {
    ...cpuBackend,
    name: 'async-only',
    syncReads: false,
    supportsDType: (dtype) => dtype === 'float32',
    readSync: () => {
      throw new SyncReadError('async-only: use await data()', 'async-only');
    },
    kernels: { Unary: cpuBackend.kernels.Unary },
  };
  registerBackend(backend);
  setBackend('async-only');
  return backend;
}

afterEach(() => {
  removeBackend('async-only');
});

describe('a backend without synchronous reads', () => {
  it('runs its own kernels and reads through data() and item()', async () => {
    asyncOnlyBackend();
    const y = exp(fromArray([0, 1], [2]));
    expect(Array.from(await y.data())).toEqual([1, Math.fround(Math.E)]);
    expect(await exp(fromArray([0], [])).item()).toBe(1);
    expect(() => y.dataSync()).toThrow(SyncReadError);
  });

  it('refuses the CPU fallback for a kernel it lacks, naming the kernel', () => {
    asyncOnlyBackend();
    const x = fromArray([3, 1, 2], [3]);
    let thrown: unknown = null;
    try {
      max(x, 0);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SyncReadError);
    expect((thrown as SyncReadError).backend).toBe('async-only');
    expect((thrown as Error).message).toMatch(/^Max: backend 'async-only' has no 'Max' kernel.*await tensor\.data\(\)/);
  });

  it('refuses a dtype it does not support, naming the kernel and the dtype', () => {
    asyncOnlyBackend();
    const x = fromArray([3, 1, 2], [3]);
    expect(() => x.cast('float64')).toThrow(/^Cast: backend 'async-only' does not support float64/);
  });

  it('still moves host values onto it (CPU tensors read synchronously)', async () => {
    setBackend('cpu');
    const onCpu = fromArray([0], [1]);
    asyncOnlyBackend();
    expect(Array.from(await exp(onCpu).data())).toEqual([1]);
  });
});

describe('moveTensors', () => {
  it('moves tensors off a backend without synchronous reads, views included, and frees the old memory', async () => {
    const backend = asyncOnlyBackend();
    const freed: unknown[] = [];
    backend.disposeData = (handle) => freed.push(handle);
    const x = exp(fromArray([0, 1, 2, 3], [2, 2])); // on 'async-only'
    const view = x.reshape([4]);
    const handle = x.storage.handle;
    expect(() => x.dataSync()).toThrow(SyncReadError);
    await moveTensors([x, view], 'cpu');
    expect(x.storage.backend).toBe(cpuBackend);
    expect(view.storage).toBe(x.storage);
    expect(freed).toEqual([handle]); // the storage was moved once, though two tensors named it
    const e = Math.fround(Math.E);
    expect(Array.from(view.dataSync())).toEqual([1, e, Math.fround(Math.exp(2)), Math.fround(Math.exp(3))]);
    // on the CPU, kernels the async-only backend lacks now run
    setBackend('cpu');
    expect(max(x, 1).toArray()).toEqual([e, Math.fround(Math.exp(3))]);
  });

  it('names an unknown backend and refuses disposed tensors', async () => {
    const x = fromArray([1], [1]);
    await expect(moveTensors([x], 'nowhere')).rejects.toThrow(/no backend named 'nowhere'/);
    x.dispose();
    await expect(moveTensors([x], 'cpu')).rejects.toThrow(/after dispose/);
  });
});

describe('readHostValues', () => {
  it('hands host-resident values to fn in place, and refuses device or disposed tensors with a clear error', () => {
    const t = fromArray([1, 2, 3], [3]);
    const seen = readHostValues(t, (values) => {
      expect(values).toBe(t.dataSync()); // the CPU backend's own array: no copy
      return Array.from(values);
    });
    expect(seen).toEqual([1, 2, 3]);
    // a backend whose handles are not host arrays (a device)
    const device: Backend = { ...cpuBackend, name: 'async-only', write: (v) => ({ v }), readSync: (h) => (h as { v: Float32Array }).v, kernels: {} };
    registerBackend(device);
    setBackend('async-only');
    const onDevice = fromArray([1, 2], [2]);
    setBackend('cpu');
    expect(() => readHostValues(onDevice, (v) => v)).toThrow("readHostValues: the tensor's values are not in host memory (backend 'async-only' keeps them on a device; read them with data())");
    t.dispose();
    expect(() => readHostValues(t, (v) => v)).toThrow("readHostValues: the tensor's values are not in host memory (it was disposed)");
  });
});
