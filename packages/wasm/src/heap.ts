// WasmHeap: the allocator for the WebAssembly memory above the kernels'
// scratch areas. Two kinds of blocks live here:
//
//   temporary  operands copied in for one kernel call and freed when it returns
//              (the call table of a threaded matmul, inputs that are plain arrays)
//   resident   tensor values that stay in wasm memory between kernels, handed to
//              @attn/tensor as Float32Array views. A kernel reads them in place
//              and writes its outputs straight into new resident blocks, so a
//              chain of kernels copies nothing. They are freed when the tensor is
//              disposed (tidy() does that for a whole training step) or, as a
//              safety net, when the garbage collector drops the view.
//
// Resident blocks need a shared memory: growing a non-shared memory detaches
// every view of it. They also stop at a budget; past it (say, a loop that
// never disposes and never yields to let finalizers run) values go back to
// plain arrays and kernels copy them in and out, which is slower but correct.
//
// Free space is a list of blocks sorted by address; allocation is best fit and
// freeing merges neighbours, so the varying sizes of generation (a sequence
// that grows by one token per step) do not fragment memory without bound.

const ALIGN = 64;
const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

interface FreeBlock {
  offset: number;
  bytes: number;
}

export class WasmHeap {
  /** Free blocks below `top`, sorted by offset, never adjacent (merged). */
  private readonly freeList: FreeBlock[] = [];
  /** End of the highest block ever handed out. */
  private top: number;
  /** Every allocated block by offset: its size and whether it is resident (else temporary). */
  private readonly allocated = new Map<number, { bytes: number; resident: boolean }>();
  /** Resident views this heap handed out, and their offsets. */
  private readonly residents = new WeakMap<Float32Array, number>();
  private readonly finalizers = new FinalizationRegistry<number>((offset) => this.release(offset));
  /** Bytes held by resident blocks. */
  residentBytes = 0;
  /** Highest residentBytes since the heap was made or resetPeak() was called (memory benchmarks read it). */
  peakResidentBytes = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    /** Largest total of resident bytes; 0 disables resident blocks. */
    private readonly residentBudget: number,
    /** Grows the memory to at least this many bytes (throws past the module's maximum). */
    private readonly ensureBytes: (bytes: number) => void,
  ) {
    this.top = alignUp(base);
  }

  /** The address just past the highest block in use (the heap's base when it is empty). */
  get extent(): number {
    return this.top;
  }

  /** A block for one kernel call; free it with freeTemp(). May go past the resident budget. */
  allocTemp(floats: number): number {
    return this.allocate(alignUp(Math.max(1, floats) * 4), false);
  }

  freeTemp(offset: number): void {
    this.release(offset);
  }

  /** A resident view of `floats` floats, or null when resident blocks are off or over budget. */
  allocResident(floats: number): Float32Array | null {
    const bytes = alignUp(Math.max(1, floats) * 4);
    if (this.residentBytes + bytes > this.residentBudget) return null;
    const offset = this.allocate(bytes, true);
    this.residentBytes += bytes;
    if (this.residentBytes > this.peakResidentBytes) this.peakResidentBytes = this.residentBytes;
    const view = new Float32Array(this.memory.buffer, offset, floats);
    this.residents.set(view, offset);
    this.finalizers.register(view, offset, view);
    return view;
  }

  /** Starts a new high-water mark at the bytes resident now. */
  resetPeak(): void {
    this.peakResidentBytes = this.residentBytes;
  }

  /** Whether `values` is a live resident view of this heap (kernels read it in place). */
  owns(values: Float32Array): boolean {
    return this.residents.has(values);
  }

  /** Frees a resident view now (a tensor was disposed). Using the view afterwards is a bug. */
  freeResident(view: Float32Array): void {
    const offset = this.residents.get(view);
    if (offset === undefined) return;
    this.residents.delete(view);
    this.finalizers.unregister(view);
    this.release(offset);
  }

  private allocate(bytes: number, resident: boolean): number {
    let best = -1;
    for (let i = 0; i < this.freeList.length; i++) {
      const b = this.freeList[i];
      if (b.bytes >= bytes && (best < 0 || b.bytes < this.freeList[best].bytes)) {
        best = i;
        if (b.bytes === bytes) break;
      }
    }
    let offset: number;
    if (best >= 0) {
      const block = this.freeList[best];
      offset = block.offset;
      if (block.bytes === bytes) this.freeList.splice(best, 1);
      else {
        block.offset += bytes;
        block.bytes -= bytes;
      }
    } else {
      offset = this.top;
      this.ensureBytes(offset + bytes);
      this.top = offset + bytes;
    }
    this.allocated.set(offset, { bytes, resident });
    return offset;
  }

  private release(offset: number): void {
    const block = this.allocated.get(offset);
    if (!block) return;
    this.allocated.delete(offset);
    const { bytes } = block;
    if (block.resident) this.residentBytes -= bytes;
    // insert sorted, then merge with the neighbours
    let lo = 0;
    let hi = this.freeList.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.freeList[mid].offset < offset) lo = mid + 1;
      else hi = mid;
    }
    this.freeList.splice(lo, 0, { offset, bytes });
    const next = this.freeList[lo + 1];
    if (next && offset + bytes === next.offset) {
      this.freeList[lo].bytes += next.bytes;
      this.freeList.splice(lo + 1, 1);
    }
    const prev = this.freeList[lo - 1];
    if (prev && prev.offset + prev.bytes === offset) {
      prev.bytes += this.freeList[lo].bytes;
      this.freeList.splice(lo, 1);
    }
    // give the topmost free block back to the bump pointer
    const last = this.freeList[this.freeList.length - 1];
    if (last && last.offset + last.bytes === this.top) {
      this.top = last.offset;
      this.freeList.pop();
    }
  }

}
