// Tensor values resident in wasm memory: the heap allocator on its own, then
// the backend: chains of kernels return resident views, tidy() and dispose()
// give the memory back, a 200-step training loop holds its memory flat, and
// with residency off or a budget too small for a step the results are the
// same (the conformance suite runs in both settings).
import * as T from '@attn/tensor';
import { runBackendSuite } from '@attn/tensor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmHeap } from '../src/heap.js';
import { registerWasmBackend, type WasmBackendHandle } from '../src/index.js';

describe('WasmHeap', () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1024, shared: true });
  const grow = (bytes: number) => {
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
  };

  it('reuses freed space best-fit, merges neighbours and gives the top back', () => {
    const heap = new WasmHeap(memory, 1024, 1 << 20, grow);
    const a = heap.allocTemp(16); // 64 bytes
    const b = heap.allocTemp(32); // 128 bytes
    const c = heap.allocTemp(16);
    expect([a, b, c]).toEqual([1024, 1088, 1216]);
    heap.freeTemp(b);
    expect(heap.allocTemp(16)).toBe(1088); // fits in b's hole
    heap.freeTemp(1088);
    heap.freeTemp(a); // merges with the hole after it
    expect(heap.allocTemp(48)).toBe(1024); // 192 bytes: the merged a + b space
    heap.freeTemp(1024);
    heap.freeTemp(c); // everything free: the top comes back to the base
    expect(heap.extent).toBe(1024);
  });

  it('random allocations and frees never overlap, and freeing everything returns the heap to its base', () => {
    const heap = new WasmHeap(memory, 4096, 1 << 30, grow);
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const live: { offset: number; bytes: number }[] = [];
    for (let i = 0; i < 3000; i++) {
      if (live.length > 0 && rand(3) === 0) {
        const [block] = live.splice(rand(live.length), 1);
        heap.freeTemp(block.offset);
      } else {
        const floats = 1 + rand(rand(2) ? 64 : 4096);
        const offset = heap.allocTemp(floats);
        expect(offset % 64).toBe(0);
        expect(offset).toBeGreaterThanOrEqual(4096);
        live.push({ offset, bytes: Math.ceil((floats * 4) / 64) * 64 });
      }
      if (i % 100 === 0) {
        const sorted = [...live].sort((a, b) => a.offset - b.offset);
        for (let j = 1; j < sorted.length; j++) expect(sorted[j].offset).toBeGreaterThanOrEqual(sorted[j - 1].offset + sorted[j - 1].bytes);
        expect(heap.extent).toBeLessThanOrEqual(memory.buffer.byteLength);
      }
    }
    for (const block of live) heap.freeTemp(block.offset);
    expect(heap.extent).toBe(4096);
  });

  it('keeps a high-water mark of resident bytes until resetPeak()', () => {
    const heap = new WasmHeap(memory, 1024, 1 << 20, grow);
    const a = heap.allocResident(1000)!; // 4000 bytes -> 4032 aligned
    const b = heap.allocResident(16)!; // 64
    heap.freeResident(a);
    expect([heap.residentBytes, heap.peakResidentBytes]).toEqual([64, 4096]);
    heap.resetPeak();
    expect(heap.peakResidentBytes).toBe(64);
    heap.freeResident(heap.allocResident(100)!); // 448 bytes at most at once
    expect(heap.peakResidentBytes).toBe(64 + 448);
    heap.freeResident(b);
  });

  it('hands out resident views up to the budget, then null; frees them explicitly', () => {
    const heap = new WasmHeap(memory, 1024, 4096, grow);
    const v1 = heap.allocResident(512)!; // 2 KiB
    const v2 = heap.allocResident(512)!;
    expect(heap.owns(v1) && heap.owns(v2)).toBe(true);
    expect(heap.owns(new Float32Array(4))).toBe(false);
    expect(heap.allocResident(1)).toBeNull(); // over the 4 KiB budget
    v1.fill(7);
    heap.freeResident(v1);
    expect(heap.owns(v1)).toBe(false);
    expect(heap.residentBytes).toBe(2048);
    const v3 = heap.allocResident(100)!;
    expect(v3.byteOffset).toBe(v1.byteOffset); // reuses the freed block
    heap.freeResident(v2);
    heap.freeResident(v3);
    expect(heap.residentBytes).toBe(0);
  });
});

