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
 * Bytes copied per step of a Blob read: a stream reader fills one scratch buffer of this size,
 * which is copied into the destination and handed back to the reader (1 MiB).
 */
export const BLOB_SCRATCH_BYTES = 2 ** 20;

/**
 * A Blob (a File from an <input type="file"> or a directory picker, or Node's fs.openAsBlob):
 * each read slices the blob and materialises only that slice, so a 500 MB file is never
 * held whole in memory.
 *
 * The slice is read with a BYOB ("bring your own buffer") reader of its byte stream, through
 * one scratch buffer the source keeps, so loading a model makes no garbage the size of the
 * weights: `blob.arrayBuffer()` would allocate a fresh ArrayBuffer per read, and a tab that
 * loads GPT-2 small that way held up to a few hundred MB of them until the garbage collector
 * ran. (The destination itself cannot be lent to the reader: a BYOB read detaches the buffer it
 * fills, and a wasm backend's parameters are views of a shared memory.) Where a Blob's stream is
 * not a byte stream the read falls back to `arrayBuffer()`.
 */
export function blobByteSource(blob: Blob, name = (blob as { name?: string }).name ?? '<blob>', chunkBytes = DEFAULT_BLOB_CHUNK_BYTES): ByteSource {
  /** The scratch buffer between reads (null while a read has it, or before the first). */
  let spare: ArrayBuffer | null = null;
  const fail = (position: number, length: number, err: unknown) =>
    new SafetensorsError(name, `cannot read bytes [${position}, ${position + length}) (${(err as Error).message}); was the file changed after it was picked?`);
  const short = (position: number, length: number, got: number) =>
    new SafetensorsError(name, `read ${got} of ${length} bytes at ${position} (the file changed while reading?)`);

  /** The whole slice as one fresh ArrayBuffer (engines whose Blob streams have no BYOB reader). */
  async function readWhole(position: number, into: Uint8Array): Promise<void> {
    let buffer: ArrayBuffer;
    try {
      buffer = await blob.slice(position, position + into.length).arrayBuffer();
    } catch (err) {
      throw fail(position, into.length, err);
    }
    if (buffer.byteLength !== into.length) throw short(position, into.length, buffer.byteLength);
    into.set(new Uint8Array(buffer));
  }

  return {
    name,
    size: blob.size,
    chunkBytes: checkChunkBytes(chunkBytes, name),
    async read(position, into) {
      checkRange(name, blob.size, position, into.length);
      if (into.length === 0) return;
      const slice = blob.slice(position, position + into.length);
      let reader: ReadableStreamBYOBReader;
      try {
        reader = slice.stream().getReader({ mode: 'byob' });
      } catch {
        return readWhole(position, into); // not a byte stream here
      }
      let scratch = spare ?? new ArrayBuffer(Math.min(BLOB_SCRATCH_BYTES, chunkBytes));
      spare = null; // a concurrent read makes its own
      let at = 0;
      try {
        while (at < into.length) {
          const { value, done } = await reader.read(new Uint8Array(scratch, 0, Math.min(scratch.byteLength, into.length - at)));
          if (!value) throw short(position, into.length, at); // the stream was cancelled
          scratch = value.buffer as ArrayBuffer; // the same memory, handed back by the reader
          if (done) break;
          into.set(value, at);
          at += value.byteLength;
        }
      } catch (err) {
        if (err instanceof SafetensorsError) throw err;
        throw fail(position, into.length, err);
      } finally {
        reader.cancel().catch(() => {}); // releases the slice's stream when it ended early (no-op once done)
      }
      spare = scratch;
      if (at !== into.length) throw short(position, into.length, at);
    },
    async close() {
      spare = null;
    },
  };
}
