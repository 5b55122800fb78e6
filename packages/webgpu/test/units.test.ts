// The host-side pieces, in Node (no GPU needed): size classes, the scatter-add
// row index, parameter packing, the matmul and attention size classes, adapter descriptions,
// and the errors registration gives where there is no WebGPU.
import { describe, expect, it } from 'vitest';
import { describeAdapter } from '../src/adapter.js';
import { probeWebGPU, registerWebGPUBackend, sizeClass, WebGPUBackendError } from '../src/index.js';
import { columnChunk } from '../src/kernels/attention.js';
import { rowsByTarget } from '../src/kernels/layout.js';
import { tileClass } from '../src/kernels/matmul.js';
import { MAX_DIMS, Params } from '../src/params.js';

describe('buffer size classes', () => {
  it('round up to powers of two from 256 bytes', () => {
    expect([1, 256, 257, 4096, 4097, 3 * 2 ** 20].map(sizeClass)).toEqual([256, 256, 512, 4096, 8192, 4 * 2 ** 20]);
  });
});

describe('rowsByTarget (scatter-add without atomics)', () => {
  it('lists each row’s positions in order after the row starts', () => {
    // indices [4, 0, 4, 2] into 5 rows: row 0 <- [1], row 2 <- [3], row 4 <- [0, 2] (by hand)
    expect(Array.from(rowsByTarget(Int32Array.from([4, 0, 4, 2]), 5))).toEqual([0, 1, 1, 2, 2, 4, 1, 3, 0, 2]);
  });

  it('handles no positions and unused rows', () => {
    expect(Array.from(rowsByTarget(new Int32Array(0), 3))).toEqual([0, 0, 0, 0]);
  });
});

describe('Params', () => {
  it('packs integers, signed integers, floats (infinity included) and padded dims', () => {
    const p = new Params().u32(7).i32(-100).f32(Number.NEGATIVE_INFINITY).dims([2, 3]);
    expect(p.words[0]).toBe(7);
    expect(p.words[1] | 0).toBe(-100);
    expect(new Float32Array(p.words.buffer)[2]).toBe(Number.NEGATIVE_INFINITY);
    expect(Array.from(p.words.slice(3, 3 + MAX_DIMS))).toEqual([2, 3, 0, 0, 0, 0, 0, 0]);
  });

  it('refuses values a kernel cannot hold, naming them', () => {
    expect(() => new Params().u32(-1)).toThrow(WebGPUBackendError);
    expect(() => new Params().u32(2 ** 32)).toThrow(/not an unsigned 32-bit integer/);
    expect(() => new Params().dims([1, 1, 1, 1, 1, 1, 1, 1, 1])).toThrow(/more than 8 dims/);
    const p = new Params();
    for (let i = 0; i < 64; i++) p.u32(i);
    expect(() => p.u32(64)).toThrow(/exceed 64 words/);
  });
});

describe('matmul size classes', () => {
  it('uses the largest blocks whose tile both output sides fill', () => {
    expect(tileClass(64, 64).name).toBe('large'); // tiled: 16 x 16 invocations of 4 x 4
    expect(tileClass(512, 63).name).toBe('small');
    expect(tileClass(8, 8).name).toBe('small');
    expect(tileClass(64, 64, 'direct').name).toBe('large'); // direct: 8 x 8 invocations of 8 x 8, or of 4 x 4
    expect(tileClass(63, 512, 'direct').name).toBe('medium');
    expect(tileClass(32, 32, 'direct').name).toBe('medium');
    expect(tileClass(32, 31, 'direct').name).toBe('small');
  });
});

describe('attention column classes', () => {
  it('give the smallest of 16, 32, 64 columns that holds the head, and 64 (in chunks) past it', () => {
    expect([1, 16, 17, 32, 33, 64, 65, 128].map(columnChunk)).toEqual([16, 16, 32, 32, 64, 64, 64, 64]);
  });
});

describe('adapter descriptions', () => {
  const adapter = (info: Partial<GPUAdapterInfo>) => ({ info }) as unknown as GPUAdapter;

  it('calls SwiftShader CPU emulation', () => {
    const d = describeAdapter(adapter({ vendor: 'google', architecture: 'swiftshader', device: '', description: '' }));
    expect(d).toMatchObject({ software: true, label: 'google swiftshader (CPU emulation, not a GPU)' });
  });

  it('names a real GPU plainly', () => {
    expect(describeAdapter(adapter({ vendor: 'nvidia', architecture: 'ampere', device: '', description: '' }))).toMatchObject({
      software: false,
      label: 'nvidia ampere',
    });
  });

  it('marks a fallback adapter as software', () => {
    expect(describeAdapter(adapter({ vendor: 'x', architecture: '', isFallbackAdapter: true } as Partial<GPUAdapterInfo>)).software).toBe(true);
  });
});

describe('without WebGPU (Node)', () => {
  it('registerWebGPUBackend says what is missing', async () => {
    await expect(registerWebGPUBackend()).rejects.toThrow(/WebGPU is not available here \(no navigator\.gpu\).*secure context/);
    await expect(registerWebGPUBackend()).rejects.toBeInstanceOf(WebGPUBackendError);
  });

  it('says when an adapter is missing', async () => {
    await expect(registerWebGPUBackend({ gpu: { requestAdapter: async () => null } })).rejects.toThrow(/found no adapter/);
  });

  it('probeWebGPU answers null', async () => {
    expect(await probeWebGPU()).toBeNull();
  });

  it('refuses bad options before asking for an adapter', async () => {
    const gpu = { requestAdapter: async () => null };
    await expect(registerWebGPUBackend({ maxPooledBytes: -1, gpu })).rejects.toThrow(/maxPooledBytes/);
    await expect(registerWebGPUBackend({ matmul: 'fast' as 'tiled', gpu })).rejects.toThrow(/matmul must be 'auto', 'tiled' or 'direct', got "fast"/);
    await expect(registerWebGPUBackend({ attention: 'flash' as 'tiled', gpu })).rejects.toThrow(/attention must be 'auto', 'tiled' or 'direct', got "flash"/);
  });
});
