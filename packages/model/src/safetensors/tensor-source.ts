// The small interface checkpoint loaders read weights through: a header (every
// tensor's name, dtype and shape) and readInto(name, out), which fills a float32
// array with one tensor. A loader validates the whole header against the model
// first, then reads tensors one at a time into the model's parameters, so no
// whole-file buffer of decoded weights is ever needed. Implementations: bytes
// already in memory (here, and what the browser has after a download), a set of
// shards behind model.safetensors.index.json (here), and positioned reads from
// files on disk or Blobs (the streaming reader's SafetensorsSource, ./source.ts, is one).
import { BYTES_PER_ELEMENT, decodeFloatsInto, readSafetensorsHeader, SafetensorsError, type SafetensorsDType } from './format.js';

/** One tensor as the header describes it. */
export interface TensorInfo {
  /** 'F32', 'F16', 'BF16' (read as float32) or another safetensors dtype (refused by float loaders). */
  dtype: string;
  shape: readonly number[];
  /** The file that holds it (a shard's name for sharded checkpoints), for error messages. */
  file: string;
}

export interface TensorSource {
  /** What was opened, as errors about the whole set of tensors name it: the file, or a sharded checkpoint's index. */
  readonly source?: string;
  /** Every tensor, by name. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** The header metadata (`__metadata__`) of the (first) file. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Fills `out` (exactly the tensor's element count) with the tensor's values as float32. */
  readInto(name: string, out: Float32Array): void | Promise<void>;
  /**
   * Optional: fills `out` with elements [start, start + out.length) of the tensor (flat), so a
   * loader can copy a large tensor into its parameter through a small buffer. Sources without it
   * are read whole with readInto.
   */
  readRange?(name: string, start: number, out: Float32Array): void | Promise<void>;
}

/** A source over one safetensors file held in memory (`file` names it in errors). */
export function safetensorsBytesSource(bytes: Uint8Array, file: string): TensorSource {
  const header = readSafetensorsHeader(bytes, { source: file });
  const tensors = new Map<string, TensorInfo>();
  for (const [name, entry] of header.entries) tensors.set(name, { dtype: entry.dtype, shape: entry.shape, file });
  const readRange = (name: string, first: number, out: Float32Array) => {
    const entry = header.entries.get(name);
    if (!entry) throw new SafetensorsError(file, `no tensor "${name}"`);
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(first) || first < 0 || first + out.length > count) {
      throw new SafetensorsError(file, `tensor "${name}" has ${count} values; [${first}, ${first + out.length}) is outside it`);
    }
    if (entry.dtype === 'I32') throw new SafetensorsError(file, `tensor "${name}" is I32; weights must be F32, F16 or BF16`);
    const size = BYTES_PER_ELEMENT[entry.dtype as SafetensorsDType];
    const start = header.dataStart + entry.dataOffsets[0] + first * size;
    decodeFloatsInto(bytes.subarray(start, start + out.length * size), entry.dtype, out);
  };
  return {
    source: file,
    tensors,
    metadata: header.metadata,
    readInto(name, out) {
      const count = tensors.get(name)?.shape.reduce((a, b) => a * b, 1);
      if (count !== undefined && out.length !== count) throw new SafetensorsError(file, `tensor "${name}" has ${count} values, the destination holds ${out.length}`);
      readRange(name, 0, out);
    },
    readRange,
  };
}

/**
 * One source over the shards of a checkpoint: `shards` maps each shard's file name to its source.
 * Every tensor the index names must be in its shard, and every shard's tensors must be in the index.
 */
export function shardedTensorSource(weightMap: ReadonlyMap<string, string>, shards: ReadonlyMap<string, TensorSource>, indexFile: string): TensorSource {
  const tensors = new Map<string, TensorInfo>();
  for (const [name, shard] of weightMap) {
    const source = shards.get(shard);
    if (!source) throw new SafetensorsError(indexFile, `tensor "${name}" is in shard ${shard}, which is missing`);
    const info = source.tensors.get(name);
    if (!info) throw new SafetensorsError(shard, `the index says it holds tensor "${name}", but it does not`);
    tensors.set(name, info);
  }
  for (const [shard, source] of shards) {
    for (const name of source.tensors.keys()) {
      if (weightMap.get(name) !== shard) throw new SafetensorsError(shard, `tensor "${name}" is not listed for this shard in ${indexFile}`);
    }
  }
  const first = shards.values().next().value as TensorSource | undefined;
  const shardFor = (name: string): TensorSource => {
    const shard = weightMap.get(name);
    const source = shard === undefined ? undefined : shards.get(shard);
    if (!source) throw new SafetensorsError(indexFile, `no tensor "${name}"`);
    return source;
  };
  return {
    source: indexFile,
    tensors,
    metadata: first?.metadata ?? {},
    readInto: (name, out) => shardFor(name).readInto(name, out),
    readRange: (name, start, out) => {
      const source = shardFor(name);
      if (!source.readRange) throw new SafetensorsError(indexFile, `the shard holding "${name}" cannot read ranges`);
      return source.readRange(name, start, out);
    },
  };
}
