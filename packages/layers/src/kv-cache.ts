// Key/value cache for incremental decoding. When a model generates one token
// at a time, the keys and values of earlier positions never change (causal
// attention: the past does not look at the future), so each attention layer
// keeps them and only projects the new tokens. The new queries then attend
// over [cached keys, new keys].
import { concat, type Tensor } from '@attn/tensor';

/** The cached keys and values of one attention layer, each (B, nh, T, hs). */
export class LayerKVCache {
  /** (B, nh, T, hs), or null while empty. */
  key: Tensor | null = null;
  /** (B, nh, T, hs), or null while empty. */
  value: Tensor | null = null;

  /** Number of cached positions T. */
  get length(): number {
    return this.key ? this.key.shape[2] : 0;
  }

  /**
   * Appends the keys and values of new positions (B, nh, Tnew, hs) and returns
   * the whole cache (B, nh, T + Tnew, hs). Stored tensors are detached: the
   * cache is for inference and must not keep old graphs alive.
   */
  append(key: Tensor, value: Tensor): { key: Tensor; value: Tensor } {
    if (key.ndim !== 4 || value.ndim !== 4) {
      throw new Error(`LayerKVCache.append: expected (B, nh, T, hs) keys and values, got [${key.shape}] and [${value.shape}]`);
    }
    if (this.key && this.value) {
      const [B, nh, , hs] = this.key.shape;
      if (key.shape[0] !== B || key.shape[1] !== nh || key.shape[3] !== hs) {
        throw new Error(`LayerKVCache.append: new keys [${key.shape}] do not match cached [${this.key.shape}]`);
      }
      key = concat([this.key, key], 2); // (B, nh, T + Tnew, hs)
      value = concat([this.value, value], 2); // (B, nh, T + Tnew, hs)
    }
    this.key = key.detach();
    this.value = value.detach();
    return { key: this.key, value: this.value };
  }

  /** Forgets everything (start a new sequence). */
  clear(): void {
    this.key = null;
    this.value = null;
  }
}

/** One LayerKVCache per attention layer of a model, created on first use. */
export class KVCache {
  private readonly layers: LayerKVCache[] = [];

  /** The cache of layer `index`. */
  layer(index: number): LayerKVCache {
    if (!Number.isInteger(index) || index < 0) throw new Error(`KVCache.layer: index must be a non-negative integer, got ${index}`);
    while (this.layers.length <= index) this.layers.push(new LayerKVCache());
    return this.layers[index];
  }

  /** Positions cached so far (those of layer 0). */
  get length(): number {
    return this.layers.length > 0 ? this.layers[0].length : 0;
  }

  clear(): void {
    for (const layer of this.layers) layer.clear();
  }
}
