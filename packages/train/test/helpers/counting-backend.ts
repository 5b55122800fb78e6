// A backend that behaves like a device for the engine: its handles are boxes, not
// host arrays (so nothing takes a host-memory shortcut), it stores float32 only
// (float64 work falls back to the CPU, which reads the values back), and it counts
// every read. Its kernels are the CPU backend's, so results equal the CPU's.
import { type Backend, cpuBackend, type DataHandle, type FloatArray, type KernelInput, type KernelTable, registerBackend, SyncReadError } from '@attn/tensor';

interface Box {
  values: FloatArray;
}

export interface CountingBackend {
  backend: Backend;
  /** Reads so far (readSync and read, including the engine's moves to the CPU). */
  readonly reads: number;
}

/** asyncOnly: reads only asynchronously, as WebGPU (readSync throws a SyncReadError). */
export function registerCountingBackend(name = 'counting', options: { asyncOnly?: boolean } = {}): CountingBackend {
  let reads = 0;
  const box = (values: FloatArray): Box => ({ values });
  const unbox = (inputs: readonly KernelInput[]) => inputs.map((x) => ({ ...x, handle: (x.handle as Box).values }));
  const kernels: Record<string, unknown> = {};
  for (const [kernel, run] of Object.entries(cpuBackend.kernels)) {
    kernels[kernel] = (inputs: readonly KernelInput[], attrs: unknown, outShape: readonly number[]) => {
      const out = (run as (i: readonly KernelInput[], a: unknown, o: readonly number[]) => FloatArray | FloatArray[])(unbox(inputs), attrs, outShape);
      return Array.isArray(out) ? out.map(box) : box(out);
    };
  }
  const backend: Backend = {
    name,
    kernels: kernels as KernelTable,
    supportsDType: (dtype) => dtype === 'float32',
    write: (values): DataHandle => box(values),
    syncReads: !options.asyncOnly,
    readSync: (handle) => {
      if (options.asyncOnly) throw new SyncReadError(`${name}: reads only asynchronously; use await tensor.data()`, name);
      reads++;
      return (handle as Box).values;
    },
    read: async (handle) => {
      reads++;
      return (handle as Box).values;
    },
    disposeData: () => {},
  };
  registerBackend(backend);
  return {
    backend,
    get reads() {
      return reads;
    },
  };
}
