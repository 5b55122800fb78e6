// Errors a caller may want to tell apart from bugs.

/**
 * A synchronous read (dataSync(), itemSync(), toArray(), or the engine's CPU
 * fallback for a kernel a backend lacks) of a tensor whose backend can only
 * read asynchronously (WebGPU: a buffer is mapped with a Promise). The message
 * names what asked for the read and says what to call instead.
 */
export class SyncReadError extends Error {
  override readonly name = 'SyncReadError';
  constructor(
    message: string,
    /** The backend holding the tensor, e.g. 'webgpu'. */
    readonly backend: string,
  ) {
    super(message);
  }
}
