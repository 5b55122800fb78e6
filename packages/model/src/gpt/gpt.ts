// GPT: a decoder-only transformer in the GPT-2 layout (pre-norm blocks, learned
// position embeddings, tanh GELU, tied input/output embeddings).
//
// Parameters are held under their Hugging Face GPT-2 names, and the linear
// weights in GPT-2's Conv1D layout [in, out] (y = x @ W + b), so checkpoints map
// one to one onto the files PyTorch's GPT-2 reads and writes.
import {
  causalMask,
  concat,
  crossEntropy,
  dropout,
  embedding,
  fromArray,
  layerNorm,
  noGrad,
  ones,
  randn,
  Rng,
  split,
  type Tensor,
  zeros,
} from '@attn/tensor';
import { type GPTConfig, gptParameterCount, validateGPTConfig } from './config.js';
import { DecodingSession, type DecodingState, type IncrementalLM } from './decoding.js';

export interface GPTForwardOptions {
  /** Number of sequences; ids holds batch * T tokens, row-major. Default 1. */
  batch?: number;
  /** Next-token targets, same length as ids; -100 entries are ignored. When given, the mean cross-entropy is returned as `loss`. */
  targets?: ArrayLike<number>;
  /** Also return every layer's attention weights, each (B, nHead, T, T). */
  returnAttention?: boolean;
}

export interface GPTOutput {
  /** (B, T, vocabSize) unnormalised next-token scores. */
  logits: Tensor;
  /** Mean cross-entropy against `targets`, when they were given. */
  loss?: Tensor;
  /** One (B, nHead, T, T) tensor per layer (row t: how much position t attends to each position), when asked for. */
  attention?: Tensor[];
}

export interface GPTOptions {
  /** Seed for the initial weights and for dropout (default 1337). */
  seed?: number;
}

/** The names of one block's tensors, in HF GPT-2 naming (prefix `transformer.h.<i>.`). */
const BLOCK_TENSORS = [
  'ln_1.weight',
  'ln_1.bias',
  'attn.c_attn.weight',
  'attn.c_attn.bias',
  'attn.c_proj.weight',
  'attn.c_proj.bias',
  'ln_2.weight',
  'ln_2.bias',
  'mlp.c_fc.weight',
  'mlp.c_fc.bias',
  'mlp.c_proj.weight',
  'mlp.c_proj.bias',
] as const;

/** Large negative score for masked (future) positions: exp() of it is exactly 0 in float32, and it stays finite for NaN checks. */
const MASKED = -1e9;

export class GPT implements IncrementalLM {
  readonly config: GPTConfig;
  /** Parameters by HF GPT-2 name. Biases are absent when config.bias is false. */
  readonly params: Map<string, Tensor>;
  /** Dropout is applied only while training. */
  training = true;
  private readonly rng: Rng;
  /** True inside decodeStep: the KV cache never applies dropout. */
  private decoding = false;

  constructor(config: Partial<GPTConfig>, options: GPTOptions = {}) {
    this.config = validateGPTConfig(config);
    this.rng = new Rng(options.seed ?? 1337);
    this.params = initialParameters(this.config, this.rng);
  }

