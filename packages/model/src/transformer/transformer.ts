// The encoder-decoder Transformer of "Attention Is All You Need" (Vaswani et al. 2017):
// an encoder stack (self-attention + feed-forward) reads the source; a decoder stack
// (causal self-attention + cross-attention over the encoder output + feed-forward)
// predicts the target one token at a time. Embeddings are scaled by sqrt(dModel) and
// summed with sinusoidal positions; the target embedding doubles as the output layer.
// Built from the @attn/layers blocks (whose feed-forward uses GELU where the paper used ReLU).
//
// Decoding: startDecoding(src) encodes the source once and returns a state that feeds
// target tokens one at a time, keeping each decoder layer's self-attention keys/values
// (a KV cache) and the projected encoder output its cross-attention reads. fork()
// copies a state cheaply (cached tensors are never modified, only replaced), which is
// what beam search needs; @attn/sample's translate() runs the search over it.
import { crossEntropy, noGrad, Rng, rand, type Tensor } from '@attn/tensor';
import {
  Dropout,
  Embedding,
  keyPaddingMask,
  LayerKVCache,
  LayerNorm,
  Module,
  SinusoidalPositionalEncoding,
  TransformerDecoderBlock,
  TransformerEncoderBlock,
} from '@attn/layers';
import { type TransformerConfig, validateTransformerConfig } from './config.js';

export interface TransformerAttention {
  /** One (B, nHead, S, S) tensor per encoder layer. */
  encoderSelf: Tensor[];
  /** One (B, nHead, T, T) tensor per decoder layer (causal). */
  decoderSelf: Tensor[];
  /** One (B, nHead, T, S) tensor per decoder layer: how much each target position reads each source position. */
  cross: Tensor[];
}

export interface TransformerForwardOptions {
  /** Number of sequence pairs; src holds batch * S ids and tgt batch * T ids. Default 1. */
  batch?: number;
  /** Next-token targets for tgt (same length; -100 ignored). When given, `loss` is returned. */
  targets?: ArrayLike<number>;
  /** Also return every attention map. */
  returnAttention?: boolean;
}

export interface TransformerOutput {
  /** (B, T, tgtVocabSize) scores for the token after each target position. */
  logits: Tensor;
  loss?: Tensor;
  attention?: TransformerAttention;
}

/** Decoding one source: feed target tokens, get the next-token logits; fork() to branch (beam search). */
export interface Seq2SeqDecodingState {
  /** Appends target tokens (the first feed starts with BOS) and returns the logits (length tgtVocabSize) after the last. */
  feed(ids: readonly number[]): Float32Array;
  /** Target tokens fed so far. */
  readonly length: number;
  /** An independent copy of this state: feeding one does not change the other. */
  fork(): Seq2SeqDecodingState;
}

/** One decoder layer's caches: self-attention keys/values, and the projected source for cross-attention. */
interface LayerCaches {
  self: LayerKVCache;
  cross: LayerKVCache;
}

/** A numbered stack of blocks ("layers.0", "layers.1", ...) with, for pre-norm, a final LayerNorm ("norm"). */
class Stack<B extends Module> extends Module {
  readonly blocks: B[] = [];
  readonly norm: LayerNorm | null;

  constructor(blocks: B[], dModel: number, finalNorm: boolean) {
    super();
    const list = this.registerModule('layers', new BlockList(blocks));
    this.blocks = list.blocks;
    // Pre-norm stacks end with a LayerNorm, since their residual stream is never normalised otherwise.
    this.norm = finalNorm ? this.registerModule('norm', new LayerNorm({ dim: dModel })) : null;
  }
}

class BlockList<B extends Module> extends Module {
  constructor(readonly blocks: B[]) {
    super();
    for (const [i, b] of blocks.entries()) this.registerModule(String(i), b);
  }
}

export class Transformer extends Module {
  readonly config: TransformerConfig;
  readonly src_embed: Embedding;
  readonly tgt_embed: Embedding;
  readonly encoder: Stack<TransformerEncoderBlock>;
  readonly decoder: Stack<TransformerDecoderBlock>;
  private readonly positions: SinusoidalPositionalEncoding;
  private readonly drop: Dropout;
  /** The generator that initialised the weights and that dropout draws from (checkpoints of a training run save its state). */
  readonly rng: Rng;

