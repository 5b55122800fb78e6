// The error type of @attn/datasets' synthetic tasks: a bad configuration or request,
// with a message that names the option and what was expected.

export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}
