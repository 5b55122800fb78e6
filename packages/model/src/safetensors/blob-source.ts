// Browsers (and Node's Blob / fs.openAsBlob): safetensors from Blob or File objects,
// for example the files of a directory the user picked. Each read slices the blob and
// materialises only that slice (16 MiB by default), so GPT-2 small (~500 MB) loads into
// its final Float32Arrays without a second copy of the file in memory.
import { blobByteSource, DEFAULT_BLOB_CHUNK_BYTES } from './byte-source.js';
import { SafetensorsError } from './error.js';
import { openShardedSource, parseShardIndex } from './sharded.js';
import { openSafetensorsSource, type SafetensorsSource } from './source.js';
import { missingWeightsMessage, SAFETENSORS_WEIGHTS_NAME, SHARDED_INDEX_NAME } from './weights-files.js';

export interface OpenBlobOptions {
  /** Name for error messages (default: the File's name, or "<blob>"). */
  name?: string;
  /** Largest slice materialised at once, in bytes (default 16 MiB; at most 1 GiB). */
  chunkBytes?: number;
}

/** Opens one safetensors Blob/File: the header is read and validated now, tensors when asked for. */
export function openSafetensorsBlob(blob: Blob, options: OpenBlobOptions = {}): Promise<SafetensorsSource> {
  const name = options.name ?? (blob as { name?: string }).name ?? '<blob>';
  return openSafetensorsSource(blobByteSource(blob, name, options.chunkBytes ?? DEFAULT_BLOB_CHUNK_BYTES));
}

/**
 * Opens a sharded checkpoint from its index (text or Blob) and its shards, looked up by
 * file name in `files` (for a picked directory: name -> File).
 */
export async function openShardedSafetensorsBlobs(
  index: Blob | string,
  files: ReadonlyMap<string, Blob>,
  options: OpenBlobOptions = {},
): Promise<SafetensorsSource> {
  const indexName = options.name ?? SHARDED_INDEX_NAME;
  const text = typeof index === 'string' ? index : await index.text();
  const parsed = parseShardIndex(text, indexName);
  return openShardedSource(parsed, indexName, async (file) => {
    const blob = files.get(file);
    if (!blob) throw new SafetensorsError(file, `missing: the shard is listed in ${indexName} but was not among the files given`);
    return openSafetensorsBlob(blob, { name: file, chunkBytes: options.chunkBytes });
  });
}

/**
 * The browser counterpart of openSafetensorsWeights(dir): `files` maps file names to
 * Blobs (a picked directory); uses model.safetensors if present, else the sharded index.
 */
export function openSafetensorsWeightsFromBlobs(files: ReadonlyMap<string, Blob>, options: Omit<OpenBlobOptions, 'name'> = {}): Promise<SafetensorsSource> {
  const single = files.get(SAFETENSORS_WEIGHTS_NAME);
  if (single) return openSafetensorsBlob(single, { name: SAFETENSORS_WEIGHTS_NAME, chunkBytes: options.chunkBytes });
  const index = files.get(SHARDED_INDEX_NAME);
  if (index) return openShardedSafetensorsBlobs(index, files, { chunkBytes: options.chunkBytes });
  return Promise.reject(new SafetensorsError('<picked files>', missingWeightsMessage(new Set(files.keys()))));
}
