// Records kernels, uploads and read-backs into command buffers, in order.
//
// Why batching: submitting one command buffer per kernel costs a round trip
// through the GPU process each time; a training step has hundreds of kernels.
// So dispatches are recorded into one open compute pass and submitted together
// when a value is read back, when the uniform or upload arena is full, or when
// the caller flushes.
//
// Why arenas: a kernel's parameters (sizes, strides, hyperparameters) and the
// values of host uploads must reach the GPU *in order* with the recorded
// kernels. `queue.writeBuffer` runs at once on the queue, ahead of commands not
// yet submitted, so writing into a buffer a pending kernel still reads would
// be a race. Instead each dispatch takes a 256-byte slot of a uniform arena and
// each upload a range of an upload arena; both are written with one
// `writeBuffer` each right before the submit, and the uploads are recorded as
// buffer-to-buffer copies between the kernels. The next batch reuses the arenas:
// its writeBuffer is queued after the previous submit, so the GPU has consumed
// them by then.
//
// Buffers freed while recorded commands may still use them (an evicted cache
// entry, a one-off staging buffer) are destroyed after the submit, which the
// WebGPU spec allows: submitted work keeps them alive.
import { WebGPUBackendError } from './errors.js';

/** Bytes of one dispatch's parameters: 64 words (also the largest minUniformBufferOffsetAlignment allowed). */
export const PARAM_BYTES = 256;
/** Words of one dispatch's parameters. */
export const PARAM_WORDS = PARAM_BYTES / 4;
/** Parameter slots per submit: a batch holds at most this many dispatches. */
const UNIFORM_ARENA_BYTES = 256 * PARAM_BYTES;
/** Host uploads up to this size go through the upload arena; larger ones get a staging buffer of their own. */
const UPLOAD_ARENA_BYTES = 4 * 1024 * 1024;
/** Most workgroups along one dimension (the WebGPU default limit, which every adapter has). */
export const MAX_WORKGROUPS_PER_DIM = 65535;

/** A compiled kernel: the pipeline and the layout of its bind group 0 (binding 0: parameters; 1..n: storage buffers). */
export interface Program {
  readonly key: string;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** Running totals, for tests and the bench. */
export interface DispatchCounters {
  dispatches: number;
  submits: number;
  /** Host-to-device uploads and their bytes. */
  uploads: number;
  uploadBytes: number;
  /** Device-to-host reads. */
  readbacks: number;
}

/** Rounds up to a multiple of 4 (copy sizes and offsets must be). */
const align4 = (n: number) => (n + 3) & ~3;

export class Dispatcher {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly uniformHost = new ArrayBuffer(UNIFORM_ARENA_BYTES);
  private readonly uniformBuffer: GPUBuffer;
  private uniformUsed = 0;
  private readonly uploadHost = new Uint8Array(UPLOAD_ARENA_BYTES);
  private readonly uploadBuffer: GPUBuffer;
  private uploadUsed = 0;
  /** Buffers to destroy once the recorded commands are submitted. */
  private retired: GPUBuffer[] = [];
  /** The first error the device reported (validation, out of memory) or why it was lost; every later call throws it. */
  private failure: string | null = null;
  readonly counters: DispatchCounters = { dispatches: 0, submits: 0, uploads: 0, uploadBytes: 0, readbacks: 0 };

  constructor(readonly device: GPUDevice) {
    this.uniformBuffer = device.createBuffer({ size: UNIFORM_ARENA_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'attn params' });
    this.uploadBuffer = device.createBuffer({ size: UPLOAD_ARENA_BYTES, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: 'attn uploads' });
    device.addEventListener('uncapturederror', (event) => {
      this.failure ??= `WebGPU reported an error: ${(event as GPUUncapturedErrorEvent).error.message}`;
    });
    device.lost.then((info) => {
      this.failure ??= `the WebGPU device was lost (${info.reason}): ${info.message}`;
    });
  }

  /** Throws the device's first reported error, if any. */
  check(): void {
    if (this.failure) throw new WebGPUBackendError(`webgpu: ${this.failure}`);
  }

