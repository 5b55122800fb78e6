// One error class for everything a caller can get wrong here (a layer that does not exist,
// a query past the end of the sentence, ids outside the vocabulary), so an app can tell a
// user's mistake from a bug by class: the CLI prints it as one line and exits with code 2.

/** Bad input to an @attn/inspect function; the message names the function and what was expected. */
export class InspectError extends Error {
  override name = 'InspectError';
}

/** Throws an InspectError "fn: message". */
export function fail(fn: string, message: string): never {
  throw new InspectError(`${fn}: ${message}`);
}

/** An integer in [0, count), or an InspectError naming what it indexes. */
export function checkIndex(fn: string, what: string, value: unknown, count: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= count) {
    fail(fn, `${what} must be an integer in 0..${count - 1}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Token ids a model can read: a non-empty list of integers in [0, vocabSize), at most maxLength long. */
export function checkIds(fn: string, ids: unknown, vocabSize: number, maxLength: number, minLength = 1): number[] {
  if (!Array.isArray(ids) && !ArrayBuffer.isView(ids)) fail(fn, `ids must be an array of token ids, got ${typeof ids}`);
  const list = Array.from(ids as ArrayLike<unknown>);
  if (list.length < minLength) fail(fn, `needs at least ${minLength} token${minLength === 1 ? '' : 's'}, got ${list.length}`);
  if (list.length > maxLength) fail(fn, `${list.length} tokens exceed the model's context of ${maxLength}`);
  list.forEach((id, i) => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
      fail(fn, `token id ${JSON.stringify(id)} at position ${i} is outside the vocabulary [0, ${vocabSize})`);
    }
  });
  return list as number[];
}
