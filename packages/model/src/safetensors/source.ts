// A streaming safetensors reader: the header is read and validated when the file
// is opened; tensors are then read one at a time, on request, straight into a
// caller-provided Float32Array (F32 copied, F16 and BF16 widened), in chunks of at
// most the byte source's chunkBytes. Nothing the size of the file is ever allocated:
// F32 data on a little-endian host is read directly into the destination's bytes,
// F16/BF16 through one chunk-sized scratch buffer per read.
//
// One interface, SafetensorsSource, covers a single file and a sharded checkpoint
// (./sharded.ts), and is all a model loader needs: names, dtypes and shapes up
// front, then readInto(name, storage).
import { type ByteSource, MAX_READ_BYTES } from './byte-source.js';
import { isFloat32Convertible, SAFETENSORS_DTYPE_BYTES, type SafetensorsStoredDType } from './dtypes.js';
import { SafetensorsError } from './error.js';
import { readHeaderLength } from './format.js';
import { parseSafetensorsLayout, type SafetensorsLayout } from './layout.js';
import { storedToFloat32 } from './to-float32.js';

/** What a source knows about one tensor before reading it. */
export interface SafetensorsTensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsStoredDType;
  readonly shape: readonly number[];
  /** Number of elements: the product of the shape (1 for a scalar). */
  readonly elements: number;
  /** Stored size in bytes. */
  readonly byteLength: number;
  /** The file that holds it (its path, or a shard's path / name), for error messages. */
  readonly file: string;
}

/** A validated safetensors file or sharded checkpoint whose tensors are read one at a time. */
export interface SafetensorsSource {
  /** What was opened (a file path, an index.json path, a Blob's name), as errors name it. */
  readonly source: string;
  /** Every tensor, in file order (shard by shard for a sharded checkpoint). */
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
  /** The header's `__metadata__` (a sharded checkpoint: the shards' maps merged, first shard first). */
  readonly metadata: Readonly<Record<string, string>>;
  /**
   * Reads tensor `name` into `out` as float32 (F32 copied, F16 and BF16 widened exactly).
   * `out.length` must equal the tensor's element count. Other dtypes are refused.
   */
  readInto(name: string, out: Float32Array): Promise<void>;
  /**
   * Reads elements [start, start + out.length) of tensor `name` (flat, row-major) into `out` as
   * float32: a large tensor read piece by piece through a small buffer.
   */
  readRange(name: string, start: number, out: Float32Array): Promise<void>;
  /** Allocates a Float32Array of the tensor's size and reads into it. */
  readFloat32(name: string): Promise<Float32Array>;
  /** Reads the tensor's stored bytes (any dtype, little-endian as in the file) into `out`, which must be exactly byteLength long. */
  readBytes(name: string, out: Uint8Array): Promise<void>;
  /** Closes the underlying files (idempotent). */
  close(): Promise<void>;
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads the length prefix and the header of `bytes` and validates them against its size. */
export async function readSafetensorsLayout(bytes: ByteSource): Promise<SafetensorsLayout> {
  const prefix = new Uint8Array(8);
  if (bytes.size >= 8) await bytes.read(0, prefix);
  const n = readHeaderLength(prefix, bytes.size, bytes.name); // refuses lengths over MAX_HEADER_BYTES or past the end
  const header = new Uint8Array(n);
  await bytes.read(8, header);
  return parseSafetensorsLayout(header, bytes.size - 8 - n, bytes.name);
}

/** The info of tensor `name`, or an error naming the source. */
export function tensorInfo(source: string, tensors: ReadonlyMap<string, SafetensorsTensorInfo>, name: string): SafetensorsTensorInfo {
  const info = tensors.get(name);
  if (!info) throw new SafetensorsError(source, `no tensor named "${name}"`);
  return info;
}

/** Refuses a tensor readInto cannot convert to float32. */
export function checkFloat32Convertible(info: SafetensorsTensorInfo): void {
  if (!isFloat32Convertible(info.dtype)) {
    throw new SafetensorsError(info.file, `tensor "${info.name}" is ${info.dtype}; only F32, F16 and BF16 tensors can be read as float32`);
  }
}

/** Checks readInto's destination: a Float32Array of exactly the tensor's element count. */
export function checkFloat32Destination(info: SafetensorsTensorInfo, out: unknown): void {
  checkFloat32Convertible(info);
  if (!(out instanceof Float32Array)) throw new SafetensorsError(info.file, `tensor "${info.name}": readInto needs a Float32Array`);
  if (out.length !== info.elements) {
    throw new SafetensorsError(info.file, `tensor "${info.name}" [${info.shape.join(', ')}] has ${info.elements} elements but the destination holds ${out.length}`);
  }
}

/** Checks readRange's arguments: a Float32Array range inside the tensor. */
export function checkFloat32Range(info: SafetensorsTensorInfo, start: number, out: unknown): void {
  checkFloat32Convertible(info);
  if (!(out instanceof Float32Array)) throw new SafetensorsError(info.file, `tensor "${info.name}": readRange needs a Float32Array`);
  if (!Number.isSafeInteger(start) || start < 0 || start + out.length > info.elements) {
    throw new SafetensorsError(info.file, `tensor "${info.name}" has ${info.elements} elements; [${start}, ${start + out.length}) is outside it`);
  }
}

/** Checks readBytes' destination: a Uint8Array of exactly the tensor's stored size. */
export function checkBytesDestination(info: SafetensorsTensorInfo, out: unknown): void {
  if (!(out instanceof Uint8Array) || out.length !== info.byteLength) {
    throw new SafetensorsError(info.file, `tensor "${info.name}": readBytes needs a Uint8Array of exactly ${info.byteLength} bytes`);
  }
}

/** readFloat32 in terms of readInto: checks the dtype before allocating. */
export async function readFloat32Via(source: SafetensorsSource, name: string): Promise<Float32Array> {
  const info = tensorInfo(source.source, source.tensors, name);
  checkFloat32Convertible(info);
  const out = new Float32Array(info.elements);
  await source.readInto(name, out);
  return out;
}

/** One safetensors file over a ByteSource. Create with openSafetensorsSource(). */
class SafetensorsFileSource implements SafetensorsSource {
  readonly source: string;
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
  /** Absolute byte position of each tensor's first byte. */
  private readonly starts: ReadonlyMap<string, number>;

