// Node.js helpers: load a safetensors file validating the header before reading
// the data, and save one atomically (temporary file in the same directory,
// fsync, rename), so a crash mid-write never leaves a half-written checkpoint.
//
// node:fs is imported lazily so that browser bundles of @attn/model, which never
// call these, do not need it.
import {
  parseHeader,
  readHeaderLength,
  type SafetensorsFile,
  type SafetensorsInput,
  type SafetensorsTensor,
  SafetensorsError,
  serializeSafetensors,
  decodeTensor,
} from './format.js';

/**
 * Reads a safetensors file. The length prefix and header are read and checked against
 * the file size first; the tensor data is read only when the whole header is valid.
 */
export async function loadSafetensorsFile(path: string): Promise<SafetensorsFile> {
  const fs = await import('node:fs/promises');
  let handle: Awaited<ReturnType<typeof fs.open>>;
  try {
    handle = await fs.open(path, 'r');
  } catch (err) {
    throw new SafetensorsError(path, `cannot open file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const { size } = await handle.stat();
    const prefix = new Uint8Array(8);
    await handle.read(prefix, 0, Math.min(8, size), 0);
    const n = readHeaderLength(prefix, size, path);
    const headerBytes = new Uint8Array(n);
    await handle.read(headerBytes, 0, n, 8);
    const header = parseHeader(headerBytes, size - 8 - n, path);
    const data = new Uint8Array(size - header.dataStart);
    const { bytesRead } = await handle.read(data, 0, data.length, header.dataStart);
    if (bytesRead !== data.length) throw new SafetensorsError(path, `file shrank while reading (${bytesRead} of ${data.length} data bytes)`);
    const tensors = new Map<string, SafetensorsTensor>();
    for (const [name, entry] of header.entries) {
      const [begin, end] = entry.dataOffsets;
      const count = entry.shape.reduce((a, b) => a * b, 1);
      tensors.set(name, { dtype: entry.dtype, shape: entry.shape, data: decodeTensor(data.subarray(begin, end), entry.dtype, count) });
    }
    return { tensors, metadata: header.metadata };
  } finally {
    await handle.close();
  }
}

/** Writes bytes to `path` atomically: a temporary file beside it, fsync, then rename over the target. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  const dir = nodePath.dirname(path);
  const tmp = nodePath.join(dir, `.${nodePath.basename(path)}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`);
  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    handle = await fs.open(tmp, 'wx');
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, path);
  } catch (err) {
    if (handle) await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    if (err instanceof SafetensorsError) throw err;
    throw new SafetensorsError(path, `cannot write file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  // Make the rename itself durable where the platform allows syncing a directory.
  try {
    const dirHandle = await fs.open(dir, 'r');
    await dirHandle.sync().catch(() => {});
    await dirHandle.close();
  } catch {
    // Not supported on every platform (e.g. Windows); the data itself is already synced.
  }
}

/** Serialises tensors and metadata and writes them to `path` atomically. */
export async function saveSafetensorsFile(
  path: string,
  tensors: Record<string, SafetensorsInput> | Map<string, SafetensorsInput>,
  metadata: Record<string, string> = {},
): Promise<void> {
  // Serialise first: a bad tensor throws before any file is touched.
  const bytes = serializeSafetensors(tensors, metadata);
  await writeFileAtomic(path, bytes);
}
