// The one error class @attn/datasets throws for data it cannot use (a missing or
// empty text file, bad UTF-8, an unknown corpus or token, impossible task
// settings), so a front end can tell "fix your input" from a bug by class.

/** Data that cannot be used as given; the message names the file, corpus or option. */
export class DataError extends Error {
  override name = 'DataError';
}
