// Translation with an encoder-decoder model: beam search (./beam-search.ts) over
// the model's incremental decoding. Each hypothesis keeps its own decoding state
// (self-attention KV cache + the projected source), so a step feeds one token per
// hypothesis instead of re-running the decoder over the whole prefix; a state is
// forked when one prefix grows into several. The model is structural (no import
// of @attn/model): its Transformer fits, as would any model with this shape.
import { beamSearch } from './beam-search.js';
import { checkOptions, requireNumber } from './validate.js';

/** A decoding state that can be copied, so hypotheses sharing a prefix can part ways. */
export interface ForkableDecodingState {
  /** Appends target tokens and returns the logits for the token after the last. */
  feed(ids: readonly number[]): Float32Array;
  /** Target tokens fed so far. */
  readonly length: number;
  /** An independent copy. */
  fork(): ForkableDecodingState;
}

/** An encoder-decoder model that decodes incrementally (@attn/model's Transformer). */
export interface Seq2SeqLM {
  /** The token every target starts with. */
  readonly bosId: number;
  /** The token that ends a target. */
  readonly eosId: number;
  /** Longest target (BOS included). */
  readonly maxLen: number;
  /** Encodes `src` and returns an empty decoding state for it. */
  startDecoding(src: ArrayLike<number>): ForkableDecodingState;
}

export interface TranslateOptions {
  /** Hypotheses kept per step; 1 = greedy search. Default 1. */
  beamWidth?: number;
  /** Most tokens to generate, EOS included. Default (and at most) maxLen - 1. */
  maxTokens?: number;
  /** Scores are sum(log p) / length^lengthPenalty (Wu et al. 2016); 0 ranks by the raw sum. Default 0.6. */
  lengthPenalty?: number;
}

export interface Translation {
  /** The generated target ids, without BOS and EOS. */
  tokens: number[];
  /** Sum of the log-probabilities of the generated tokens (EOS included when produced). */
  logProb: number;
  /** What the hypotheses were ranked by. */
  score: number;
  /** True if the translation ended with EOS, false if maxTokens cut it. */
  finished: boolean;
}

/** log softmax in float64 (the log-probabilities beam search adds up). */
function logSoftmax(logits: Float32Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const x of logits) if (x > max) max = x;
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const logZ = max + Math.log(sum);
  return Float64Array.from(logits, (x) => x - logZ);
}

/** Translates one source sequence: the best hypothesis of a beam search over the model's KV-cached decoding. */
export function translate(model: Seq2SeqLM, src: ArrayLike<number>, options: TranslateOptions = {}): Translation {
  checkOptions('translate', options, ['beamWidth', 'maxTokens', 'lengthPenalty']);
  const limit = model.maxLen - 1;
  const maxTokens = Math.min(requireNumber('translate', 'maxTokens', options.maxTokens ?? limit, { min: 1, integer: true, expected: 'an integer >= 1' }), limit);
  const root = model.startDecoding(src);
  // The state after each live prefix (BOS + tokens), with its next-token log-probabilities.
  let live = new Map<string, { state: ForkableDecodingState; logProbs: Float64Array }>();
  const key = (prefix: readonly number[]) => prefix.join(',');
  const step = (prefixes: readonly (readonly number[])[]) => {
    const next = new Map<string, { state: ForkableDecodingState; logProbs: Float64Array }>();
    const rows = prefixes.map((prefix) => {
      const k = key(prefix);
      let entry = next.get(k) ?? live.get(k);
      if (!entry) {
        const parent = prefix.length > 1 ? live.get(key(prefix.slice(0, -1))) : undefined;
        const state = parent ? parent.state.fork() : root;
        entry = { state, logProbs: logSoftmax(state.feed(parent ? prefix.slice(-1) : prefix)) };
      }
      next.set(k, entry);
      return entry.logProbs;
    });
    live = next; // states of prefixes that fell out of the beam are dropped
    return rows;
  };
  const [best] = beamSearch({
    start: [model.bosId],
    step,
    beamWidth: options.beamWidth ?? 1,
    maxLength: maxTokens,
    eos: model.eosId,
    lengthPenalty: options.lengthPenalty ?? 0.6,
  });
  const tokens = best.finished ? best.tokens.slice(0, -1) : best.tokens;
  return { tokens, logProb: best.logProb, score: best.score, finished: best.finished };
}
