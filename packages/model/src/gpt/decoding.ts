// Incremental decoding with a key/value cache.
//
// Without a cache, generating token n+1 re-runs the model on all n tokens: O(n^2)
// work per token. With it, each layer keeps the keys and values of the tokens it
// has already seen, so feeding one new token costs one row of attention.
import type { Tensor } from '@attn/tensor';

/** A language model that can decode token by token. `generate` in @attn/sample codes against this. */
export interface IncrementalLM {
  /** Longest context the model accepts. */
  readonly blockSize: number;
  /** Size of the logits vector feed() returns. */
  readonly vocabSize: number;
  /** A fresh, empty decoding state. */
  startDecoding(): DecodingState;
}

export interface DecodingState {
  /** Appends tokens to the context and returns the logits (length vocabSize) after the last of them. */
  feed(ids: readonly number[]): Float32Array;
  /** Tokens fed so far. */
  readonly length: number;
}

/** What the session needs from its model (GPT implements it). */
export interface CachedStepModel {
  readonly config: { nLayer: number };
  decodeStep(ids: readonly number[], past: number, cache: { k: Tensor | null; v: Tensor | null }[]): Float32Array;
}

export class DecodingSession implements DecodingState {
  private readonly cache: { k: Tensor | null; v: Tensor | null }[];
  private fed = 0;

  constructor(private readonly model: CachedStepModel) {
    this.cache = Array.from({ length: model.config.nLayer }, () => ({ k: null, v: null }));
  }

  get length(): number {
    return this.fed;
  }

  feed(ids: readonly number[]): Float32Array {
    if (ids.length === 0) throw new Error('DecodingState.feed: needs at least one token');
    const logits = this.model.decodeStep(ids, this.fed, this.cache);
    this.fed += ids.length;
    return logits;
  }
}
