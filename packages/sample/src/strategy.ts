// The one idea of this package: a sampling strategy is either a logits
// processor (reshapes the next-token distribution) or a chooser (turns the
// final logits into one token id). A sampler is a pipeline of processors
// followed by exactly one chooser.
//
// Logits are plain Float32Arrays of length vocabSize, in natural-log units
// (softmax(logits) is the distribution). A processor removes a token by
// setting its logit to -Infinity.

/** Reshapes logits; never mutates its input, returns a new array of the same length. */
export interface LogitsProcessor {
  readonly kind: 'processor';
  /** Short name used in error messages and descriptions, e.g. "top-k(40)". */
  readonly name: string;
  /**
   * @param logits next-token logits, length vocabSize (do not mutate)
   * @param tokensSoFar every token in the context so far (prompt + generated)
   */
  process(logits: Float32Array, tokensSoFar: readonly number[]): Float32Array;
}

/** Picks the next token id from (processed) logits. */
export interface TokenChooser {
  readonly kind: 'chooser';
  /** Short name used in error messages and descriptions, e.g. "multinomial(seed=1)". */
  readonly name: string;
  choose(logits: Float32Array): number;
}

/** Anything that can take part in a sampling pipeline. */
export type SamplingStrategy = LogitsProcessor | TokenChooser;

/** Wraps a plain `(logits, tokensSoFar) => logits` function as a named processor. */
export function defineProcessor(
  name: string,
  process: (logits: Float32Array, tokensSoFar: readonly number[]) => Float32Array,
): LogitsProcessor {
  if (typeof process !== 'function') throw new TypeError(`defineProcessor(${name}): expected a function`);
  return { kind: 'processor', name, process };
}

/** Wraps a plain `(logits) => tokenId` function as a named chooser. */
export function defineChooser(name: string, choose: (logits: Float32Array) => number): TokenChooser {
  if (typeof choose !== 'function') throw new TypeError(`defineChooser(${name}): expected a function`);
  return { kind: 'chooser', name, choose };
}

/** True when `value` looks like a SamplingStrategy (used to validate plugins). */
export function isSamplingStrategy(value: unknown): value is SamplingStrategy {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as { kind?: unknown; name?: unknown; process?: unknown; choose?: unknown };
  if (typeof s.name !== 'string') return false;
  if (s.kind === 'processor') return typeof s.process === 'function';
  if (s.kind === 'chooser') return typeof s.choose === 'function';
  return false;
}