describe('resident tensors on the wasm backend', () => {
  let handle: WasmBackendHandle;
  beforeAll(async () => {
    handle = (await registerWasmBackend({ threads: 2 }))!;
    T.setBackend('wasm');
  });
  afterAll(() => {
    handle.dispose();
    T.setBackend('cpu');
  });

  it('a chain of kernels stays in wasm memory and tidy() gives it back', () => {
    const heap = handle.kernels.heap;
    const x = T.fromArray(Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i)), [64, 32]);
    const w = T.fromArray(Float32Array.from({ length: 32 * 16 }, (_, i) => Math.cos(i)), [32, 16]);
    expect(handle.kernels.isResident(x.storage.handle as Float32Array)).toBe(true);
    const before = heap.residentBytes;
    let h: T.Tensor | null = null;
    let got: Float32Array | null = null;
    T.tidy(() => {
      const out = T.tidy(() => {
        h = x.matmul(w).add(1).gelu().softmax(-1); // every kernel here runs in wasm
        expect(handle.kernels.isResident(h.storage.handle as Float32Array)).toBe(true);
        return h.sum(1);
      });
      expect(heap.residentBytes - before).toBe(64 * 4); // only the 64 returned sums remain
      got = Float32Array.from(out.dataSync());
    });
    expect(heap.residentBytes).toBe(before); // the outer scope released the sums too
    expect(() => h!.dataSync()).toThrow('tensor was used after dispose()');
    // same values as the CPU backend
    T.setBackend('cpu');
    const want = T.fromArray(x.dataSync(), [64, 32]).matmul(T.fromArray(w.dataSync(), [32, 16])).add(1).gelu().softmax(-1).sum(1).dataSync();
    T.setBackend('wasm');
    for (let i = 0; i < 64; i++) expect(got![i]).toBeCloseTo(want[i], 5);
  });

  it('the direct kernels.matmul() API returns plain arrays its caller owns', () => {
    const r = handle.kernels.matmul(Float32Array.of(1, 2, 3, 4), [2, 2], Float32Array.of(5, 6, 7, 8), [2, 2]);
    expect(handle.kernels.isResident(r.data)).toBe(false);
    expect(Array.from(r.data)).toEqual([19, 22, 43, 50]);
  });

  it('readHostValues reads a resident tensor in place, where dataSync copies', () => {
    const t = T.fromArray([1, 2, 3], [3]).mul(2);
    const inPlace = T.readHostValues(t, (values) => {
      expect(handle.kernels.isResident(values as Float32Array)).toBe(true); // the view over wasm memory itself
      return Array.from(values);
    });
    expect(inPlace).toEqual([2, 4, 6]);
    expect(handle.kernels.isResident(t.dataSync() as Float32Array)).toBe(false);
  });

  it('dataSync returns a copy; moving a tensor to the CPU frees its block', () => {
    const heap = handle.kernels.heap;
    const before = heap.residentBytes;
    const t = T.fromArray([1, 2, 3], [3]);
    const copy = t.dataSync();
    expect(handle.kernels.isResident(copy as Float32Array)).toBe(false);
    expect(heap.residentBytes).toBeGreaterThan(before);
    const viaCpu = t.cast('float64'); // Cast has no wasm kernel: t moves to the CPU
    expect(Array.from(viaCpu.dataSync())).toEqual([1, 2, 3]);
    expect(heap.residentBytes).toBe(before);
  });

  it('memory stays flat over 200 training steps of a small GPT-style block', () => {
    const heap = handle.kernels.heap;
    const rng = new T.Rng(3);
    const w1 = T.randn([32, 64], { rng }).mul(0.1);
    const w2 = T.randn([64, 32], { rng }).mul(0.1);
    for (const p of [w1, w2]) p.requiresGrad = true;
    const x = T.randn([8, 16, 32], { rng });
    const step = () =>
      T.tidy(() => {
        const hidden = T.layerNorm(x, null, null, 1e-5).matmul(w1).gelu();
        const loss = hidden.matmul(w2).add(x).softmax(-1).mul(x).sum();
        loss.backward();
        for (const p of [w1, w2]) {
          p.assign(p.sub(p.grad!.mul(1e-3)));
          p.zeroGrad();
        }
        return loss.itemSync();
      });
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) losses.push(step());
    const settled = { resident: heap.residentBytes, extent: heap.extent };
    for (let i = 0; i < 180; i++) losses.push(step());
    expect(heap.residentBytes).toBe(settled.resident);
    expect(heap.extent).toBeLessThanOrEqual(settled.extent);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[199]).toBeLessThan(losses[0]); // it is really training
  });
});

// The conformance suite with residency off (every kernel copies in and out) and
// with a budget smaller than one op's output (views and plain arrays mixed).
for (const [label, residentBytes] of [
  ['residency off', 0],
  ['a 16 KiB resident budget', 16 * 1024],
] as const) {
  describe(`wasm backend with ${label}`, () => {
    let handle: WasmBackendHandle | null = null;
    beforeAll(async () => {
      handle = await registerWasmBackend({ threads: 2, minParallelFlops: 0, residentBytes });
    });
    afterAll(() => {
      handle?.dispose();
      T.setBackend('cpu');
    });
    runBackendSuite({ describe, it, expect }, 'wasm', { dtypes: ['float32'] });
  });
}
