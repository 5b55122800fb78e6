// The errors @attn/model throws for input a user can fix, so front ends map them
// to "exit 2, one line" by class instead of by message text.

/** A checkpoint file or directory that cannot be used; the message names the file and what was expected. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** A model configuration (config.json, or a GPT / Transformer config object) that cannot be built. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