  /**
   * options.seed: the generator for initial weights and dropout (default 1337).
   * options.init false: zero weights and no random draws, for a model about to be loaded.
   */
  constructor(config: Partial<TransformerConfig>, options: { seed?: number; init?: boolean } = {}) {
    super();
    this.config = validateTransformerConfig(config);
    const { srcVocabSize, tgtVocabSize, nEncoderLayer, nDecoderLayer, nHead, dModel: d, dFF, norm, dropout } = this.config;
    const rng = new Rng(options.seed ?? 1337);
    this.rng = rng;
    const init = options.init ?? true;
    // Embeddings ~ N(0, 1/d): after the sqrt(d) scale they have unit variance, like the position encodings.
    this.src_embed = this.registerModule('src_embed', new Embedding({ rng, init, numEmbeddings: srcVocabSize, embeddingDim: d, initStd: d ** -0.5 }));
    this.tgt_embed = this.registerModule('tgt_embed', new Embedding({ rng, init, numEmbeddings: tgtVocabSize, embeddingDim: d, initStd: d ** -0.5 }));
    const block = { rng, init, dModel: d, nHead, dFF, norm, dropout, attnDropout: dropout };
    const enc = Array.from({ length: nEncoderLayer }, () => new TransformerEncoderBlock(block));
    const dec = Array.from({ length: nDecoderLayer }, () => new TransformerDecoderBlock(block));
    this.encoder = this.registerModule('encoder', new Stack(enc, d, norm === 'pre'));
    this.decoder = this.registerModule('decoder', new Stack(dec, d, norm === 'pre'));
    this.positions = this.registerModule('positions', new SinusoidalPositionalEncoding({ dim: d }));
    this.drop = this.registerModule('drop', new Dropout({ p: dropout, rng }));
    // Projections: Xavier/Glorot uniform, as PyTorch's nn.Transformer does (the layers' default,
    // GPT-2's N(0, 0.02), is tuned for deep decoder-only stacks and trains this model slowly).
    for (const [name, p] of init ? this.namedParameters() : []) {
      if (p.ndim !== 2 || name.endsWith('_embed.weight')) continue;
      const [nIn, nOut] = p.shape; // [in, out]
      const a = Math.sqrt(6 / (nIn + nOut));
      p.assign(rand([nIn, nOut], { rng, low: -a, high: a }).dataSync());
    }
  }

  /** Target id that starts every decoder input. */
  get bosId(): number {
    return this.config.bosId;
  }

  /** Target id that ends a translation. */
  get eosId(): number {
    return this.config.eosId;
  }

  /** Longest source or target sequence. */
  get maxLen(): number {
    return this.config.maxLen;
  }

  /** Tokens at positions offset..offset+T-1, scaled and with their positions: (B, T, d). */
  private embed(table: Embedding, ids: ArrayLike<number>, B: number, T: number, offset = 0): Tensor {
    const tok = table.forward(ids, [B, T]).mul(Math.sqrt(this.config.dModel)); // (B, T, d)
    return this.drop.forward(this.positions.forward(tok, offset)); // (B, T, d)
  }

