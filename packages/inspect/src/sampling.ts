// What sampling settings do to a next-token distribution: the probabilities after the
// temperature, which tokens top-k and top-p cut off, the renormalised distribution that is
// actually sampled from, and the greedy choice. The processors are @attn/sample's own, in
// the order the CLI applies them (temperature, then top-k, then top-p), so what is shown is
// what generation does.
import { argmax, type LogitsProcessor, softmax, temperature as temperatureProcessor, topK as topKProcessor, topP as topPProcessor } from '@attn/sample';
import { fail } from './errors.js';
import { largest } from './next-token.js';

export interface SamplingSettings {
  /** Divide the logits by this (> 0; 0 = greedy; default 1). */
  temperature?: number;
  /** Keep only the k most likely tokens (default: all). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose mass reaches p, in (0, 1] (default 1). */
  topP?: number;
}

/** One token of the view. */
export interface SampledToken {
  id: number;
  logit: number;
  /** softmax(logits): the model's own distribution (temperature 1). */
  modelProb: number;
  /** After the temperature alone, before anything is cut off. */
  scaledProb: number;
  /** What sampling draws from: after every processor, renormalised; 0 when cut off. */
  prob: number;
  /** The processor that removed this token (e.g. "top-k(5)"), or null when it survives. */
  cutBy: string | null;
  /** Whether this is the greedy choice (the most likely token, whatever the settings). */
  greedy: boolean;
}

export interface SamplingView {
  /** The `show` most likely tokens, most likely first (the temperature does not change the order). */
  tokens: SampledToken[];
  /** The processors applied, by name, in order. */
  processors: string[];
  /** How many tokens of the whole vocabulary survive. */
  kept: number;
  /** Their share of the temperature-scaled distribution (what is renormalised to 1). */
  keptMass: number;
  /** The greedy choice: argmax of the logits (ties: lowest id). */
  greedy: number;
}

/** @attn/sample's processors for these settings, in the CLI's order; settings at their defaults add none. */
export function samplingProcessors(settings: SamplingSettings): LogitsProcessor[] {
  const out: LogitsProcessor[] = [];
  try {
    if (settings.temperature !== undefined && settings.temperature !== 1) out.push(temperatureProcessor(settings.temperature));
    if (settings.topK !== undefined) out.push(topKProcessor(settings.topK));
    if (settings.topP !== undefined && settings.topP !== 1) out.push(topPProcessor(settings.topP));
  } catch (e) {
    fail('samplingView', (e as Error).message);
  }
  return out;
}

/**
 * The distribution under sampling settings (or an explicit list of processors, such as a
 * CLI sampler's). `show` tokens are returned (default 10).
 */
export function samplingView(
  logits: ArrayLike<number>,
  settings: SamplingSettings | { processors: readonly LogitsProcessor[] },
  options: { show?: number; tokensSoFar?: readonly number[] } = {},
): SamplingView {
  const fn = 'samplingView';
  if (logits.length === 0) fail(fn, 'logits are empty');
  for (let i = 0; i < logits.length; i++) if (Number.isNaN(logits[i])) fail(fn, `logit ${i} is NaN`);
  const show = options.show ?? 10;
  if (!Number.isInteger(show) || show < 1) fail(fn, `show must be a positive integer, got ${show}`);
  const processors = 'processors' in settings ? [...settings.processors] : samplingProcessors(settings);
  const raw = Float32Array.from(logits);
  const modelProbs = softmax(raw, fn);

  // Run the pipeline one processor at a time, noting which one removes each token. `shadow`
  // keeps each token's last finite logit, so a token that was cut keeps the score it had
  // just before: softmax(shadow) is the distribution before anything was cut off (for
  // temperature -> top-k -> top-p, that is softmax(logits / t)).
  const cutBy = new Array<string | null>(raw.length).fill(null);
  const shadow = Float32Array.from(raw);
  let current: Float32Array = raw;
  for (const p of processors) {
    const next = p.process(current, options.tokensSoFar ?? []);
    if (!(next instanceof Float32Array) || next.length !== raw.length) fail(fn, `processor '${p.name}' must return ${raw.length} logits`);
    for (let i = 0; i < next.length; i++) {
      if (next[i] === Number.NEGATIVE_INFINITY) {
        if (cutBy[i] === null && current[i] !== Number.NEGATIVE_INFINITY) cutBy[i] = p.name;
      } else shadow[i] = next[i];
    }
    current = next;
  }
  const scaled = softmax(shadow, fn);
  const finalProbs = softmax(current, fn);
  let kept = 0;
  let keptMass = 0;
  for (let i = 0; i < raw.length; i++) {
    if (current[i] !== Number.NEGATIVE_INFINITY) {
      kept++;
      keptMass += scaled[i];
    }
  }
  const greedy = argmax(raw, fn);
  // Temperature never reorders tokens, so the most likely under the model are the ones shown.
  const order = largest(modelProbs, Math.min(show, raw.length));
  return {
    tokens: order.map((id) => ({
      id,
      logit: raw[id],
      modelProb: modelProbs[id],
      scaledProb: scaled[id],
      prob: cutBy[id] === null ? finalProbs[id] : 0,
      cutBy: cutBy[id],
      greedy: id === greedy,
    })),
    processors: processors.map((p) => p.name),
    kept,
    keptMass,
    greedy,
  };
}