  get blockSize(): number {
    return this.config.blockSize;
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** The trainable tensors (the tied embedding appears once). */
  parameters(): Tensor[] {
    return [...this.params.values()];
  }

  /** [HF name, tensor] pairs in a fixed order. */
  namedParameters(): [string, Tensor][] {
    return [...this.params];
  }

  /** Total parameter count (equals gptParameterCount(config)). */
  numParameters(): number {
    let n = 0;
    for (const p of this.params.values()) n += p.size;
    return n;
  }

  /** The closed form, for comparison. */
  static parameterCount(config: GPTConfig): number {
    return gptParameterCount(config);
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

  /** A parameter by HF name, or a clear error. */
  param(name: string): Tensor {
    const p = this.params.get(name);
    if (!p) throw new Error(`GPT: no parameter named "${name}"`);
    return p;
  }

  private maybe(name: string): Tensor | undefined {
    return this.params.get(name);
  }

  /** Checks ids/targets and returns T. */
  checkInput(ids: ArrayLike<number>, batch: number, targets?: ArrayLike<number>): number {
    const { vocabSize, blockSize } = this.config;
    if (!Number.isInteger(batch) || batch <= 0) throw new Error(`GPT.forward: batch must be a positive integer, got ${batch}`);
    if (ids.length === 0 || ids.length % batch !== 0) {
      throw new Error(`GPT.forward: ${ids.length} ids cannot be split into ${batch} sequences of equal, non-zero length`);
    }
    const T = ids.length / batch;
    if (T > blockSize) throw new Error(`GPT.forward: sequence length ${T} exceeds blockSize ${blockSize}`);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new Error(`GPT.forward: token id ${id} at index ${i} is out of range [0, ${vocabSize})`);
      }
    }
    if (targets) {
      if (targets.length !== ids.length) throw new Error(`GPT.forward: ${targets.length} targets for ${ids.length} ids`);
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i];
        if (t !== -100 && (!Number.isInteger(t) || t < 0 || t >= vocabSize)) {
          throw new Error(`GPT.forward: target ${t} at index ${i} is out of range [0, ${vocabSize}) (use -100 to ignore a position)`);
        }
      }
    }
    return T;
  }

  /** ids: batch * T token ids, row-major. Returns logits (B, T, V), and the loss when targets are given. */
  forward(ids: Int32Array | readonly number[], options: GPTForwardOptions = {}): GPTOutput {
    const B = options.batch ?? 1;
    const T = this.checkInput(ids, B, options.targets);
    const { nEmbd: C, nLayer, vocabSize: V } = this.config;
    const positions = Array.from({ length: T }, (_, t) => t);
    const tok = embedding(this.param('transformer.wte.weight'), ids, [B, T]); // (B, T, C)
    const pos = embedding(this.param('transformer.wpe.weight'), positions, [T]); // (T, C)
    let x = this.drop(tok.add(pos)); // (B, T, C)
    const mask = causalMask(T); // (T, T), 1 above the diagonal
    const attention: Tensor[] = [];
    for (let i = 0; i < nLayer; i++) {
      const { y, att } = this.attention(i, this.norm(`transformer.h.${i}.ln_1`, x), mask, B, T);
      if (options.returnAttention) attention.push(att);
      x = x.add(y);
      x = x.add(this.mlp(i, this.norm(`transformer.h.${i}.ln_2`, x)));
    }
    x = this.norm('transformer.ln_f', x); // (B, T, C)
    // Tied output layer: scores against every token embedding.
    const logits2d = x.reshape([B * T, C]).matmul(this.param('transformer.wte.weight'), { transB: true }); // (B*T, V)
    const out: GPTOutput = { logits: logits2d.reshape([B, T, V]) };
    if (options.targets) out.loss = crossEntropy(logits2d, options.targets);
    if (options.returnAttention) out.attention = attention;
    return out;
  }

  private drop(x: Tensor): Tensor {
    const p = this.config.dropout;
    return p > 0 && this.training && !this.decoding ? dropout(x, p, { rng: this.rng, training: true }) : x;
  }

  private norm(prefix: string, x: Tensor): Tensor {
    return layerNorm(x, this.param(`${prefix}.weight`), this.maybe(`${prefix}.bias`), 1e-5);
  }

  /** y = x @ W + b on the last axis, with W in Conv1D layout [in, out]. */
  private linear(prefix: string, x: Tensor): Tensor {
    const w = this.param(`${prefix}.weight`);
    const [nIn, nOut] = w.shape;
    const lead = x.shape.slice(0, -1);
    let y = x.reshape([-1, nIn]).matmul(w); // (N, out)
    const b = this.maybe(`${prefix}.bias`);
    if (b) y = y.add(b);
    return y.reshape([...lead, nOut]);
  }

  private mlp(i: number, x: Tensor): Tensor {
    const h = this.linear(`transformer.h.${i}.mlp.c_fc`, x).gelu('tanh'); // (B, T, 4C)
    return this.drop(this.linear(`transformer.h.${i}.mlp.c_proj`, h)); // (B, T, C)
  }

  /** Queries, keys and values of `x` (B, T, C), each (B, nh, T, hs). */
  qkv(i: number, x: Tensor, B: number, T: number): [Tensor, Tensor, Tensor] {
    const { nEmbd: C, nHead: nh } = this.config;
    const hs = C / nh;
    const [q, k, v] = split(this.linear(`transformer.h.${i}.attn.c_attn`, x), C, 2); // 3 x (B, T, C)
    const heads = (t: Tensor) => t.reshape([B, T, nh, hs]).transpose(1, 2); // (B, nh, T, hs)
    return [heads(q), heads(k), heads(v)];
  }

  /**
   * Attention of queries q (B, nh, Tq, hs) over keys/values (B, nh, Tk, hs), hiding the
   * positions where `mask` (Tq, Tk) is nonzero; merges heads and applies c_proj.
   */
  attend(i: number, q: Tensor, k: Tensor, v: Tensor, mask: Tensor): { y: Tensor; att: Tensor } {
    const [B, nh, Tq, hs] = q.shape;
    const scores = q.matmul(k, { transB: true }).mul(1 / Math.sqrt(hs)); // (B, nh, Tq, Tk)
    const att = scores.maskedFill(mask, MASKED).softmax(-1); // (B, nh, Tq, Tk)
    const y = this.drop(att).matmul(v); // (B, nh, Tq, hs)
    const merged = y.transpose(1, 2).reshape([B, Tq, nh * hs]); // (B, Tq, C)
    return { y: this.drop(this.linear(`transformer.h.${i}.attn.c_proj`, merged)), att };
  }

  private attention(i: number, x: Tensor, mask: Tensor, B: number, T: number): { y: Tensor; att: Tensor } {
    const [q, k, v] = this.qkv(i, x, B, T);
    return this.attend(i, q, k, v, mask);
  }

  /**
   * One incremental step, used by the KV cache: the new tokens (at positions past..past+T-1)
   * attend to the cached keys/values of earlier positions and causally to each other.
   * Appends their keys/values to `cache` and returns the logits after the last new token.
   */
  decodeStep(ids: readonly number[], past: number, cache: LayerCache[]): Float32Array {
    const { nEmbd: C, nLayer, vocabSize: V } = this.config;
    const T = ids.length;
    this.checkInput(ids, 1);
    if (past + T > this.config.blockSize) {
      throw new Error(`GPT decoding: ${past + T} tokens exceed blockSize ${this.config.blockSize}; start a new decoding state with a shorter context`);
    }
    const wasDecoding = this.decoding;
    this.decoding = true; // no dropout while decoding
    try {
      return noGrad(() => {
        const positions = Array.from({ length: T }, (_, t) => past + t);
        const tok = embedding(this.param('transformer.wte.weight'), ids, [1, T]); // (1, T, C)
        const pos = embedding(this.param('transformer.wpe.weight'), positions, [T]); // (T, C)
        let x = tok.add(pos); // (1, T, C)
        // New token t sits at position past + t: it may not see positions after that.
        const total = past + T;
        const maskData = new Float32Array(T * total);
        for (let t = 0; t < T; t++) for (let j = past + t + 1; j < total; j++) maskData[t * total + j] = 1;
        const mask = fromArray(maskData, [T, total]); // (T, total)
        const updated: LayerCache[] = [];
        for (let i = 0; i < nLayer; i++) {
          const [q, kNew, vNew] = this.qkv(i, this.norm(`transformer.h.${i}.ln_1`, x), 1, T); // (1, nh, T, hs)
          const { k: kPast, v: vPast } = cache[i];
          const k = kPast ? concat([kPast, kNew], 2) : kNew; // (1, nh, total, hs)
          const v = vPast ? concat([vPast, vNew], 2) : vNew; // (1, nh, total, hs)
          updated.push({ k, v });
          x = x.add(this.attend(i, q, k, v, mask).y);
          x = x.add(this.mlp(i, this.norm(`transformer.h.${i}.ln_2`, x)));
        }
        const last = this.norm('transformer.ln_f', x).slice(1, T - 1, T).reshape([1, C]); // (1, C)
        const logits = last.matmul(this.param('transformer.wte.weight'), { transB: true }); // (1, V)
        const out = Float32Array.from(logits.dataSync().subarray(0, V));
        // Commit the new keys/values only once the whole step succeeded.
        for (let i = 0; i < nLayer; i++) cache[i] = updated[i];
        return out;
      });
    } finally {
      this.decoding = wasDecoding;
    }
  }

  /** Starts incremental decoding with a key/value cache: feed tokens, get next-token logits. */
  startDecoding(): DecodingState {
    return new DecodingSession(this);
  }
}

