// Node.js helpers: load a safetensors file validating the header before reading
// the data, and save one atomically (temporary file in the same directory,
// fsync, rename), so a crash mid-write never leaves a half-written checkpoint.
//
// node:fs is imported lazily so that browser bundles of @attn/model, which never
// call these, do not need it.
import {
  checkInMemoryDtype,
  decodeTensor,
  type SafetensorsDType,
  SafetensorsError,
  type SafetensorsFile,
  type SafetensorsInput,
  type SafetensorsTensor,
  serializeSafetensors,
} from './format.js';
import { openSafetensors } from './node-source.js';

/**
 * Reads a whole safetensors file into memory (F32/F16 as Float32Array, I32 as Int32Array).
 * The header is read and checked against the file size first; tensors are then read one
 * at a time through openSafetensors (chunked positioned reads), so any file size works as
 * long as the tensors fit in memory. For large models prefer openSafetensors + readInto.
 */
export async function loadSafetensorsFile(path: string): Promise<SafetensorsFile> {
  const source = await openSafetensors(path);
  try {
    for (const info of source.tensors.values()) checkInMemoryDtype(path, info.name, info.dtype);
    const tensors = new Map<string, SafetensorsTensor>();
    for (const info of source.tensors.values()) {
      let data: Float32Array | Int32Array;
      if (info.dtype === 'I32') {
        const raw = new Uint8Array(info.byteLength);
        await source.readBytes(info.name, raw);
        data = decodeTensor(raw, 'I32', info.elements);
      } else {
        data = await source.readFloat32(info.name);
      }
      tensors.set(info.name, { dtype: info.dtype as SafetensorsDType, shape: [...info.shape], data });
    }
    return { tensors, metadata: { ...source.metadata } };
  } finally {
    await source.close();
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
