// Key/value cache for incremental decoding. When a model generates one token
// at a time, the keys and values of earlier positions never change (causal
// attention: the past does not look at the future), so each attention layer
// keeps them and only projects the new tokens. The new queries then attend
// over [cached keys, new keys].
//
// Two ways to keep them:
//   - by default, append() joins the cache and the new positions into new
//     tensors (concat): simple, and a copy of the cache can share tensors
//     with it (a forked decoding state), since nothing is ever overwritten;
//   - with `capacity`, keys and values live in buffers with room to spare,
//     grown by doubling up to the capacity, and append() writes the new
//     positions into them in place (Tensor.assignSlice). Concatenating copies
//     the whole cache on every step, 2 x layers x T x width floats, which for
//     GPT-2 small at a few hundred positions costs as much memory traffic as a
//     good part of the weights. The attention then reads the first `length`
//     rows of the buffers (fusedAttention's kvLength).
import { concat, keep, type Tensor, zeros } from '@attn/tensor';

export interface LayerKVCacheOptions {
  /**
   * Most positions the cache will ever hold (a model's blockSize). Set it to
   * keep keys and values in buffers that are written in place, rather than
   * copied into new tensors on every append; appending past it throws. The
   * buffers belong to the cache: clear() frees them.
   */
  capacity?: number;
}

/** What LayerKVCache.append returns: keys and values whose first `length` positions are the cache. */
export interface KVCacheContents {
  /** (B, nh, T, hs); with a capacity, (B, nh, rows, hs) with rows >= length, of which the first `length` are filled. */
  key: Tensor;
  value: Tensor;
  /** Positions cached. */
  length: number;
}

/** A point to go back to when a decoding step fails half-way (see snapshot()). */
export interface KVCacheSnapshot {
  key: Tensor | null;
  value: Tensor | null;
  length: number;
}

/** The smallest buffer a capacity cache allocates, in positions (then it doubles). */
const MIN_ROWS = 64;

/** The cached keys and values of one attention layer, each (B, nh, T, hs). */
export class LayerKVCache {
  /**
   * (B, nh, T, hs), or null while empty. With a capacity: the buffer, (B, nh,
   * rows, hs) with rows >= length, of which the first `length` positions hold
   * the cache (the others are stale or zero).
   */
  key: Tensor | null = null;
  /** Like key. */
  value: Tensor | null = null;
  /** Most positions a capacity cache holds; null for a concatenating cache. */
  readonly capacity: number | null;
  /** Positions filled in the buffers of a capacity cache. */
  private filled = 0;

  constructor(options: LayerKVCacheOptions = {}) {
    const { capacity } = options;
    if (capacity !== undefined && (!Number.isInteger(capacity) || capacity < 1)) {
      throw new Error(`LayerKVCache: capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity ?? null;
  }

  /** Number of cached positions T. */
  get length(): number {
    if (this.capacity !== null) return this.filled;
    return this.key ? this.key.shape[2] : 0;
  }

  /**
   * Appends the keys and values of new positions (B, nh, Tnew, hs) and returns
   * the whole cache: its first `length` = T + Tnew positions. Stored tensors
   * are detached (or copied into the buffers): the cache is for inference and
   * must not keep old graphs alive.
   */
  append(key: Tensor, value: Tensor): KVCacheContents {
    if (key.ndim !== 4 || value.ndim !== 4) {
      throw new Error(`LayerKVCache.append: expected (B, nh, T, hs) keys and values, got [${key.shape}] and [${value.shape}]`);
    }
    if (this.key && this.value) {
      const [B, nh, , hs] = this.key.shape;
      if (key.shape[0] !== B || key.shape[1] !== nh || key.shape[3] !== hs) {
        throw new Error(`LayerKVCache.append: new keys [${key.shape}] do not match cached [${this.key.shape}]`);
      }
    }
    if (this.capacity !== null) return this.appendInPlace(key, value, this.capacity);
    if (this.key && this.value) {
      key = concat([this.key, key], 2); // (B, nh, T + Tnew, hs)
      value = concat([this.value, value], 2); // (B, nh, T + Tnew, hs)
    }
    this.key = key.detach();
    this.value = value.detach();
    return { key: this.key, value: this.value, length: this.key.shape[2] };
  }

  /** The capacity path of append(): writes into the buffers, growing them first if needed. */
  private appendInPlace(key: Tensor, value: Tensor, capacity: number): KVCacheContents {
    const n = key.shape[2];
    const length = this.filled + n;
    if (length > capacity) {
      throw new Error(`LayerKVCache.append: ${length} positions exceed the cache's capacity of ${capacity}`);
    }
    const rows = this.key ? this.key.shape[2] : 0;
    if (length > rows) this.grow(key, value, Math.min(capacity, Math.max(MIN_ROWS, 2 * rows, length)));
    this.key!.assignSlice(2, this.filled, key);
    this.value!.assignSlice(2, this.filled, value);
    this.filled = length;
    return { key: this.key!, value: this.value!, length };
  }

  /** New buffers of `rows` positions holding the cache so far; the old ones are freed. */
  private grow(key: Tensor, value: Tensor, rows: number): void {
    const [B, nh, , hs] = key.shape;
    // keep(): the buffers outlive the tidy() a decoding step runs in
    const k = keep(zeros([B, nh, rows, hs], { dtype: key.dtype }));
    const v = keep(zeros([B, nh, rows, value.shape[3]], { dtype: value.dtype }));
    if (this.key && this.value && this.filled > 0) {
      k.assignSlice(2, 0, this.key.slice(2, 0, this.filled));
      v.assignSlice(2, 0, this.value.slice(2, 0, this.filled));
    }
    this.key?.dispose();
    this.value?.dispose();
    this.key = k;
    this.value = v;
  }

  /** Where the cache stands now, for restore() (a decoding step that fails half-way leaves the cache as it was). */
  snapshot(): KVCacheSnapshot {
    return { key: this.key, value: this.value, length: this.length };
  }

  /** Goes back to a snapshot taken of this cache: forgets what was appended since. */
  restore(snapshot: KVCacheSnapshot): void {
    if (this.capacity !== null) {
      // the buffers may have grown since, keeping the first positions: only the length goes back
      this.filled = snapshot.length;
      return;
    }
    this.key = snapshot.key;
    this.value = snapshot.value;
  }

  /** Forgets everything (start a new sequence); a capacity cache frees its buffers. */
  clear(): void {
    if (this.capacity !== null) {
      this.key?.dispose();
      this.value?.dispose();
      this.filled = 0;
    }
    this.key = null;
    this.value = null;
  }
}

/** One LayerKVCache per attention layer of a model, created on first use. */
export class KVCache {
  private readonly layers: LayerKVCache[] = [];

  /** options.capacity: see LayerKVCacheOptions; every layer's cache gets it. */
  constructor(private readonly options: LayerKVCacheOptions = {}) {
    // checked now rather than at the first layer
    if (options.capacity !== undefined) new LayerKVCache(options);
  }

  /** The cache of layer `index`. */
  layer(index: number): LayerKVCache {
    if (!Number.isInteger(index) || index < 0) throw new Error(`KVCache.layer: index must be a non-negative integer, got ${index}`);
    while (this.layers.length <= index) this.layers.push(new LayerKVCache(this.options));
    return this.layers[index];
  }

  /** Positions cached so far (those of layer 0). */
  get length(): number {
    return this.layers.length > 0 ? this.layers[0].length : 0;
  }

  /** Forgets everything; caches with a capacity free their buffers. */
  clear(): void {
    for (const layer of this.layers) layer.clear();
  }
}
