// Storage buffers for tensors, pooled by size class.
//
// Creating and destroying a GPUBuffer per tensor costs an allocation on the
// device each time, and a training step makes hundreds of tensors of the same
// few sizes. So buffers come in size classes (the byte size rounded up to a
// power of two, at least 256 bytes) and a released buffer goes back to the free
// list of its class, to be handed out again for the next tensor of that class.
//
// Reuse is safe without waiting for the GPU: every command that reads or
// writes a buffer is recorded in queue order (see Dispatcher), so a kernel
// that writes a recycled buffer runs after every kernel that read its old
// contents.
//
// Counters: `live` buffers are held by tensors (and in-flight temporaries),
// `pooled` ones wait on a free list; a training loop in tidy() keeps both flat.

/** Smallest size class in bytes. */
export const MIN_CLASS_BYTES = 256;

/** The size class (bytes) a buffer of `bytes` comes from: a power of two, at least MIN_CLASS_BYTES. */
export function sizeClass(bytes: number): number {
  let size = MIN_CLASS_BYTES;
  while (size < bytes) size *= 2;
  return size;
}

export interface PoolStats {
  /** Buffers handed out and not yet released. */
  live: number;
  liveBytes: number;
  /** Most liveBytes at once since the pool was made or resetPeak(). */
  peakLiveBytes: number;
  /** Buffers on the free lists. */
  pooled: number;
  pooledBytes: number;
  /** Buffers created / destroyed since the pool was made. */
  created: number;
  destroyed: number;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly stats: PoolStats = { live: 0, liveBytes: 0, peakLiveBytes: 0, pooled: 0, pooledBytes: 0, created: 0, destroyed: 0 };

  constructor(
    private readonly device: GPUDevice,
    /** Largest total size of the free lists; a release beyond it destroys the buffer instead. */
    private readonly maxPooledBytes: number,
    /** Destroys a buffer once the commands recorded so far are submitted (see Dispatcher.retire). */
    private readonly retire: (buffer: GPUBuffer) => void,
  ) {}

  /** A buffer of at least `bytes` (STORAGE | COPY_SRC | COPY_DST), recycled when one of its class is free. */
  acquire(bytes: number): GPUBuffer {
    // A class above the device's largest buffer would fail to allocate: such a buffer gets its exact size.
    const size = Math.max(bytes, Math.min(sizeClass(bytes), this.device.limits.maxBufferSize));
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.stats.pooled--;
      this.stats.pooledBytes -= size;
    } else {
      buffer = this.device.createBuffer({
        size,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      this.stats.created++;
    }
    this.stats.live++;
    this.stats.liveBytes += size;
    this.stats.peakLiveBytes = Math.max(this.stats.peakLiveBytes, this.stats.liveBytes);
    return buffer;
  }

  /** Gives a buffer back: onto its class's free list, or destroyed if the free lists are full. */
  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    this.stats.live--;
    this.stats.liveBytes -= size;
    if (this.stats.pooledBytes + size > this.maxPooledBytes) {
      this.stats.destroyed++;
      this.retire(buffer);
      return;
    }
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.stats.pooled++;
    this.stats.pooledBytes += size;
  }

  /** Destroys the free buffers (live ones belong to their tensors). */
  trim(): void {
    for (const list of this.free.values()) {
      for (const buffer of list) {
        this.retire(buffer);
        this.stats.destroyed++;
      }
    }
    this.free.clear();
    this.stats.pooled = 0;
    this.stats.pooledBytes = 0;
  }

  /** Starts peakLiveBytes again from the bytes alive now. */
  resetPeak(): void {
    this.stats.peakLiveBytes = this.stats.liveBytes;
  }

  snapshot(): PoolStats {
    return { ...this.stats };
  }
}
