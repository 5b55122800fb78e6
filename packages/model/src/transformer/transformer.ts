// The encoder-decoder Transformer of "Attention Is All You Need" (Vaswani et al. 2017):
// an encoder stack (self-attention + feed-forward) reads the source; a decoder stack
// (causal self-attention + cross-attention over the encoder output + feed-forward)
// predicts the target one token at a time. Embeddings are scaled by sqrt(dModel) and
// summed with sinusoidal positions; the target embedding doubles as the output layer.
import {
  causalMask,
  crossEntropy,
  dropout,
  embedding,
  fromArray,
  layerNorm,
  noGrad,
  ones,
  rand,
  randn,
  Rng,
  type Tensor,
  zeros,
} from '@attn/tensor';
import { type TransformerConfig, validateTransformerConfig } from './config.js';
import { sinusoidalPositions } from './positional.js';

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

const MASKED = -1e9;

export class Transformer {
  readonly config: TransformerConfig;
  readonly params = new Map<string, Tensor>();
  training = true;
  private readonly rng: Rng;
  private readonly positions: Tensor; // (maxLen, dModel), fixed

  constructor(config: Partial<TransformerConfig>, options: { seed?: number } = {}) {
    this.config = validateTransformerConfig(config);
    this.rng = new Rng(options.seed ?? 1337);
    this.positions = sinusoidalPositions(this.config.maxLen, this.config.dModel);
    this.initParameters();
  }

  private initParameters(): void {
    const { srcVocabSize, tgtVocabSize, nEncoderLayer, nDecoderLayer, dModel: d, dFF, norm } = this.config;
    const rng = this.rng;
    // Xavier/Glorot uniform for projections (as PyTorch's nn.Transformer), N(0, 1/d) for embeddings
    // so that after the sqrt(d) scale they have unit variance like the position encodings.
    const linear = (name: string, nIn: number, nOut: number) => {
      const a = Math.sqrt(6 / (nIn + nOut));
      this.params.set(`${name}.weight`, rand([nIn, nOut], { rng, low: -a, high: a, requiresGrad: true })); // [in, out]
      this.params.set(`${name}.bias`, zeros([nOut], { requiresGrad: true }));
    };
    const layerNormParams = (name: string) => {
      this.params.set(`${name}.weight`, ones([d], { requiresGrad: true }));
      this.params.set(`${name}.bias`, zeros([d], { requiresGrad: true }));
    };
    const attention = (name: string) => {
      for (const p of ['q', 'k', 'v', 'out']) linear(`${name}.${p}`, d, d);
    };
    this.params.set('src_embed.weight', randn([srcVocabSize, d], { rng, std: d ** -0.5, requiresGrad: true }));
    this.params.set('tgt_embed.weight', randn([tgtVocabSize, d], { rng, std: d ** -0.5, requiresGrad: true }));
    for (let i = 0; i < nEncoderLayer; i++) {
      const p = `encoder.layers.${i}`;
      attention(`${p}.self_attn`);
      linear(`${p}.ff.fc1`, d, dFF);
      linear(`${p}.ff.fc2`, dFF, d);
      layerNormParams(`${p}.norm1`);
      layerNormParams(`${p}.norm2`);
    }
    for (let i = 0; i < nDecoderLayer; i++) {
      const p = `decoder.layers.${i}`;
      attention(`${p}.self_attn`);
      attention(`${p}.cross_attn`);
      linear(`${p}.ff.fc1`, d, dFF);
      linear(`${p}.ff.fc2`, dFF, d);
      layerNormParams(`${p}.norm1`);
      layerNormParams(`${p}.norm2`);
      layerNormParams(`${p}.norm3`);
    }
    if (norm === 'pre') {
      // Pre-norm stacks end with a LayerNorm, since their residual stream is never normalised otherwise.
      layerNormParams('encoder.norm');
      layerNormParams('decoder.norm');
    }
  }

  parameters(): Tensor[] {
    return [...this.params.values()];
  }

  namedParameters(): [string, Tensor][] {
    return [...this.params];
  }

  numParameters(): number {
    let n = 0;
    for (const p of this.params.values()) n += p.size;
    return n;
  }

