// Sharded checkpoints, as transformers' save_pretrained writes large models:
//
//   model.safetensors.index.json   {"metadata": {"total_size": ...}, "weight_map": {tensor name: shard file}}
//   model-00001-of-00003.safetensors, model-00002-of-00003.safetensors, ...
//
// presented as one SafetensorsSource. Every shard's header is read and validated on
// open, and the index must agree with the shards exactly: each listed tensor is in the
// shard the index names, each shard's tensors are all listed (and listed there).
// Shard names are plain file names in the index's directory (no paths), so an index
// cannot point outside it.
import { SafetensorsError } from './error.js';
import { readFloat32Via, type SafetensorsSource, type SafetensorsTensorInfo, tensorInfo } from './source.js';

/** A parsed index: tensor name -> shard file name, and the shard files in first-use order. */
export interface ShardIndex {
  readonly weightMap: ReadonlyMap<string, string>;
  readonly shards: readonly string[];
  /** The index's own "metadata" object (total_size, ...), as JSON values. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Parses and checks the text of a model.safetensors.index.json; `source` names it in errors. */
export function parseShardIndex(text: string, source: string): ShardIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(source, `not valid JSON (${(err as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SafetensorsError(source, 'expected a JSON object with a "weight_map" of tensor name -> shard file');
  }
  const { weight_map: map, metadata = {} } = json as Record<string, unknown>;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    throw new SafetensorsError(source, '"weight_map" is missing or not an object of tensor name -> shard file');
  }
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new SafetensorsError(source, '"metadata" must be an object');
  }
  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  for (const [name, file] of Object.entries(map as Record<string, unknown>)) {
    if (typeof file !== 'string' || file === '' || file === '.' || file === '..' || /[/\\]/.test(file)) {
      throw new SafetensorsError(source, `weight_map["${name}"] must be a shard's file name in the same directory, got ${JSON.stringify(file)}`);
    }
    weightMap.set(name, file);
    if (!shards.includes(file)) shards.push(file);
  }
  if (weightMap.size === 0) throw new SafetensorsError(source, '"weight_map" lists no tensors');
  return { weightMap, shards, metadata: metadata as Record<string, unknown> };
}

/** Several shard sources behind one interface. */
class ShardedSafetensorsSource implements SafetensorsSource {
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
  private readonly owner: ReadonlyMap<string, SafetensorsSource>;

  constructor(
    readonly source: string,
    private readonly shards: readonly SafetensorsSource[],
  ) {
    const tensors = new Map<string, SafetensorsTensorInfo>();
    const owner = new Map<string, SafetensorsSource>();
    const metadata: Record<string, string> = {};
    for (const shard of shards) {
      for (const [name, info] of shard.tensors) {
        tensors.set(name, info);
        owner.set(name, shard);
      }
      for (const [k, v] of Object.entries(shard.metadata)) if (!(k in metadata)) metadata[k] = v;
    }
    this.tensors = tensors;
    this.owner = owner;
    this.metadata = metadata;
  }

  private shardOf(name: string): SafetensorsSource {
    tensorInfo(this.source, this.tensors, name);
    return this.owner.get(name)!;
  }

  readInto(name: string, out: Float32Array): Promise<void> {
    return this.shardOf(name).readInto(name, out);
  }

  readRange(name: string, start: number, out: Float32Array): Promise<void> {
    return this.shardOf(name).readRange(name, start, out);
  }

  readFloat32(name: string): Promise<Float32Array> {
    return readFloat32Via(this, name);
  }

  readBytes(name: string, out: Uint8Array): Promise<void> {
    return this.shardOf(name).readBytes(name, out);
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.close()));
  }
}

/**
 * Opens every shard the index names (with `openShard(file name)`, in index order), checks
 * index and shards against each other, and returns them as one source. On any error the
 * shards opened so far are closed.
 */
export async function openShardedSource(
  index: ShardIndex,
  source: string,
  openShard: (file: string) => Promise<SafetensorsSource>,
): Promise<SafetensorsSource> {
  const opened: SafetensorsSource[] = [];
  try {
    for (const file of index.shards) opened.push(await openShard(file));
    for (let i = 0; i < opened.length; i++) {
      const file = index.shards[i];
      for (const name of opened[i].tensors.keys()) {
        const listed = index.weightMap.get(name);
        if (listed === undefined) throw new SafetensorsError(opened[i].source, `tensor "${name}" is not listed in ${source}`);
        if (listed !== file) throw new SafetensorsError(source, `tensor "${name}" is mapped to ${listed} but stored in ${file}`);
      }
    }
    for (const [name, file] of index.weightMap) {
      const shard = opened[index.shards.indexOf(file)];
      if (!shard.tensors.has(name)) throw new SafetensorsError(source, `tensor "${name}" is mapped to ${file}, which does not contain it`);
    }
    return new ShardedSafetensorsSource(source, opened);
  } catch (err) {
    await Promise.all(opened.map((s) => s.close().catch(() => {})));
    throw err;
  }
}
