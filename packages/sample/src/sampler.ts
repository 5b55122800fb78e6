// A sampler runs the processors in order, then the chooser:
//   sampler([repetitionPenalty(1.1), temperature(0.8), topK(40), topP(0.9)], multinomial({ seed: 1 }))
// Order matters: top-p measures mass after temperature has reshaped the
// distribution, exactly as written.
import { greedy } from './greedy.js';
import type { LogitsProcessor, SamplingStrategy, TokenChooser } from './strategy.js';
import { checkLogits, describe } from './validate.js';

export interface Sampler {
  readonly processors: readonly LogitsProcessor[];
  readonly chooser: TokenChooser;
  /** The processed logits the chooser would see (useful to inspect or plot). */
  process(logits: Float32Array, tokensSoFar?: readonly number[]): Float32Array;
  /** One token id for these next-token logits. */
  sample(logits: Float32Array, tokensSoFar?: readonly number[]): number;
  /** e.g. "temperature(0.8) -> top-k(40) -> multinomial(seed=1)". */
  describe(): string;
}

/** Builds a pipeline; the chooser defaults to greedy. */
export function sampler(processors: readonly SamplingStrategy[] = [], chooser: SamplingStrategy = greedy()): Sampler {
  if (!Array.isArray(processors)) throw new TypeError(`sampler: processors must be an array, got ${describe(processors)}`);
  processors.forEach((p, i) => {
    if (p?.kind === 'chooser') {
      throw new TypeError(`sampler: processors[${i}] is '${p.name}', a chooser; pass it as the second argument`);
    }
    if (p?.kind !== 'processor' || typeof p.process !== 'function') {
      throw new TypeError(`sampler: processors[${i}] is not a logits processor (got ${describe(p)})`);
    }
  });
  if (chooser?.kind !== 'chooser' || typeof chooser.choose !== 'function') {
    throw new TypeError(`sampler: the second argument must be a chooser such as greedy() or multinomial(), got ${chooser?.name ?? describe(chooser)}`);
  }
  const procs = processors as readonly LogitsProcessor[];
  const pick = chooser;

  const process = (logits: Float32Array, tokensSoFar: readonly number[] = []) => {
    let current = checkLogits('sampler', logits);
    for (const p of procs) {
      const next = p.process(current, tokensSoFar);
      if (!(next instanceof Float32Array) || next.length !== current.length) {
        throw new TypeError(`sampler: processor '${p.name}' must return a Float32Array of length ${current.length}`);
      }
      current = checkLogits(`sampler (after '${p.name}')`, next);
    }
    return current;
  };

  return {
    processors: procs,
    chooser: pick,
    process,
    sample(logits, tokensSoFar = []) {
      const processed = process(logits, tokensSoFar);
      const id = pick.choose(processed);
      if (!Number.isInteger(id) || id < 0 || id >= processed.length) {
        throw new RangeError(`sampler: chooser '${pick.name}' returned ${id}, expected a token id in [0, ${processed.length})`);
      }
      return id;
    },
    describe: () => [...procs, pick].map((s) => s.name).join(' -> '),
  };
}
