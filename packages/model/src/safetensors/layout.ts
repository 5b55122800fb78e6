// The header of a safetensors file, parsed and checked against the size of the
// data section before a single tensor byte is read:
//
//   [8 bytes]  N, the header length, u64 little-endian
//   [N bytes]  JSON { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { key: string } }
//   [rest]     tensor bytes; data_offsets are relative to the start of this part
//
// Checked here, each failure naming the source: UTF-8 and JSON; every entry's dtype
// (any whole-byte dtype of the format; unknown and sub-byte ones are refused), shape
// (non-negative safe integers) and offsets; shape x dtype size = end - begin; every
// range inside the data section; and the ranges tiling the data section exactly
// (sorted by offset, each tensor begins where the previous ended: no overlaps,
// holes or trailing bytes), which is what the reference implementation requires.
// Offsets need not be multiples of the element size: the readers copy through
// aligned buffers, so such (unusual but legal) files read correctly.
import { isStoredDType, SAFETENSORS_DTYPE_BYTES, type SafetensorsStoredDType, SUB_BYTE_DTYPES } from './dtypes.js';
import { SafetensorsError } from './error.js';

/** One tensor's entry in the header, after validation. */
export interface SafetensorsLayoutEntry {
  readonly name: string;
  readonly dtype: SafetensorsStoredDType;
  readonly shape: readonly number[];
  /** Number of elements (the product of the shape; 1 for a scalar). */
  readonly elements: number;
  /** Byte range [begin, end) relative to the start of the data section. */
  readonly dataOffsets: readonly [number, number];
}

/** A validated header: where everything is, before anything is read. */
export interface SafetensorsLayout {
  /** Tensors in file order (sorted by offset). */
  readonly entries: ReadonlyMap<string, SafetensorsLayoutEntry>;
  /** The `__metadata__` string map (empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Where the data section starts, in bytes from the beginning of the file: 8 + header length. */
  readonly dataStart: number;
  /** Length of the data section in bytes. */
  readonly dataBytes: number;
}

function isDim(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function parseEntry(source: string, name: string, value: unknown, dataBytes: number): SafetensorsLayoutEntry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SafetensorsError(source, `tensor "${name}": entry must be an object with dtype, shape and data_offsets`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') throw new SafetensorsError(source, `tensor "${name}": dtype is missing`);
  if (!isStoredDType(dtype)) {
    const why = SUB_BYTE_DTYPES.has(dtype) ? 'is not supported (sub-byte dtypes)' : 'is unknown';
    throw new SafetensorsError(source, `tensor "${name}": dtype ${JSON.stringify(dtype)} ${why}; known: ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')}`);
  }
  if (!Array.isArray(shape) || !shape.every(isDim)) {
    throw new SafetensorsError(source, `tensor "${name}": shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isDim) || offsets[0] > offsets[1]) {
    throw new SafetensorsError(source, `tensor "${name}": data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const expected = elements * SAFETENSORS_DTYPE_BYTES[dtype];
  if (!Number.isSafeInteger(expected)) {
    throw new SafetensorsError(source, `tensor "${name}": shape [${shape.join(', ')}] is too large to address`);
  }
  if (end - begin !== expected) {
    throw new SafetensorsError(
      source,
      `tensor "${name}": shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  if (end > dataBytes) {
    throw new SafetensorsError(source, `tensor "${name}": data_offsets [${begin}, ${end}] run past the end of the ${dataBytes}-byte data section (truncated?)`);
  }
  return { name, dtype, shape: shape as number[], elements, dataOffsets: [begin, end] };
}

/**
 * Parses and validates a header. `headerBytes` are exactly the N bytes after the length
 * prefix; `dataBytes` is the size of everything after them (file size - 8 - N).
 */
export function parseSafetensorsLayout(headerBytes: Uint8Array, dataBytes: number, source: string): SafetensorsLayout {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(source, 'header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(source, `header is not valid JSON (${(err as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SafetensorsError(source, 'header must be a JSON object mapping tensor names to {dtype, shape, data_offsets}');
  }

  const metadata: Record<string, string> = {};
  const entries: SafetensorsLayoutEntry[] = [];
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name !== '__metadata__') {
      entries.push(parseEntry(source, name, value, dataBytes));
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new SafetensorsError(source, '__metadata__ must be an object of string values');
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v !== 'string') throw new SafetensorsError(source, `__metadata__.${k} must be a string, got ${typeof v}`);
      metadata[k] = v;
    }
  }

  // The tensors must tile the data section exactly: sorted by offset, each begins where the last ended.
  entries.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let cursor = 0;
  let previous = '';
  for (const entry of entries) {
    const [begin, end] = entry.dataOffsets;
    if (begin < cursor) throw new SafetensorsError(source, `tensor "${entry.name}" overlaps tensor "${previous}" (bytes ${begin}..${cursor})`);
    if (begin > cursor) throw new SafetensorsError(source, `${begin - cursor} unreferenced bytes before tensor "${entry.name}" at offset ${cursor}`);
    cursor = end;
    previous = entry.name;
  }
  if (cursor !== dataBytes) {
    throw new SafetensorsError(source, `the data section is ${dataBytes} bytes but the tensors cover ${cursor} (trailing or missing bytes)`);
  }
  return { entries: new Map(entries.map((e) => [e.name, e])), metadata, dataStart: 8 + headerBytes.length, dataBytes };
}
