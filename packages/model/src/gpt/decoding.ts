// Incremental decoding with a key/value cache.
//
// Without a cache, generating token n+1 re-runs the model on all n tokens: O(n^2)
// work per token. With it, each layer keeps the keys and values of the tokens it
// has already seen, so feeding one new token costs one row of attention.
import { KVCache, type LayerKVCacheOptions } from '@attn/layers';

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
  /** Appends tokens to the context and returns the logits (length vocabSize) after the last of them (a synchronous read: cpu, wasm, gpu.js). */
  feed(ids: readonly number[]): Float32Array;
  /** feed with the logits read asynchronously: works on every backend, WebGPU included. */
  feedAsync(ids: readonly number[]): Promise<Float32Array>;
  /** Tokens fed so far. */
  readonly length: number;
  /**
   * Optional: frees the cache's memory now (WebAssembly or GPU memory would otherwise wait for the
   * garbage collector). The state is empty afterwards.
   */
  dispose?(): void;
}

/** What the session needs from its model (GPT implements it). */
export interface CachedStepModel {
  /** Runs the new tokens against (and appends them to) the cache; leaves the cache unchanged on error. */
  decodeStep(ids: readonly number[], cache: KVCache): Float32Array;
  /** decodeStep with an asynchronous read of the logits. */
  decodeStepAsync(ids: readonly number[], cache: KVCache): Promise<Float32Array>;
}

export class DecodingSession implements DecodingState {
  /** One LayerKVCache per block, holding keys and values (1, nh, length, hs). */
  private readonly cache: KVCache;

  /** options.capacity: keep each layer's keys and values in buffers written in place (see LayerKVCacheOptions). */
  constructor(
    private readonly model: CachedStepModel,
    options: LayerKVCacheOptions = {},
  ) {
    this.cache = new KVCache(options);
  }

  get length(): number {
    return this.cache.length;
  }

  feed(ids: readonly number[]): Float32Array {
    if (ids.length === 0) throw new Error('DecodingState.feed: needs at least one token');
    return this.model.decodeStep(ids, this.cache);
  }

  feedAsync(ids: readonly number[]): Promise<Float32Array> {
    if (ids.length === 0) return Promise.reject(new Error('DecodingState.feedAsync: needs at least one token'));
    return this.model.decodeStepAsync(ids, this.cache);
  }

  dispose(): void {
    this.cache.clear();
  }
}