  private checkIds(what: string, ids: ArrayLike<number>, vocab: number, B: number): number {
    if (ids.length === 0 || ids.length % B !== 0) throw new Error(`Transformer: ${ids.length} ${what} ids cannot be split into ${B} sequences of equal, non-zero length`);
    const T = ids.length / B;
    if (T > this.config.maxLen) throw new Error(`Transformer: ${what} length ${T} exceeds maxLen ${this.config.maxLen}`);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new Error(`Transformer: ${what} id ${id} at index ${i} is out of range [0, ${vocab})`);
    }
    return T;
  }

  /** (B, 1, 1, S) mask that hides padded source positions, or undefined when there is no padding. */
  private sourceMask(src: ArrayLike<number>, B: number, S: number): Tensor | undefined {
    const pad = this.config.srcPadId;
    if (pad < 0) return undefined;
    const rows = Array.from({ length: B }, (_, b) => Array.from({ length: S }, (_, j) => (src[b * S + j] === pad ? 1 : 0)));
    return rows.some((r) => r.includes(1)) ? keyPaddingMask(rows) : undefined; // (B, 1, 1, S)
  }

  /** Runs the encoder: memory (B, S, d) and its self-attention maps. */
  encode(src: ArrayLike<number>, batch = 1): { memory: Tensor; srcMask: Tensor | undefined; attention: Tensor[] } {
    const S = this.checkIds('source', src, this.config.srcVocabSize, batch);
    const srcMask = this.sourceMask(src, batch, S);
    let x = this.embed(this.src_embed, src, batch, S);
    const attention: Tensor[] = [];
    for (const block of this.encoder.blocks) {
      const { output, weights } = block.forwardWithWeights(x, { mask: srcMask });
      attention.push(weights);
      x = output;
    }
    if (this.encoder.norm) x = this.encoder.norm.forward(x);
    return { memory: x, srcMask, attention };
  }

  /** Runs the decoder over tgt (B*T ids) given the encoder memory: logits (B, T, V). */
  decode(tgt: ArrayLike<number>, memory: Tensor, srcMask: Tensor | undefined, batch = 1): { logits: Tensor; self: Tensor[]; cross: Tensor[] } {
    const T = this.checkIds('target', tgt, this.config.tgtVocabSize, batch);
    const { dModel: d, tgtVocabSize: V } = this.config;
    let x = this.embed(this.tgt_embed, tgt, batch, T);
    const self: Tensor[] = [];
    const cross: Tensor[] = [];
    for (const block of this.decoder.blocks) {
      const out = block.forwardWithWeights(x, { context: memory, contextMask: srcMask }); // causal self-attention built in
      self.push(out.weights);
      cross.push(out.crossWeights);
      x = out.output;
    }
    if (this.decoder.norm) x = this.decoder.norm.forward(x);
    // Output layer tied to the target embedding (the paper shares these weights).
    const logits = x.reshape([batch * T, d]).matmul(this.tgt_embed.weight, { transB: true }); // (B*T, V)
    return { logits: logits.reshape([batch, T, V]), self, cross };
  }

  /** Teacher-forced pass: src (B*S ids), tgt (B*T ids, starting with BOS). */
  forward(src: ArrayLike<number>, tgt: ArrayLike<number>, options: TransformerForwardOptions = {}): TransformerOutput {
    const B = options.batch ?? 1;
    const enc = this.encode(src, B);
    const dec = this.decode(tgt, enc.memory, enc.srcMask, B);
    const out: TransformerOutput = { logits: dec.logits };
    if (options.targets) {
      if (options.targets.length !== tgt.length) throw new Error(`Transformer.forward: ${options.targets.length} targets for ${tgt.length} target ids`);
      out.loss = crossEntropy(dec.logits.reshape([-1, this.config.tgtVocabSize]), options.targets);
    }
    if (options.returnAttention) out.attention = { encoderSelf: enc.attention, decoderSelf: dec.self, cross: dec.cross };
    return out;
  }

  /**
   * Starts incremental decoding of one source sequence: the encoder runs once, then every feed runs
   * only the new target tokens through the decoder against the caches. Dropout is off while decoding.
   */
  startDecoding(src: ArrayLike<number>): Seq2SeqDecodingState {
    const { memory, srcMask } = this.withoutDropout(() => this.encode(src, 1));
    const caches = this.decoder.blocks.map(() => ({ self: new LayerKVCache(), cross: new LayerKVCache() }));
    return this.decodingState(memory.detach(), srcMask, caches);
  }

  private decodingState(memory: Tensor, srcMask: Tensor | undefined, caches: LayerCaches[]): Seq2SeqDecodingState {
    const model = this;
    return {
      get length() {
        return caches[0]?.self.length ?? 0;
      },
      feed(ids) {
        return model.withoutDropout(() => model.decodeStep(ids, memory, srcMask, caches));
      },
      fork() {
        const copy = (c: LayerKVCache) => Object.assign(new LayerKVCache(), { key: c.key, value: c.value });
        return model.decodingState(memory, srcMask, caches.map((c) => ({ self: copy(c.self), cross: copy(c.cross) })));
      },
    };
  }

  /** The new target tokens (positions past..past+T-1) through the decoder with caches; logits after the last. */
  private decodeStep(ids: readonly number[], memory: Tensor, srcMask: Tensor | undefined, caches: LayerCaches[]): Float32Array {
    if (ids.length === 0) throw new Error('Transformer decoding: feed needs at least one token');
    const past = caches[0]?.self.length ?? 0;
    const T = this.checkIds('target', ids, this.config.tgtVocabSize, 1);
    if (past + T > this.config.maxLen) throw new Error(`Transformer decoding: ${past + T} target tokens exceed maxLen ${this.config.maxLen}`);
    const saved = caches.map((c) => ({ key: c.self.key, value: c.self.value }));
    try {
      let x = this.embed(this.tgt_embed, ids, 1, T, past); // (1, T, d)
      this.decoder.blocks.forEach((block, i) => {
        x = block.forward(x, { context: memory, contextMask: srcMask, cache: caches[i].self, crossCache: caches[i].cross });
      });
      if (this.decoder.norm) x = this.decoder.norm.forward(x);
      const last = x.slice(1, T - 1, T).reshape([1, this.config.dModel]); // (1, d)
      return Float32Array.from(last.matmul(this.tgt_embed.weight, { transB: true }).dataSync()); // (V)
    } catch (err) {
      // A failed feed leaves the state as it was.
      caches.forEach((c, i) => {
        Object.assign(c.self, saved[i]);
      });
      throw err;
    }
  }

  /** Runs fn in evaluation mode without gradients, restoring the training mode after. */
  private withoutDropout<T>(fn: () => T): T {
    const wasTraining = this.training;
    this.eval();
    try {
      return noGrad(fn);
    } finally {
      this.train(wasTraining);
    }
  }
}