/** The keys and values one layer has cached so far, each (1, nh, length, hs). */
export interface LayerCache {
  k: Tensor | null;
  v: Tensor | null;
}

/** Fresh GPT-2-initialised parameters under HF names. */
function initialParameters(config: GPTConfig, rng: Rng): Map<string, Tensor> {
  // GPT-2: weights ~ N(0, 0.02), biases 0, LayerNorm gains 1. The projections that write into
  // the residual stream (c_proj) get std 0.02 / sqrt(2 * nLayer), so the stream's variance
  // does not grow with depth (two residual additions per block).
  const residualStd = 0.02 / Math.sqrt(2 * config.nLayer);
  const params = new Map<string, Tensor>();
  for (const [name, shape] of gptTensorShapes(config)) {
    let p: Tensor;
    if (/ln_\w+\.weight$/.test(name)) p = ones(shape, { requiresGrad: true });
    else if (name.endsWith('.bias')) p = zeros(shape, { requiresGrad: true });
    else if (name.endsWith('c_proj.weight')) p = randn(shape, { rng, std: residualStd, requiresGrad: true });
    else p = randn(shape, { rng, std: 0.02, requiresGrad: true });
    params.set(name, p);
  }
  return params;
}

/** Every tensor name and shape a GPT with this config has, in HF GPT-2 naming. */
export function gptTensorShapes(config: GPTConfig): Map<string, number[]> {
  const { vocabSize: V, blockSize, nLayer, nEmbd: C, bias } = config;
  const shapes = new Map<string, number[]>();
  shapes.set('transformer.wte.weight', [V, C]);
  shapes.set('transformer.wpe.weight', [blockSize, C]);
  const block: Record<(typeof BLOCK_TENSORS)[number], number[]> = {
    'ln_1.weight': [C],
    'ln_1.bias': [C],
    'attn.c_attn.weight': [C, 3 * C],
    'attn.c_attn.bias': [3 * C],
    'attn.c_proj.weight': [C, C],
    'attn.c_proj.bias': [C],
    'ln_2.weight': [C],
    'ln_2.bias': [C],
    'mlp.c_fc.weight': [C, 4 * C],
    'mlp.c_fc.bias': [4 * C],
    'mlp.c_proj.weight': [4 * C, C],
    'mlp.c_proj.bias': [C],
  };
  for (let i = 0; i < nLayer; i++) {
    for (const name of BLOCK_TENSORS) {
      if (!bias && name.endsWith('.bias')) continue;
      shapes.set(`transformer.h.${i}.${name}`, block[name]);
    }
  }
  shapes.set('transformer.ln_f.weight', [C]);
  if (bias) shapes.set('transformer.ln_f.bias', [C]);
  return shapes;
}
