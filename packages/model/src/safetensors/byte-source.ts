// Random access to the bytes of one file, without holding the file in memory.
// The streaming reader works on this interface alone, so one reader serves a
// Node file descriptor (./node-source.ts), a browser Blob or File, and bytes
// already in memory (both here: no Node APIs in this file).
import { SafetensorsError } from './error.js';

/** The most one read may ask for. Node refuses reads of 2 GiB or more (the length must fit an int32), so stay well below. */
export const MAX_READ_BYTES = 2 ** 30;

/** Default chunk for a Blob: each read materialises a fresh ArrayBuffer of this size, so keep it modest. */
export const DEFAULT_BLOB_CHUNK_BYTES = 16 * 2 ** 20;

/** Positioned reads from one file. */
export interface ByteSource {
  /** The file's name for error messages (a path, or a picked file's name). */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** The largest read the reader should issue; larger tensors are read in chunks of at most this. */
  readonly chunkBytes: number;
  /** Fills `into` completely with the bytes at [position, position + into.length); rejects with a SafetensorsError if they are not there. */
  read(position: number, into: Uint8Array): Promise<void>;
  /** Releases the file (idempotent). */
  close(): Promise<void>;
}

/** Checks a caller's chunk size: a positive integer up to MAX_READ_BYTES. */
export function checkChunkBytes(chunkBytes: number, name: string): number {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 8 || chunkBytes > MAX_READ_BYTES) {
    throw new SafetensorsError(name, `chunkBytes must be an integer in [8, ${MAX_READ_BYTES}], got ${chunkBytes}`);
  }
  return chunkBytes;
}

function checkRange(name: string, size: number, position: number, length: number): void {
  if (position < 0 || position + length > size) {
    throw new SafetensorsError(name, `read of bytes [${position}, ${position + length}) is outside the ${size}-byte file`);
  }
}

/** Bytes already in memory (tests, or a file fetched whole). */
export function bytesByteSource(bytes: Uint8Array | ArrayBuffer, name = '<bytes>', chunkBytes = MAX_READ_BYTES): ByteSource {
  const all = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    name,
    size: all.length,
    chunkBytes: checkChunkBytes(chunkBytes, name),
    async read(position, into) {
      checkRange(name, all.length, position, into.length);
      into.set(all.subarray(position, position + into.length));
    },
    async close() {},
  };
}

/**
 * A Blob (a File from an <input type="file"> or a directory picker, or Node's fs.openAsBlob):
 * each read slices the blob and materialises only that slice, so a 500 MB file is never
 * held whole in memory.
 */
export function blobByteSource(blob: Blob, name = (blob as { name?: string }).name ?? '<blob>', chunkBytes = DEFAULT_BLOB_CHUNK_BYTES): ByteSource {
  return {
    name,
    size: blob.size,
    chunkBytes: checkChunkBytes(chunkBytes, name),
    async read(position, into) {
      checkRange(name, blob.size, position, into.length);
      let buffer: ArrayBuffer;
      try {
        buffer = await blob.slice(position, position + into.length).arrayBuffer();
      } catch (err) {
        throw new SafetensorsError(name, `cannot read bytes [${position}, ${position + into.length}) (${(err as Error).message}); was the file changed after it was picked?`);
      }
      if (buffer.byteLength !== into.length) {
        throw new SafetensorsError(name, `read ${buffer.byteLength} of ${into.length} bytes at ${position} (the file changed while reading?)`);
      }
      into.set(new Uint8Array(buffer));
    },
    async close() {},
  };
}
