// The one error type of the safetensors readers and writers: a CheckpointError, so
// front ends treat every unreadable weights file as "fix your input".
import { CheckpointError } from '../errors.js';

/** Every failure to read or write safetensors; the message names the source (a path, a shard, "<bytes>"). */
export class SafetensorsError extends CheckpointError {
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`safetensors: ${source}: ${detail}`);
    this.name = 'SafetensorsError';
  }
}
