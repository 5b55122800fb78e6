// The buffer pool on a stand-in device (Node has no WebGPU): size classes are
// reused, counters follow acquire/release, and the pool destroys (through the
// retire callback) what exceeds its cap instead of keeping it.
import { beforeAll, describe, expect, it } from 'vitest';
import { BufferPool } from '../src/buffer-pool.js';

/** A device that hands out numbered fake buffers of the requested size. */
function fakeDevice(maxBufferSize = 2 ** 30) {
  let created = 0;
  const device = {
    limits: { maxBufferSize },
    createBuffer: ({ size }: { size: number }) => ({ size, id: created++ }) as unknown as GPUBuffer,
  } as unknown as GPUDevice;
  return { device, created: () => created };
}

beforeAll(() => {
  (globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage ??= { STORAGE: 128, COPY_SRC: 4, COPY_DST: 8 };
});

describe('BufferPool', () => {
  it('reuses a released buffer for the next request of its size class', () => {
    const { device, created } = fakeDevice();
    const pool = new BufferPool(device, 2 ** 20, () => {});
    const a = pool.acquire(1000); // class 1024
    expect(a.size).toBe(1024);
    pool.release(a);
    const b = pool.acquire(700); // class 1024 again: the same buffer
    expect(b).toBe(a);
    const c = pool.acquire(2000); // class 2048: a new one
    expect(c.size).toBe(2048);
    expect(created()).toBe(2);
    expect(pool.snapshot()).toEqual({ live: 2, liveBytes: 3072, peakLiveBytes: 3072, pooled: 0, pooledBytes: 0, created: 2, destroyed: 0 });
  });

  it('keeps the most live bytes at once until resetPeak()', () => {
    const { device } = fakeDevice();
    const pool = new BufferPool(device, 2 ** 20, () => {});
    const a = pool.acquire(4096);
    const b = pool.acquire(1024);
    pool.release(a);
    pool.release(b);
    const c = pool.acquire(256);
    expect(pool.snapshot()).toMatchObject({ liveBytes: 256, peakLiveBytes: 4096 + 1024 });
    pool.resetPeak(); // from what is alive now
    expect(pool.snapshot().peakLiveBytes).toBe(256);
    pool.release(pool.acquire(2048));
    pool.release(c);
    expect(pool.snapshot()).toMatchObject({ liveBytes: 0, peakLiveBytes: 256 + 2048 });
  });

  it('retires what would overflow the free lists, and trim() retires the rest', () => {
    const { device } = fakeDevice();
    const retired: GPUBuffer[] = [];
    const pool = new BufferPool(device, 1024, (b) => retired.push(b));
    const [a, b] = [pool.acquire(1024), pool.acquire(1024)];
    pool.release(a); // fits the 1 KiB cap
    pool.release(b); // would make 2 KiB: destroyed
    expect(retired).toEqual([b]);
    expect(pool.snapshot()).toMatchObject({ live: 0, pooled: 1, pooledBytes: 1024, destroyed: 1 });
    pool.trim();
    expect(retired).toEqual([b, a]);
    expect(pool.snapshot()).toMatchObject({ pooled: 0, pooledBytes: 0, destroyed: 2 });
  });

  it('never asks for more than the device allows: a buffer past the last class gets its exact size', () => {
    const { device } = fakeDevice(3000);
    const pool = new BufferPool(device, 2 ** 20, () => {});
    expect(pool.acquire(2100).size).toBe(3000); // the class would be 4096
    expect(pool.acquire(3000).size).toBe(3000);
  });
});
