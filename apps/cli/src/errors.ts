// Errors the user can fix (bad flags, missing files, wrong checkpoints). main.ts prints
// their message as one line on stderr and exits with code 2, never a stack trace.

/** A problem with the command line or its inputs; exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Throws a UsageError with this message. */
export function fail(message: string): never {
  throw new UsageError(message);
}

/** Parses an integer flag value, or fails naming the flag and what it expects. */
export function intFlag(flag: string, value: string | number, min = 1): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min) fail(`${flag}: expected an integer >= ${min}, got '${value}'`);
  return n;
}

/** Parses a number flag value within [min, max], or fails naming the flag. */
export function numberFlag(flag: string, value: string | number, min: number, max: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < min || n > max) fail(`${flag}: expected a number in [${min}, ${max}], got '${value}'`);
  return n;
}

/** Checks a flag value is one of `choices`. */
export function choiceFlag<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) fail(`${flag}: expected one of ${choices.join(', ')}, got '${value}'`);
  return value as T;
}
