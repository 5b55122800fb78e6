// A bounded, least-recently-used cache of compiled gpu.js kernels, one entry
// per shape (the caller's key), that never destroys a kernel whose output
// textures are still alive.
//
// Why the deferral: a gpu.js output texture keeps a pointer to the kernel that
// made it and frees and reads itself through that kernel (texture.delete()
// calls kernel.deleteTexture, readback uses kernel.getRawValueFramebuffer), and
// kernel.destroy() drops its context and deletes every texture it allocated,
// clones still in use included. So a kernel evicted while a tensor still holds
// one of its outputs is only marked evicted; it is destroyed when the last of
// its outputs is freed (see DeviceMemory).
import type { IKernelRunShortcut } from 'gpu.js';

/** One compiled kernel and the number of its output textures still alive. */
export interface CachedKernel {
  readonly key: string;
  readonly run: IKernelRunShortcut;
  /** Output textures of this kernel not yet deleted. */
  liveOutputs: number;
  /** Dropped from the cache; destroyed once liveOutputs reaches 0. */
  evicted: boolean;
  destroyed: boolean;
}

export class KernelCache {
  private readonly entries = new Map<string, CachedKernel>();
  /** Evicted kernels waiting for their outputs to be freed. */
  private readonly pending = new Set<CachedKernel>();

  /** @param maxKernels most compiled kernels kept; the least recently used is evicted beyond that. */
  constructor(
    readonly name: string,
    readonly maxKernels = 64,
  ) {
    if (!(Number.isInteger(maxKernels) && maxKernels >= 1)) {
      throw new Error(`${name}: maxKernels must be an integer >= 1, got ${maxKernels}`);
    }
  }

  /** Kernels in the cache (one per distinct key). */
  get size(): number {
    return this.entries.size;
  }

  /** Kernels compiled since the cache was made (rising in a steady loop means the cache is too small). */
  compiles = 0;

  /** Evicted kernels not yet destroyed because some of their output textures are alive. */
  get pendingDestroy(): number {
    return this.pending.size;
  }

  /** The kernel for `key`, compiled with `create` on a miss; marks it most recently used. */
  get(key: string, create: () => IKernelRunShortcut): CachedKernel {
    let entry = this.entries.get(key);
    if (entry) {
      // Re-insert so Map order stays least- to most-recently used.
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry;
    }
    entry = { key, run: create(), liveOutputs: 0, evicted: false, destroyed: false };
    this.compiles++;
    this.entries.set(key, entry);
    if (this.entries.size > this.maxKernels) {
      const oldest = this.entries.values().next().value as CachedKernel;
      this.entries.delete(oldest.key);
      this.evict(oldest);
    }
    return entry;
  }

  /** Called when one output texture of `entry` has been deleted. */
  outputFreed(entry: CachedKernel): void {
    entry.liveOutputs--;
    if (entry.evicted && entry.liveOutputs <= 0) this.destroy(entry);
  }

  /** Destroys every kernel, outputs alive or not (the gpu.js context is going away). */
  dispose(): void {
    for (const entry of [...this.entries.values(), ...this.pending]) this.destroy(entry);
    this.entries.clear();
    this.pending.clear();
  }

  private evict(entry: CachedKernel): void {
    entry.evicted = true;
    if (entry.liveOutputs <= 0) this.destroy(entry);
    else this.pending.add(entry);
  }

  private destroy(entry: CachedKernel): void {
    if (entry.destroyed) return;
    entry.destroyed = true;
    this.pending.delete(entry);
    entry.run.destroy?.();
  }
}
