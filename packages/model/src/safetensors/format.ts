// The safetensors file format, read and written from first principles.
//
//   [8 bytes]  N, the header length, unsigned 64-bit little-endian
//   [N bytes]  a JSON object: { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] },
//                               "__metadata__": { "<key>": "<string value>" } }
//              padded with spaces to a multiple of 8 bytes
//   [rest]     the raw little-endian tensor bytes; data_offsets are relative to the start of this part
//
// Reading is two-phase: the header is parsed and every entry checked against the
// byte budget (dtype known, shape * dtype size = end - begin, offsets in bounds,
// tensors tiling the data without overlaps or holes) BEFORE any tensor is
// allocated, so a bad file fails with one clear error and loads nothing.
import { SafetensorsError } from './error.js';
import { bfloat16BitsToFloat32, float32ToBfloat16Bits } from './bfloat16.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from './float16.js';
import { parseSafetensorsLayout } from './layout.js';

export { SafetensorsError };

/** The element types this reader/writer supports. */
export type SafetensorsDType = 'F32' | 'F16' | 'BF16' | 'I32';

export const BYTES_PER_ELEMENT: Record<SafetensorsDType, number> = { F32: 4, F16: 2, BF16: 2, I32: 4 };

/** Headers longer than this are refused before anything is allocated (the reference implementation uses the same bound). */
export const MAX_HEADER_BYTES = 100_000_000;

/** A tensor as stored: F32 and F16 come back as Float32Array (F16 widened), I32 as Int32Array. */
export interface SafetensorsTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** A tensor to write. `dtype` defaults to F32 for float data and I32 for Int32Array. */
export interface SafetensorsInput {
  shape: readonly number[];
  data: ArrayLike<number>;
  dtype?: SafetensorsDType;
}

