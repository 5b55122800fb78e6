// The 'gpu' backend's data handle, and the bookkeeping that frees device
// textures.
//
// A handle holds a tensor's values in up to two places: `array` (host memory:
// what write() received or what a readback produced) and `device` (a gpu.js
// pipeline texture, GL modes only). Kernels that run on the device take the
// texture (uploading the array once if there is none) and return a handle
// with a texture only; the values come back to the host only when the CPU
// needs them (readSync/read: dataSync(), or a kernel this backend runs on the
// CPU), and the readback is kept in `array` so it happens once.
//
// Freeing: disposeData() deletes the texture at once. Tensors nobody disposes
// (autograd intermediates, anything dropped on the floor) are covered by a
// FinalizationRegistry on the handle: when the garbage collector reclaims the
// handle, its texture is deleted. `liveTextures` counts textures made and not
// yet deleted, so a test can check that a long run does not grow.
import type { Texture } from 'gpu.js';
import { flatten } from './flatten.js';
import type { CachedKernel, KernelCache } from './kernel-cache.js';

/** A texture owned by one handle, with the kernel that produced it (for KernelCache's deferred destroy). */
interface DeviceCopy {
  readonly texture: Texture;
  readonly producer: CachedKernel;
  readonly cache: KernelCache;
  freed: boolean;
}

/** What the 'gpu' backend stores behind a tensor (the engine treats it as opaque). */
export interface GpuData {
  /** Number of float32 values. */
  readonly size: number;
  /** Host copy, or null while the values exist only on the device. */
  array: Float32Array | null;
  /** Device copy (a gpu.js texture), or null. */
  device: DeviceCopy | null;
}

/** gpu.js's single-precision texture type: one value per texel, in the red channel of RGBA. */
const ONE_FLOAT_PER_TEXEL = 'ArrayTexture(1)';

export class DeviceMemory {
  private live = 0;
  private readbackCount = 0;
  private closed = false;
  private readonly registry = new FinalizationRegistry<DeviceCopy>((copy) => this.release(copy));
  /** Handles holding a texture, for close(): weak, so tracking them does not keep them alive. */
  private readonly holders = new Map<DeviceCopy, WeakRef<GpuData>>();

  /** Textures created for handles and not yet deleted. */
  get liveTextures(): number {
    return this.live;
  }

  /** Textures read back to the host so far. */
  get readbacks(): number {
    return this.readbackCount;
  }

  /** Sets the readback counter back (after a self-test, whose readbacks are not user work). */
  restoreReadbacks(count: number): void {
    this.readbackCount = count;
  }

  /** A handle over host values (no device copy yet). */
  fromArray(array: Float32Array): GpuData {
    return { size: array.length, array, device: null };
  }

  /** A handle over a kernel's output texture; `producer` is the cache entry of the kernel that made it. */
  fromTexture(texture: Texture, size: number, producer: CachedKernel, cache: KernelCache): GpuData {
    const handle: GpuData = { size, array: null, device: null };
    this.attach(handle, texture, producer, cache);
    return handle;
  }

  /** Gives `handle` a device copy (after an upload); the handle must not have one. */
  attach(handle: GpuData, texture: Texture, producer: CachedKernel, cache: KernelCache): void {
    if (handle.device) throw new Error('DeviceMemory.attach: the handle already has a texture');
    const copy: DeviceCopy = { texture, producer, cache, freed: false };
    handle.device = copy;
    producer.liveOutputs++;
    this.live++;
    this.holders.set(copy, new WeakRef(handle));
    // The held value must not reference the handle, or the handle could never be collected.
    this.registry.register(handle, copy, handle);
  }

  /** The handle's values on the host, reading the texture back (once) if needed. */
  read(handle: GpuData): Float32Array {
    if (handle.array) return handle.array;
    const copy = handle.device;
    if (!copy || copy.freed) throw new Error('gpu backend: read of a handle whose data were freed');
    handle.array = readTexture(copy.texture, handle.size);
    this.readbackCount++;
    return handle.array;
  }

  /**
   * Replaces the values in place (Backend.overwrite, what optimizers call per parameter): the host copy is
   * overwritten (allocated if there is none) and a device copy, now stale, is freed; the next device
   * kernel that needs the values uploads them again.
   */
  overwrite(handle: GpuData, values: ArrayLike<number>): void {
    if (values.length !== handle.size) throw new Error(`gpu backend: overwrite with ${values.length} values, expected ${handle.size}`);
    const copy = handle.device;
    if (copy) {
      this.registry.unregister(handle);
      this.release(copy);
      handle.device = null;
    }
    if (handle.array) handle.array.set(values);
    else handle.array = new Float32Array(values);
  }

  /** Frees the device copy now (disposeData) and drops the host copy. */
  free(handle: GpuData): void {
    const copy = handle.device;
    if (copy) {
      this.registry.unregister(handle);
      this.release(copy);
      handle.device = null;
    }
    handle.array = null;
  }

  /**
   * The gpu.js context is about to be destroyed (it takes every texture with it). Values that exist
   * only on the device are read back first, so tensors made on this backend stay readable after
   * dispose() (the demo switches a trained model back to the CPU that way); later frees do nothing.
   */
  close(): void {
    if (this.closed) return;
    for (const [copy, ref] of this.holders) {
      const handle = ref.deref();
      if (handle && !handle.array && !copy.freed) {
        try {
          handle.array = readTexture(copy.texture, handle.size);
        } catch {
          // A lost context cannot be read; a later read of this handle says its data were freed.
        }
      }
      if (handle) handle.device = null;
      this.registry.unregister(handle ?? copy);
      copy.freed = true;
    }
    this.holders.clear();
    this.live = 0;
    this.closed = true;
  }

  private release(copy: DeviceCopy): void {
    if (copy.freed) return;
    copy.freed = true;
    this.live--;
    this.holders.delete(copy);
    if (this.closed) return;
    copy.texture.delete();
    copy.cache.outputFreed(copy.producer);
  }
}

/** Reads a texture's first `size` values into a fresh row-major Float32Array. */
function readTexture(texture: Texture, size: number): Float32Array {
  const raw = texture as Texture & { type?: string; renderRawOutput?: () => Float32Array };
  if (raw.type === ONE_FLOAT_PER_TEXEL && raw.renderRawOutput) {
    // RGBA float pixels, the value in R: take every 4th float (skips gpu.js's nested toArray()).
    const pixels = raw.renderRawOutput();
    if (pixels.length < 4 * size) throw new Error(`gpu backend: texture holds ${pixels.length / 4} values, expected ${size}`);
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = pixels[4 * i];
    return out;
  }
  return flatten(texture.toArray(), size, 'readback');
}
