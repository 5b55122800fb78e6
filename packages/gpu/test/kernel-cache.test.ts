// KernelCache: LRU of compiled kernels, and the deferred destroy of an evicted
// kernel whose output textures are still alive (gpu.js textures free and read
// themselves through the kernel that made them). Fake kernels count destroys.
import type { IKernelRunShortcut } from 'gpu.js';
import { describe, expect, it } from 'vitest';
import { KernelCache } from '../src/kernel-cache.js';

function fakeKernel(destroyed: string[], name: string): IKernelRunShortcut {
  return { destroy: () => destroyed.push(name) } as unknown as IKernelRunShortcut;
}

describe('KernelCache', () => {
  it('compiles once per key and evicts the least recently used beyond maxKernels', () => {
    const destroyed: string[] = [];
    let compiles = 0;
    const cache = new KernelCache('test', 2);
    const get = (key: string) =>
      cache.get(key, () => {
        compiles++;
        return fakeKernel(destroyed, key);
      });
    get('a');
    get('b');
    get('a'); // a is now the most recently used
    expect(compiles).toBe(2);
    get('c'); // evicts b
    expect(destroyed).toEqual(['b']);
    expect(cache.size).toBe(2);
    get('a');
    expect(compiles).toBe(3);
    expect(() => new KernelCache('test', 0)).toThrow('test: maxKernels must be an integer >= 1, got 0');
  });

  it('destroys an evicted kernel only when its last output is freed', () => {
    const destroyed: string[] = [];
    const cache = new KernelCache('test', 1);
    const a = cache.get('a', () => fakeKernel(destroyed, 'a'));
    a.liveOutputs += 2; // two tensors hold textures made by a
    cache.get('b', () => fakeKernel(destroyed, 'b')); // evicts a
    expect(destroyed).toEqual([]);
    expect(cache.pendingDestroy).toBe(1);
    cache.outputFreed(a);
    expect(destroyed).toEqual([]);
    cache.outputFreed(a);
    expect(destroyed).toEqual(['a']);
    expect(cache.pendingDestroy).toBe(0);
  });

  it('dispose destroys cached and pending kernels once each', () => {
    const destroyed: string[] = [];
    const cache = new KernelCache('test', 1);
    const a = cache.get('a', () => fakeKernel(destroyed, 'a'));
    a.liveOutputs = 1;
    cache.get('b', () => fakeKernel(destroyed, 'b'));
    cache.dispose();
    expect(destroyed.sort()).toEqual(['a', 'b']);
    cache.outputFreed(a); // a texture freed after dispose: no second destroy
    expect(destroyed.length).toBe(2);
  });
});
