// Parameter checks with messages that name the strategy and what it expected.
// Strategies validate when they are built, so a bad flag fails before any
// model work starts.

/** Throws unless `value` is a finite number (and within the optional bounds). */
export function requireNumber(
  op: string,
  param: string,
  value: unknown,
  range: { min?: number; max?: number; minExclusive?: boolean; integer?: boolean; expected: string },
): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!range.integer || Number.isInteger(value)) &&
    (range.min === undefined || (range.minExclusive ? value > range.min : value >= range.min)) &&
    (range.max === undefined || value <= range.max);
  if (!ok) throw new RangeError(`${op}: ${param} must be ${range.expected}, got ${describe(value)}`);
  return value as number;
}

/**
 * Throws if `options` has a key that is not in `allowed` (catches typos such
 * as `{ topk: 40 }`). Exported for strategy packages: call it in your factory.
 */
export function checkOptions(op: string, options: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${op}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const expected = allowed.length ? allowed.join(', ') : 'no options';
      throw new RangeError(`${op}: unknown option '${key}' (expected ${expected})`);
    }
  }
  return options as Record<string, unknown>;
}

/** Throws unless `logits` is a non-empty Float32Array without NaN. */
export function checkLogits(op: string, logits: unknown, expectedLength?: number): Float32Array {
  if (!(logits instanceof Float32Array)) throw new TypeError(`${op}: logits must be a Float32Array, got ${describe(logits)}`);
  if (logits.length === 0) throw new RangeError(`${op}: logits are empty`);
  if (expectedLength !== undefined && logits.length !== expectedLength) {
    throw new RangeError(`${op}: expected ${expectedLength} logits (the vocabulary size), got ${logits.length}`);
  }
  for (let i = 0; i < logits.length; i++) {
    if (Number.isNaN(logits[i])) throw new RangeError(`${op}: logit ${i} is NaN`);
  }
  return logits;
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
