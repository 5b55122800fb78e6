// Node.js: safetensors files read through a file descriptor with positioned reads
// (pread), one chunk of at most chunkBytes at a time, so files of any size load
// (a single read of 2 GiB or more makes Node abort the process) and nothing the
// size of the file is allocated.
//
// node:fs is imported lazily so browser bundles of @attn/model, which never call
// these, do not need it.
import { type ByteSource, checkChunkBytes } from './byte-source.js';
import { SafetensorsError } from './error.js';
import { openShardedSource, parseShardIndex } from './sharded.js';
import { openSafetensorsSource, type SafetensorsSource } from './source.js';
import { missingWeightsMessage, SAFETENSORS_WEIGHTS_NAME, SHARDED_INDEX_NAME } from './weights-files.js';

/** Default largest read: 64 MiB (F32 tensors are read straight into their storage, so this bounds syscall size, not memory). */
export const DEFAULT_FILE_CHUNK_BYTES = 64 * 2 ** 20;

export interface OpenSafetensorsOptions {
  /** Largest single read in bytes (default 64 MiB; at most 1 GiB). F16/BF16 tensors are converted through a buffer this size. */
  chunkBytes?: number;
}

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** Opens `path` for positioned reads; refuses directories and other non-files by name. */
export async function openFileByteSource(path: string, options: OpenSafetensorsOptions = {}): Promise<ByteSource> {
  const chunkBytes = checkChunkBytes(options.chunkBytes ?? DEFAULT_FILE_CHUNK_BYTES, path);
  const fs = await import('node:fs/promises');
  let handle: Awaited<ReturnType<typeof fs.open>>;
  try {
    handle = await fs.open(path, 'r');
  } catch (err) {
    throw new SafetensorsError(path, `cannot open file (${errnoOf(err)})`);
  }
  let size: number;
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new SafetensorsError(path, 'is a directory, expected a .safetensors file');
    if (!stat.isFile()) throw new SafetensorsError(path, 'is not a regular file');
    size = stat.size;
  } catch (err) {
    await handle.close().catch(() => {});
    if (err instanceof SafetensorsError) throw err;
    throw new SafetensorsError(path, `cannot stat file (${errnoOf(err)})`);
  }
  let closed = false;
  return {
    name: path,
    size,
    chunkBytes,
    async read(position, into) {
      if (closed) throw new SafetensorsError(path, 'read after close()');
      if (position < 0 || position + into.length > size) {
        throw new SafetensorsError(path, `read of bytes [${position}, ${position + into.length}) is outside the ${size}-byte file`);
      }
      // pread may return fewer bytes than asked; keep reading until the range is filled.
      let done = 0;
      while (done < into.length) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(into, done, into.length - done, position + done));
        } catch (err) {
          throw new SafetensorsError(path, `cannot read bytes at ${position + done} (${errnoOf(err)})`);
        }
        if (bytesRead === 0) throw new SafetensorsError(path, `unexpected end of file at byte ${position + done} (was the file truncated after it was opened?)`);
        done += bytesRead;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/** Opens one .safetensors file: the header is read and validated now, tensors when asked for. */
export async function openSafetensors(path: string, options: OpenSafetensorsOptions = {}): Promise<SafetensorsSource> {
  return openSafetensorsSource(await openFileByteSource(path, options));
}

/** Opens a sharded checkpoint from its model.safetensors.index.json; shards are looked up beside the index. */
export async function openShardedSafetensors(indexPath: string, options: OpenSafetensorsOptions = {}): Promise<SafetensorsSource> {
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  let text: string;
  try {
    text = await fs.readFile(indexPath, 'utf8');
  } catch (err) {
    const code = errnoOf(err);
    throw new SafetensorsError(indexPath, code === 'EISDIR' ? 'is a directory, expected a JSON index file' : `cannot read file (${code})`);
  }
  const index = parseShardIndex(text, indexPath);
  const dir = nodePath.dirname(indexPath);
  return openShardedSource(index, indexPath, async (file) => {
    const shardPath = nodePath.join(dir, file);
    try {
      return await openSafetensors(shardPath, options);
    } catch (err) {
      if (err instanceof SafetensorsError && /cannot open file/.test(err.message)) {
        throw new SafetensorsError(shardPath, `${err.message.slice(err.message.lastIndexOf(': ') + 2)}; the shard is listed in ${indexPath}`);
      }
      throw err;
    }
  });
}

/**
 * Opens a model's weights as transformers' from_pretrained finds them: given a directory,
 * `model.safetensors` if present, else the sharded `model.safetensors.index.json`; given a
 * file, that file (an index if its name ends in .index.json). A directory with only
 * `pytorch_model.bin` gets an error saying to convert it to safetensors.
 */
export async function openSafetensorsWeights(path: string, options: OpenSafetensorsOptions = {}): Promise<SafetensorsSource> {
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  let isDirectory: boolean;
  try {
    isDirectory = (await fs.stat(path)).isDirectory();
  } catch (err) {
    throw new SafetensorsError(path, `cannot open (${errnoOf(err)})`);
  }
  if (!isDirectory) return path.endsWith('.index.json') ? openShardedSafetensors(path, options) : openSafetensors(path, options);
  const present = new Set(await fs.readdir(path));
  if (present.has(SAFETENSORS_WEIGHTS_NAME)) return openSafetensors(nodePath.join(path, SAFETENSORS_WEIGHTS_NAME), options);
  if (present.has(SHARDED_INDEX_NAME)) return openShardedSafetensors(nodePath.join(path, SHARDED_INDEX_NAME), options);
  throw new SafetensorsError(path, missingWeightsMessage(present));
}
