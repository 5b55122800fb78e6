// The encoder-decoder Transformer of "Attention Is All You Need" (Vaswani et al. 2017):
// an encoder stack (self-attention + feed-forward) reads the source; a decoder stack
// (causal self-attention + cross-attention over the encoder output + feed-forward)
// predicts the target one token at a time. Embeddings are scaled by sqrt(dModel) and
// summed with sinusoidal positions; the target embedding doubles as the output layer.
// Built from the @attn/layers blocks (whose feed-forward uses GELU where the paper used ReLU).
import { crossEntropy, noGrad, Rng, rand, type Tensor } from '@attn/tensor';
import {
  Dropout,
  Embedding,
  keyPaddingMask,
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

export interface TranslateOptions {
  /** 1 = greedy decoding; more keeps that many hypotheses (beam search). Default 1. */
  beamWidth?: number;
  /** Most tokens to generate (excluding BOS). Default maxLen - 1. */
  maxTokens?: number;
  /** Beam scores are sum(log p) / length^lengthPenalty (Wu et al. 2016); 0 = raw sum. Default 0.6. */
  lengthPenalty?: number;
}

export interface Translation {
  /** The generated target ids, without BOS and EOS. */
  tokens: number[];
  /** Sum of the log-probabilities of the generated tokens (including EOS when produced). */
  logProb: number;
  /** Attention maps of a forward pass over [BOS, ...tokens] (batch 1). */
  attention: TransformerAttention;
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

  constructor(config: Partial<TransformerConfig>, options: { seed?: number } = {}) {
    super();
    this.config = validateTransformerConfig(config);
    const { srcVocabSize, tgtVocabSize, nEncoderLayer, nDecoderLayer, nHead, dModel: d, dFF, norm, dropout } = this.config;
    const rng = new Rng(options.seed ?? 1337);
    // Embeddings ~ N(0, 1/d): after the sqrt(d) scale they have unit variance, like the position encodings.
    this.src_embed = this.registerModule('src_embed', new Embedding({ rng, numEmbeddings: srcVocabSize, embeddingDim: d, initStd: d ** -0.5 }));
    this.tgt_embed = this.registerModule('tgt_embed', new Embedding({ rng, numEmbeddings: tgtVocabSize, embeddingDim: d, initStd: d ** -0.5 }));
    const block = { rng, dModel: d, nHead, dFF, norm, dropout, attnDropout: dropout };
    const enc = Array.from({ length: nEncoderLayer }, () => new TransformerEncoderBlock(block));
    const dec = Array.from({ length: nDecoderLayer }, () => new TransformerDecoderBlock(block));
    this.encoder = this.registerModule('encoder', new Stack(enc, d, norm === 'pre'));
    this.decoder = this.registerModule('decoder', new Stack(dec, d, norm === 'pre'));
    this.positions = this.registerModule('positions', new SinusoidalPositionalEncoding({ dim: d }));
    this.drop = this.registerModule('drop', new Dropout({ p: dropout, rng }));
    // Projections: Xavier/Glorot uniform, as PyTorch's nn.Transformer does (the layers' default,
    // GPT-2's N(0, 0.02), is tuned for deep decoder-only stacks and trains this model slowly).
    for (const [name, p] of this.namedParameters()) {
      if (p.ndim !== 2 || name.endsWith('_embed.weight')) continue;
      const [nIn, nOut] = p.shape; // [in, out]
      const a = Math.sqrt(6 / (nIn + nOut));
      p.assign(rand([nIn, nOut], { rng, low: -a, high: a }).dataSync());
    }
  }

  private embed(table: Embedding, ids: ArrayLike<number>, B: number, T: number): Tensor {
    const tok = table.forward(ids, [B, T]).mul(Math.sqrt(this.config.dModel)); // (B, T, d)
    return this.drop.forward(this.positions.forward(tok)); // (B, T, d)
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

  /** Translates one source sequence by greedy (beamWidth 1) or beam search decoding. */
  translate(src: ArrayLike<number>, options: TranslateOptions = {}): Translation {
    const beamWidth = options.beamWidth ?? 1;
    if (!Number.isInteger(beamWidth) || beamWidth < 1) throw new Error(`Transformer.translate: beamWidth must be a positive integer, got ${beamWidth}`);
    const maxTokens = Math.min(options.maxTokens ?? this.config.maxLen - 1, this.config.maxLen - 1);
    const alpha = options.lengthPenalty ?? 0.6;
    const { bosId, eosId, tgtVocabSize: V } = this.config;
    const wasTraining = this.training;
    this.eval();
    try {
      const best = noGrad(() => {
        const { memory, srcMask } = this.encode(src, 1);
        type Hypothesis = { tokens: number[]; logProb: number; done: boolean };
        const score = (h: Hypothesis) => h.logProb / Math.max(1, h.tokens.length + (h.done ? 1 : 0)) ** alpha;
        let beams: Hypothesis[] = [{ tokens: [], logProb: 0, done: false }];
        for (let step = 0; step < maxTokens && beams.some((b) => !b.done); step++) {
          const candidates: Hypothesis[] = [];
          for (const beam of beams) {
            if (beam.done) {
              candidates.push(beam);
              continue;
            }
            const input = [bosId, ...beam.tokens];
            const { logits } = this.decode(input, memory, srcMask, 1); // (1, t, V)
            const last = logits.slice(1, input.length - 1, input.length).logSoftmax(-1).dataSync(); // (V)
            // The beamWidth best continuations of this hypothesis.
            const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => last[b] - last[a]);
            for (const id of order.slice(0, beamWidth)) {
              const done = id === eosId;
              candidates.push({ tokens: done ? beam.tokens : [...beam.tokens, id], logProb: beam.logProb + last[id], done });
            }
          }
          candidates.sort((a, b) => score(b) - score(a));
          beams = candidates.slice(0, beamWidth);
        }
        return beams.reduce((a, b) => (score(b) > score(a) ? b : a));
      });
      const { attention } = noGrad(() => this.forward(src, [bosId, ...best.tokens], { returnAttention: true }));
      return { tokens: best.tokens, logProb: best.logProb, attention: attention! };
    } finally {
      this.train(wasTraining);
    }
  }
}
