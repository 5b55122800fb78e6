// The one error type of the safetensors readers and writers.

/** Every failure to read or write safetensors; the message names the source (a path, a shard, "<bytes>"). */
export class SafetensorsError extends Error {
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`safetensors: ${source}: ${detail}`);
    this.name = 'SafetensorsError';
  }
}