/** One header entry, after validation. */
export interface SafetensorsHeaderEntry {
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte range [begin, end) relative to the start of the data section. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  /** Tensors in file order (sorted by offset). */
  entries: Map<string, SafetensorsHeaderEntry>;
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
  /** Where the data section starts, in bytes from the beginning of the file: 8 + header length. */
  dataStart: number;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export interface ReadOptions {
  /** A name for the input (a file path, say) used in error messages. Default "<bytes>". */
  source?: string;
}

function toBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

/**
 * Reads the 8-byte length prefix. `totalBytes` is the full file size, which may be more
 * than `prefix` holds (the Node loader reads the prefix alone first).
 */
export function readHeaderLength(prefix: Uint8Array, totalBytes: number, source: string): number {
  if (totalBytes < 8 || prefix.length < 8) {
    throw new SafetensorsError(source, `file is ${totalBytes} bytes, shorter than the 8-byte header length prefix`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const length = high * 2 ** 32 + low;
  if (length > MAX_HEADER_BYTES) {
    throw new SafetensorsError(source, `header length ${length} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  }
  if (length < 2) throw new SafetensorsError(source, `header length ${length} is too small to hold a JSON object`);
  if (8 + length > totalBytes) {
    throw new SafetensorsError(source, `header length ${length} runs past the end of the ${totalBytes}-byte file (truncated?)`);
  }
  return length;
}

function isDim(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Refuses dtypes the in-memory reader does not decode (the streaming reader in ./source.ts also reads BF16). */
export function checkInMemoryDtype(source: string, name: string, dtype: string): asserts dtype is SafetensorsDType {
  if (!(dtype in BYTES_PER_ELEMENT)) {
    throw new SafetensorsError(source, `tensor "${name}": dtype ${JSON.stringify(dtype)} is not supported here (supported: F32, F16, BF16, I32)`);
  }
}

/**
 * Parses and validates the JSON header against the size of the data section.
 * `headerBytes` is exactly the N header bytes; `dataBytes` is the length of everything after them.
 */
export function parseHeader(headerBytes: Uint8Array, dataBytes: number, source: string): SafetensorsHeader {
  const layout = parseSafetensorsLayout(headerBytes, dataBytes, source);
  const entries = new Map<string, SafetensorsHeaderEntry>();
  for (const [name, entry] of layout.entries) {
    checkInMemoryDtype(source, name, entry.dtype);
    entries.set(name, { dtype: entry.dtype, shape: [...entry.shape], dataOffsets: [entry.dataOffsets[0], entry.dataOffsets[1]] });
  }
  return { entries, metadata: { ...layout.metadata }, dataStart: layout.dataStart };
}

/** Parses and validates the header of a complete file held in memory. */
export function readSafetensorsHeader(input: Uint8Array | ArrayBuffer, options: ReadOptions = {}): SafetensorsHeader {
  const bytes = toBytes(input);
  const source = options.source ?? '<bytes>';
  const n = readHeaderLength(bytes, bytes.length, source);
  return parseHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n, source);
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes one tensor's bytes (exactly end - begin of them) into a fresh typed array. */
export function decodeTensor(bytes: Uint8Array, dtype: SafetensorsDType, count: number): Float32Array | Int32Array {
  if (dtype === 'F16' || dtype === 'BF16') {
    const out = new Float32Array(count);
    decodeFloatsInto(bytes, dtype, out);
    return out;
  }
  if (hostIsLittleEndian) {
    // Fast path: copy the bytes into a fresh buffer (which also fixes alignment) and view them directly.
    // (Not bytes.slice(): on a Node Buffer that returns a view into the shared pool, not a copy.)
    const copy = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(copy).set(bytes);
    return dtype === 'F32' ? new Float32Array(copy, 0, count) : new Int32Array(copy, 0, count);
  }
  // Reference path, for big-endian hosts: read every element with an explicit byte order.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F32') {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
  return out;
}

/**
 * Decodes float tensor bytes (F32, F16 or BF16, little-endian; exactly out.length elements) into
 * `out`, widening halves to float32: how checkpoint loaders fill a parameter without a second buffer.
 */
export function decodeFloatsInto(bytes: Uint8Array, dtype: SafetensorsDType, out: Float32Array): void {
  const count = out.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F16') {
    for (let i = 0; i < count; i++) out[i] = float16BitsToFloat32(view.getUint16(2 * i, true));
  } else if (dtype === 'BF16') {
    for (let i = 0; i < count; i++) out[i] = bfloat16BitsToFloat32(view.getUint16(2 * i, true));
  } else if (dtype === 'F32') {
    if (hostIsLittleEndian) new Uint8Array(out.buffer, out.byteOffset, 4 * count).set(bytes.subarray(0, 4 * count));
    else for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  } else {
    throw new SafetensorsError('<read>', `dtype ${dtype} is not a float type`);
  }
}

/** Reads a whole safetensors file held in memory. Validates everything first; throws SafetensorsError. */
export function parseSafetensors(input: Uint8Array | ArrayBuffer, options: ReadOptions = {}): SafetensorsFile {
  const bytes = toBytes(input);
  const header = readSafetensorsHeader(bytes, options);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, entry] of header.entries) {
    const [begin, end] = entry.dataOffsets;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const slice = bytes.subarray(header.dataStart + begin, header.dataStart + end);
    tensors.set(name, { dtype: entry.dtype, shape: entry.shape, data: decodeTensor(slice, entry.dtype, count) });
  }
  return { tensors, metadata: header.metadata };
}

function encodeTensor(name: string, t: SafetensorsInput, dtype: SafetensorsDType, out: DataView, at: number): void {
  const n = t.data.length;
  for (let i = 0; i < n; i++) {
    const x = t.data[i];
    if (dtype === 'F32') out.setFloat32(at + 4 * i, x, true);
    else if (dtype === 'F16') out.setUint16(at + 2 * i, float32ToFloat16Bits(x), true);
    else if (dtype === 'BF16') out.setUint16(at + 2 * i, float32ToBfloat16Bits(x), true);
    else {
      if (!Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31) {
        throw new SafetensorsError('<write>', `tensor "${name}": element ${i} = ${x} is not a 32-bit integer`);
      }
      out.setInt32(at + 4 * i, x, true);
    }
  }
}

/**
 * Serialises tensors (in the given order) and string metadata to safetensors bytes.
 * Float data defaults to F32 and Int32Array to I32; pass `dtype: 'F16'` to halve the size.
 */
export function serializeSafetensors(
  tensors: Record<string, SafetensorsInput> | Map<string, SafetensorsInput>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const list = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError('<write>', `metadata "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const plan: { name: string; t: SafetensorsInput; dtype: SafetensorsDType; begin: number }[] = [];
  let offset = 0;
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new SafetensorsError('<write>', 'a tensor may not be named "__metadata__"');
    if (!t.shape.every((d) => isDim(d))) throw new SafetensorsError('<write>', `tensor "${name}": bad shape [${t.shape.join(', ')}]`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new SafetensorsError('<write>', `tensor "${name}": shape [${t.shape.join(', ')}] has ${count} elements but data has ${t.data.length}`);
    }
    const dtype = t.dtype ?? (t.data instanceof Int32Array ? 'I32' : 'F32');
    if (!(dtype in BYTES_PER_ELEMENT)) throw new SafetensorsError('<write>', `tensor "${name}": dtype ${dtype} is not one of F32, F16, BF16, I32`);
    const bytes = count * BYTES_PER_ELEMENT[dtype];
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    plan.push({ name, t, dtype, begin: offset });
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  let headerBytes = new TextEncoder().encode(json);
  const padding = (8 - (headerBytes.length % 8)) % 8;
  if (padding > 0) {
    json += ' '.repeat(padding);
    headerBytes = new TextEncoder().encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.length % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerBytes.length / 2 ** 32), true);
  out.set(headerBytes, 8);
  const dataStart = 8 + headerBytes.length;
  for (const { name, t, dtype, begin } of plan) encodeTensor(name, t, dtype, view, dataStart + begin);
  return out;
}