  /** Records one dispatch of `program` over `workgroups` (x, y, z) with `params` in binding 0 and `buffers` in 1..n. */
  dispatch(program: Program, params: Uint32Array, buffers: readonly GPUBuffer[], workgroups: readonly [number, number, number]): void {
    this.check();
    if (this.uniformUsed + PARAM_BYTES > UNIFORM_ARENA_BYTES) this.flush();
    const offset = this.uniformUsed;
    new Uint32Array(this.uniformHost, offset, params.length).set(params);
    this.uniformUsed += PARAM_BYTES;
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.uniformBuffer, offset, size: PARAM_BYTES } }];
    buffers.forEach((buffer, i) => {
      entries.push({ binding: i + 1, resource: { buffer } });
    });
    const bindGroup = this.device.createBindGroup({ layout: program.layout, entries, label: program.key });
    const pass = this.openPass();
    pass.setPipeline(program.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    this.counters.dispatches++;
  }

  /** Records a copy of `data` (a whole number of 4-byte words) into `dst` at byte 0, in order with the kernels. */
  upload(dst: GPUBuffer, data: ArrayBufferView): void {
    this.check();
    const bytes = data.byteLength;
    if (bytes === 0) return;
    if (bytes % 4 !== 0) throw new WebGPUBackendError(`webgpu: upload of ${bytes} bytes is not a whole number of 4-byte words`);
    const source = new Uint8Array(data.buffer, data.byteOffset, bytes);
    this.counters.uploads++;
    this.counters.uploadBytes += bytes;
    if (bytes > UPLOAD_ARENA_BYTES / 4) {
      // Large (weights at start-up): a staging buffer of its own, filled while mapped at creation.
      const staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
      new Uint8Array(staging.getMappedRange()).set(source);
      staging.unmap();
      this.commandEncoder().copyBufferToBuffer(staging, 0, dst, 0, bytes);
      this.retired.push(staging);
      return;
    }
    if (this.uploadUsed + bytes > UPLOAD_ARENA_BYTES) this.flush();
    const offset = this.uploadUsed;
    this.uploadHost.set(source, offset);
    this.uploadUsed = align4(offset + bytes);
    this.commandEncoder().copyBufferToBuffer(this.uploadBuffer, offset, dst, 0, bytes);
  }

  /** Records a device-side copy of `bytes` from `src` to `dst` (both at byte 0). */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number): void {
    this.check();
    if (bytes > 0) this.commandEncoder().copyBufferToBuffer(src, 0, dst, 0, align4(bytes));
  }

  /** Destroys `buffer` after the commands recorded so far are submitted. */
  retire(buffer: GPUBuffer): void {
    this.retired.push(buffer);
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.closePass();
    const queue = this.device.queue;
    if (this.uniformUsed > 0) queue.writeBuffer(this.uniformBuffer, 0, this.uniformHost, 0, this.uniformUsed);
    if (this.uploadUsed > 0) queue.writeBuffer(this.uploadBuffer, 0, this.uploadHost, 0, this.uploadUsed);
    queue.submit([this.encoder.finish()]);
    this.counters.submits++;
    this.encoder = null;
    this.uniformUsed = 0;
    this.uploadUsed = 0;
    for (const buffer of this.retired) buffer.destroy();
    this.retired = [];
  }

  /**
   * Reads the first `bytes` of `src` after every command recorded so far: copies
   * them to a mappable buffer, submits, and resolves once the GPU is done.
   */
  async read(src: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.check();
    if (bytes === 0) return new ArrayBuffer(0);
    const size = align4(bytes);
    const staging = this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.commandEncoder().copyBufferToBuffer(src, 0, staging, 0, size);
    this.flush();
    this.counters.readbacks++;
    try {
      await staging.mapAsync(GPUMapMode.READ);
      this.check();
      return staging.getMappedRange(0, size).slice(0, bytes);
    } catch (err) {
      this.check(); // a recorded device error explains a failed map better
      throw new WebGPUBackendError(`webgpu: reading a buffer back failed: ${(err as Error).message}`);
    } finally {
      staging.destroy();
    }
  }

  /** Resolves when the GPU has finished everything submitted so far (after a flush). */
  async idle(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.check();
  }

  /** Submits what is pending and frees the arenas; the dispatcher is unusable afterwards. */
  dispose(): void {
    this.flush();
    this.uniformBuffer.destroy();
    this.uploadBuffer.destroy();
    this.failure ??= 'the backend was disposed';
  }

  private commandEncoder(): GPUCommandEncoder {
    this.closePass();
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private openPass(): GPUComputePassEncoder {
    if (!this.pass) {
      this.encoder ??= this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
    }
    return this.pass;
  }

  private closePass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }
}
