// DeviceMemory with fake textures (Node has no WebGL): counting live
// textures, readback of gpu.js's RGBA float layout (value in R) done once,
// disposeData, the FinalizationRegistry path for handles nobody disposes, and
// close() keeping device-only values readable after the context goes.
import v8 from 'node:v8';
import vm from 'node:vm';
import type { IKernelRunShortcut, Texture } from 'gpu.js';
import { describe, expect, it } from 'vitest';
import { DeviceMemory, type GpuData } from '../src/device-memory.js';
import { KernelCache } from '../src/kernel-cache.js';

interface FakeTexture {
  type: string;
  deleted: number;
  reads: number;
  renderRawOutput(): Float32Array;
  toArray(): Float32Array;
  delete(): void;
}

/** A texture of `values`, stored like gpu.js single precision: RGBA texels, value in R, padded to a rectangle. */
function fakeTexture(values: number[]): FakeTexture {
  const texels = Math.ceil(values.length / 3) * 3;
  const pixels = new Float32Array(4 * texels).fill(Number.NaN);
  values.forEach((v, i) => {
    pixels[4 * i] = v;
  });
  return {
    type: 'ArrayTexture(1)',
    deleted: 0,
    reads: 0,
    renderRawOutput() {
      this.reads++;
      return pixels;
    },
    toArray: () => Float32Array.from(values),
    delete() {
      this.deleted++;
    },
  };
}

function setup() {
  const destroyed: string[] = [];
  const cache = new KernelCache('test', 1);
  const entry = cache.get('k', () => ({ destroy: () => destroyed.push('k') }) as unknown as IKernelRunShortcut);
  return { memory: new DeviceMemory(), cache, entry, destroyed };
}

/** A real gc(): vitest runs without --expose-gc, so enable it and take gc from a fresh context. */
function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

describe('DeviceMemory', () => {
  it('counts live textures, reads one back once (every 4th float) and frees it', () => {
    const { memory, cache, entry } = setup();
    const tex = fakeTexture([1.5, -2, 3.25, 4, 5]);
    const h = memory.fromTexture(tex as unknown as Texture, 5, entry, cache);
    expect(memory.liveTextures).toBe(1);
    expect(entry.liveOutputs).toBe(1);
    expect(Array.from(memory.read(h))).toEqual([1.5, -2, 3.25, 4, 5]);
    memory.read(h);
    expect(tex.reads).toBe(1);
    expect(memory.readbacks).toBe(1);
    memory.free(h);
    memory.free(h); // the engine never does this, but it must not double-delete
    expect(tex.deleted).toBe(1);
    expect(memory.liveTextures).toBe(0);
    expect(entry.liveOutputs).toBe(0);
    expect(() => memory.read(h)).toThrow('gpu backend: read of a handle whose data were freed');
  });

  it('overwrite() replaces the host values in place and frees a stale texture', () => {
    const { memory, cache, entry } = setup();
    const values = Float32Array.of(1, 2, 3);
    const host = memory.fromArray(values);
    memory.overwrite(host, [4, 5, 6]);
    expect(memory.read(host)).toBe(values);
    expect(Array.from(values)).toEqual([4, 5, 6]);
    const tex = fakeTexture([7, 8, 9]);
    const resident = memory.fromTexture(tex as unknown as Texture, 3, entry, cache);
    memory.overwrite(resident, [1, 1, 2]);
    expect(tex.deleted).toBe(1);
    expect(memory.liveTextures).toBe(0);
    expect(Array.from(memory.read(resident))).toEqual([1, 1, 2]);
    expect(() => memory.overwrite(resident, [1])).toThrow('gpu backend: overwrite with 1 values, expected 3');
  });

  it('keeps host arrays as they are (no copy, no texture)', () => {
    const { memory } = setup();
    const values = Float32Array.of(1, 2, 3);
    const h = memory.fromArray(values);
    expect(memory.read(h)).toBe(values);
    expect(memory.liveTextures).toBe(0);
  });

  it('deletes the texture of a handle nobody disposed once it is garbage collected', async () => {
    const { memory, cache, entry } = setup();
    const tex = fakeTexture([7, 8]);
    // Made in a closure so no variable here keeps the handle alive.
    ((): void => {
      memory.fromTexture(tex as unknown as Texture, 2, entry, cache);
    })();
    expect(memory.liveTextures).toBe(1);
    for (let i = 0; i < 20 && tex.deleted === 0; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(tex.deleted).toBe(1);
    expect(memory.liveTextures).toBe(0);
    expect(entry.liveOutputs).toBe(0);
  });

  it('destroys an evicted kernel when the last texture it made is freed', () => {
    const { memory, cache, entry, destroyed } = setup();
    const h = memory.fromTexture(fakeTexture([1]) as unknown as Texture, 1, entry, cache);
    cache.get('other', () => ({ destroy: () => destroyed.push('other') }) as unknown as IKernelRunShortcut); // evicts k
    expect(destroyed).toEqual([]);
    memory.free(h);
    expect(destroyed).toEqual(['k']);
  });

  it('close() reads device-only values back so tensors stay readable after dispose', () => {
    const { memory, cache, entry } = setup();
    const tex = fakeTexture([9, 10, 11]);
    const h: GpuData = memory.fromTexture(tex as unknown as Texture, 3, entry, cache);
    memory.close();
    expect(memory.liveTextures).toBe(0);
    expect(h.device).toBeNull();
    expect(Array.from(memory.read(h))).toEqual([9, 10, 11]);
    memory.free(h);
    expect(tex.deleted).toBe(0); // the context took it; gpu.js must not be called again
  });
});