  train(on = true): this {
    this.training = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.params.values()) p.zeroGrad();
  }

  param(name: string): Tensor {
    const p = this.params.get(name);
    if (!p) throw new Error(`Transformer: no parameter named "${name}"`);
    return p;
  }

  // ---- building blocks -------------------------------------------------------------

  private drop(x: Tensor): Tensor {
    const p = this.config.dropout;
    return p > 0 && this.training ? dropout(x, p, { rng: this.rng, training: true }) : x;
  }

  private linear(name: string, x: Tensor): Tensor {
    const w = this.param(`${name}.weight`);
    const [nIn, nOut] = w.shape;
    const lead = x.shape.slice(0, -1);
    const y = x.reshape([-1, nIn]).matmul(w).add(this.param(`${name}.bias`)); // (N, out)
    return y.reshape([...lead, nOut]);
  }

  private norm(name: string, x: Tensor): Tensor {
    return layerNorm(x, this.param(`${name}.weight`), this.param(`${name}.bias`), 1e-5);
  }

  /** Multi-head attention of queries from x (B, Tq, d) over keys/values from kv (B, Tk, d); mask broadcasts to (B, nh, Tq, Tk). */
  private attention(name: string, x: Tensor, kv: Tensor, mask: Tensor | null): { y: Tensor; att: Tensor } {
    const { nHead: nh, dModel: d } = this.config;
    const hs = d / nh;
    const [B, Tq] = x.shape;
    const Tk = kv.shape[1];
    const q = this.linear(`${name}.q`, x).reshape([B, Tq, nh, hs]).transpose(1, 2); // (B, nh, Tq, hs)
    const k = this.linear(`${name}.k`, kv).reshape([B, Tk, nh, hs]).transpose(1, 2); // (B, nh, Tk, hs)
    const v = this.linear(`${name}.v`, kv).reshape([B, Tk, nh, hs]).transpose(1, 2); // (B, nh, Tk, hs)
    let scores = q.matmul(k, { transB: true }).mul(1 / Math.sqrt(hs)); // (B, nh, Tq, Tk)
    if (mask) scores = scores.maskedFill(mask, MASKED);
    const att = scores.softmax(-1); // (B, nh, Tq, Tk)
    const y = this.drop(att).matmul(v).transpose(1, 2).reshape([B, Tq, d]); // (B, Tq, d)
    return { y: this.linear(`${name}.out`, y), att };
  }

  private feedForward(name: string, x: Tensor): Tensor {
    return this.linear(`${name}.fc2`, this.drop(this.linear(`${name}.fc1`, x).relu()));
  }

  /** Adds a sublayer's output to the residual stream, with the LayerNorm before (pre) or after (post). */
  private residual(normName: string, x: Tensor, sublayer: (h: Tensor) => Tensor): Tensor {
    if (this.config.norm === 'pre') return x.add(this.drop(sublayer(this.norm(normName, x))));
    return this.norm(normName, x.add(this.drop(sublayer(x))));
  }

  private embed(table: string, ids: ArrayLike<number>, B: number, T: number): Tensor {
    const d = this.config.dModel;
    const tok = embedding(this.param(table), ids, [B, T]).mul(Math.sqrt(d)); // (B, T, d)
    return this.drop(tok.add(this.positions.slice(0, 0, T))); // (B, T, d)
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

  /** (B, 1, 1, S) mask that hides padded source positions, or null when there is no padding. */
  private sourceMask(src: ArrayLike<number>, B: number, S: number): Tensor | null {
    const pad = this.config.srcPadId;
    if (pad < 0) return null;
    const m = new Float32Array(B * S);
    let padded = 0;
    for (let i = 0; i < m.length; i++) {
      if (src[i] === pad) {
        m[i] = 1;
        padded++;
      }
    }
    return padded > 0 ? fromArray(m, [B, 1, 1, S]) : null; // (B, 1, 1, S)
  }

  /** Runs the encoder: memory (B, S, d) and its self-attention maps. */
  encode(src: ArrayLike<number>, batch = 1): { memory: Tensor; srcMask: Tensor | null; attention: Tensor[] } {
    const S = this.checkIds('source', src, this.config.srcVocabSize, batch);
    const srcMask = this.sourceMask(src, batch, S);
    let x = this.embed('src_embed.weight', src, batch, S);
    const attention: Tensor[] = [];
    for (let i = 0; i < this.config.nEncoderLayer; i++) {
      const p = `encoder.layers.${i}`;
      x = this.residual(`${p}.norm1`, x, (h) => {
        const { y, att } = this.attention(`${p}.self_attn`, h, h, srcMask);
        attention.push(att);
        return y;
      });
      x = this.residual(`${p}.norm2`, x, (h) => this.feedForward(`${p}.ff`, h));
    }
    if (this.config.norm === 'pre') x = this.norm('encoder.norm', x);
    return { memory: x, srcMask, attention };
  }

  /** Runs the decoder over tgt (B*T ids) given the encoder memory: logits (B, T, V). */
  decode(tgt: ArrayLike<number>, memory: Tensor, srcMask: Tensor | null, batch = 1): { logits: Tensor; self: Tensor[]; cross: Tensor[] } {
    const T = this.checkIds('target', tgt, this.config.tgtVocabSize, batch);
    const { dModel: d, tgtVocabSize: V } = this.config;
    const causal = causalMask(T); // (T, T)
    let x = this.embed('tgt_embed.weight', tgt, batch, T);
    const self: Tensor[] = [];
    const cross: Tensor[] = [];
    for (let i = 0; i < this.config.nDecoderLayer; i++) {
      const p = `decoder.layers.${i}`;
      x = this.residual(`${p}.norm1`, x, (h) => {
        const { y, att } = this.attention(`${p}.self_attn`, h, h, causal);
        self.push(att);
        return y;
      });
      x = this.residual(`${p}.norm2`, x, (h) => {
        const { y, att } = this.attention(`${p}.cross_attn`, h, memory, srcMask);
        cross.push(att);
        return y;
      });
      x = this.residual(`${p}.norm3`, x, (h) => this.feedForward(`${p}.ff`, h));
    }
    if (this.config.norm === 'pre') x = this.norm('decoder.norm', x);
    // Output layer tied to the target embedding (the paper shares these weights).
    const logits = x.reshape([batch * T, d]).matmul(this.param('tgt_embed.weight'), { transB: true }); // (B*T, V)
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
    this.training = false;
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
      this.training = wasTraining;
    }
  }
}