  constructor(
    private readonly bytes: ByteSource,
    layout: SafetensorsLayout,
  ) {
    this.source = bytes.name;
    this.metadata = layout.metadata;
    const tensors = new Map<string, SafetensorsTensorInfo>();
    const starts = new Map<string, number>();
    for (const [name, e] of layout.entries) {
      const byteLength = e.dataOffsets[1] - e.dataOffsets[0];
      tensors.set(name, { name, dtype: e.dtype, shape: e.shape, elements: e.elements, byteLength, file: bytes.name });
      starts.set(name, layout.dataStart + e.dataOffsets[0]);
    }
    this.tensors = tensors;
    this.starts = starts;
  }

  async readInto(name: string, out: Float32Array): Promise<void> {
    const info = tensorInfo(this.source, this.tensors, name);
    checkFloat32Destination(info, out);
    await this.readElements(info, 0, out);
  }

  async readRange(name: string, start: number, out: Float32Array): Promise<void> {
    const info = tensorInfo(this.source, this.tensors, name);
    checkFloat32Range(info, start, out);
    await this.readElements(info, start, out);
  }

  /** Elements [first, first + out.length) of a checked float tensor into `out`, chunk by chunk. */
  private async readElements(info: SafetensorsTensorInfo, first: number, out: Float32Array): Promise<void> {
    const dtype = info.dtype as 'F32' | 'F16' | 'BF16';
    const size = SAFETENSORS_DTYPE_BYTES[dtype];
    const start = this.starts.get(info.name)! + first * size;
    const byteLength = out.length * size;
    // Whole elements per chunk, so a chunk never splits one.
    const chunk = Math.max(size, Math.floor(Math.min(this.bytes.chunkBytes, MAX_READ_BYTES) / size) * size);
    if (dtype === 'F32' && hostIsLittleEndian) {
      // The stored bytes are the float32 bytes: read them straight into the destination.
      const target = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      for (let at = 0; at < byteLength; at += chunk) {
        await this.bytes.read(start + at, target.subarray(at, Math.min(byteLength, at + chunk)));
      }
      return;
    }
    const scratch = new Uint8Array(Math.min(chunk, byteLength));
    for (let at = 0; at < byteLength; at += chunk) {
      const piece = scratch.subarray(0, Math.min(chunk, byteLength - at));
      await this.bytes.read(start + at, piece);
      storedToFloat32(piece, dtype, out, at / size);
    }
  }

  readFloat32(name: string): Promise<Float32Array> {
    return readFloat32Via(this, name);
  }

  async readBytes(name: string, out: Uint8Array): Promise<void> {
    const info = tensorInfo(this.source, this.tensors, name);
    checkBytesDestination(info, out);
    const start = this.starts.get(name)!;
    const chunk = Math.min(this.bytes.chunkBytes, MAX_READ_BYTES);
    for (let at = 0; at < info.byteLength; at += chunk) {
      await this.bytes.read(start + at, out.subarray(at, Math.min(info.byteLength, at + chunk)));
    }
  }

  close(): Promise<void> {
    return this.bytes.close();
  }
}

/**
 * Opens a safetensors file over any ByteSource: reads and validates the header (a bad
 * file throws a SafetensorsError naming it and closes the byte source), reads no tensor.
 */
export async function openSafetensorsSource(bytes: ByteSource): Promise<SafetensorsSource> {
  try {
    return new SafetensorsFileSource(bytes, await readSafetensorsLayout(bytes));
  } catch (err) {
    await bytes.close().catch(() => {});
    throw err;
  }
}
