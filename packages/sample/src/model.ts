// The contract between a language model and `generate`. @attn/model
// implements it; anything else with the same shape works too (a bigram table in
// the tests, a remote model, ...). It is structural: no import of @attn/model.

/** A decoder-only language model that can decode incrementally with a KV cache. */
export interface IncrementalLM {
  /** Max tokens the model attends over (the context window). */
  readonly blockSize: number;
  /** Number of distinct token ids; logits have this length. */
  readonly vocabSize: number;
  /** Start a fresh decoding state (an empty KV cache). */
  startDecoding(): DecodingState;
}

/** One decoding session: the tokens fed so far live in its cache. */
export interface DecodingState {
  /** Feed tokens (appended to the cache) and return the logits for the next token after the last one fed. */
  feed(ids: readonly number[]): Float32Array;
  /**
   * Optional: feed with the logits read asynchronously. `generate` (the async one) uses it when
   * present, so models on backends that cannot read synchronously (WebGPU) can generate.
   */
  feedAsync?(ids: readonly number[]): Promise<Float32Array>;
  /** Number of tokens in the cache. */
  readonly length: number;
  /** Optional: frees the cache's memory now; generate calls it when it is done with a state. */
  dispose?(): void;
}
