// GPT: a decoder-only transformer in the GPT-2 layout (pre-norm blocks, learned
// position embeddings, tanh GELU, tied input/output embeddings), assembled from
// @attn/layers: Embedding, LearnedPositionalEmbedding, GPTBlock (the causal
// pre-norm transformer block) and LayerNorm (with or without bias).
//
// The module tree mirrors Hugging Face's GPT2LMHeadModel, so parameter paths are
// its state-dict names (transformer.wte.weight, transformer.h.0.attn.c_attn.weight,
// ...) and Linear weights are in GPT-2's Conv1D layout [in, out]: checkpoints map
// one to one onto the files PyTorch's GPT-2 reads and writes, and the list of
// tensors a checkpoint holds is namedParameters().
import { crossEntropy, noGrad, Rng, type Tensor, tidy } from '@attn/tensor';
import {
  Dropout,
  Embedding,
  GPTBlock,
  type KVCache,
  type LayerKVCache,
  LayerNorm,
  LearnedPositionalEmbedding,
  Module,
} from '@attn/layers';
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
  /**
   * false: build the model with zero weights and no random draws, because its values are about to
   * be loaded (a checkpoint's loader does this; initialising first would be wasted work). Default true.
   */
  init?: boolean;
}

/** The numbered stack of blocks: children "0", "1", ... as in HF's `h`. */
class BlockList extends Module {
  readonly blocks: GPTBlock[] = [];

  constructor(config: GPTConfig, rng: Rng, init: boolean) {
    super();
    // GPT-2 scales the projections that write into the residual stream by 1/sqrt(2 * nLayer)
    // (two residual additions per block), so the stream's variance does not grow with depth.
    const projInitStd = 0.02 / Math.sqrt(2 * config.nLayer);
    for (let i = 0; i < config.nLayer; i++) {
      const block = new GPTBlock({
        rng,
        init,
        dModel: config.nEmbd,
        nHead: config.nHead,
        bias: config.bias,
        dropout: config.dropout,
        attnDropout: config.dropout,
        activation: 'tanh',
        projInitStd,
      });
      this.blocks.push(this.registerModule(String(i), block));
    }
  }
}

/** HF's GPT2Model: embeddings, blocks and the final LayerNorm. */
class GPTBody extends Module {
  /** Marks an activation of the body (hook_embed, hook_pos_embed): see @attn/layers' hooks. */
  hook(name: string, value: Tensor): Tensor {
    return this.hookPoint(name, value);
  }

  readonly wte: Embedding;
  readonly wpe: LearnedPositionalEmbedding;
  readonly drop: Dropout;
  readonly h: BlockList;
  readonly ln_f: LayerNorm;

  constructor(config: GPTConfig, rng: Rng, init: boolean) {
    super();
    this.wte = this.registerModule('wte', new Embedding({ rng, init, numEmbeddings: config.vocabSize, embeddingDim: config.nEmbd }));
    this.wpe = this.registerModule('wpe', new LearnedPositionalEmbedding({ rng, init, maxLength: config.blockSize, dim: config.nEmbd }));
    this.drop = this.registerModule('drop', new Dropout({ p: config.dropout, rng }));
    this.h = this.registerModule('h', new BlockList(config, rng, init));
    this.ln_f = this.registerModule('ln_f', new LayerNorm({ dim: config.nEmbd, bias: config.bias }));
  }
}

export class GPT extends Module implements IncrementalLM {
  readonly config: GPTConfig;
  readonly transformer: GPTBody;
  /**
   * The generator that initialised the weights and that dropout draws from while
   * training; @attn/train's checkpoints save its state so a resumed run with
   * dropout repeats the uninterrupted one exactly.
   */
  readonly rng: Rng;

  constructor(config: Partial<GPTConfig>, options: GPTOptions = {}) {
    super();
    this.config = validateGPTConfig(config);
    this.rng = new Rng(options.seed ?? 1337);
    this.transformer = this.registerModule('transformer', new GPTBody(this.config, this.rng, options.init ?? true));
    // The output layer is tied to wte (logits = x @ wte^T), so there is no separate lm_head parameter.
  }

  get blockSize(): number {
    return this.config.blockSize;
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** The closed form, for comparison with numParameters(). */
  static parameterCount(config: GPTConfig): number {
    return gptParameterCount(config);
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

  /**
   * The shared body of forward() and decoding: tokens at positions offset..offset+T-1
   * through every block (with per-layer KV caches when decoding) -> final hidden states (B, T, C).
   */
  private hidden(ids: ArrayLike<number>, B: number, T: number, offset: number, caches: LayerKVCache[] | null, attention: Tensor[] | null): Tensor {
    const body = this.transformer;
    const tok = body.hook('hook_embed', body.wte.forward(ids, [B, T])); // (B, T, C)
    const pos = body.hook('hook_pos_embed', body.wpe.forward(T, offset)); // (T, C), broadcast over B
    let x = body.drop.forward(tok.add(pos)); // (B, T, C)
    body.h.blocks.forEach((block, i) => {
      const cache = caches?.[i];
      if (attention) {
        const { output, weights } = block.forwardWithWeights(x, { cache });
        attention.push(weights);
        x = output;
      } else {
        x = block.forward(x, { cache });
      }
    });
    return body.ln_f.forward(x); // (B, T, C)
  }

  /** Scores against every token embedding (the tied output layer): (N, C) -> (N, V). */
  private head(x: Tensor): Tensor {
    return x.matmul(this.transformer.wte.weight, { transB: true });
  }

  /** ids: batch * T token ids, row-major. Returns logits (B, T, V), and the loss when targets are given. */
  forward(ids: Int32Array | readonly number[], options: GPTForwardOptions = {}): GPTOutput {
    const B = options.batch ?? 1;
    const T = this.checkInput(ids, B, options.targets);
    const { nEmbd: C, vocabSize: V } = this.config;
    const attention: Tensor[] | null = options.returnAttention ? [] : null;
    const x = this.hidden(ids, B, T, 0, null, attention);
    const logits2d = this.head(x.reshape([B * T, C])); // (B*T, V)
    const out: GPTOutput = { logits: logits2d.reshape([B, T, V]) };
    if (options.targets) out.loss = crossEntropy(logits2d, options.targets);
    if (attention) out.attention = attention;
    return out;
  }

  /**
   * One incremental step, used by the KV cache: the new tokens (at positions past..past+T-1)
   * attend to the cached keys/values and causally to each other. Returns the logits after the
   * last new token. On any error the cache is left as it was. Reads the logits synchronously
   * (cpu, wasm, gpu.js); decodeStepAsync reads them on every backend, WebGPU included.
   */
  decodeStep(ids: readonly number[], cache: KVCache): Float32Array {
    const { logits, undo } = this.decodeLogits(ids, cache);
    try {
      return Float32Array.from(logits.dataSync()); // (V)
    } catch (err) {
      undo();
      throw err;
    } finally {
      logits.dispose();
    }
  }

  /** decodeStep with the logits read by `await tensor.data()`: works on backends that read only asynchronously (WebGPU). */
  async decodeStepAsync(ids: readonly number[], cache: KVCache): Promise<Float32Array> {
    const { logits, undo } = this.decodeLogits(ids, cache);
    try {
      return Float32Array.from(await logits.data()); // (V)
    } catch (err) {
      undo();
      throw err;
    } finally {
      logits.dispose();
    }
  }

  /**
   * The computing half of a decode step, with no read: runs the new tokens through the blocks
   * (appending to the cache) and returns the last position's logits (1, V) as a tensor, and
   * `undo`, which puts the cache back as it was. The step's intermediates are freed here
   * (tidy); the logits and the grown cache are kept.
   */
  private decodeLogits(ids: readonly number[], cache: KVCache): { logits: Tensor; undo: () => void } {
    const past = cache.length;
    const T = ids.length;
    this.checkInput(ids, 1);
    if (past + T > this.config.blockSize) {
      throw new Error(`GPT decoding: ${past + T} tokens exceed blockSize ${this.config.blockSize}; start a new decoding state with a shorter context`);
    }
    const layers = this.transformer.h.blocks.map((_, i) => cache.layer(i));
    const saved = layers.map((l) => l.snapshot());
    const undo = () => {
      for (const [i, l] of layers.entries()) l.restore(saved[i]);
    };
    const wasTraining = this.training;
    this.eval(); // no dropout while decoding
    try {
      // No graph (decoding never runs backward), and every intermediate freed when the step ends:
      // only the logits leave it, and the cache keeps what it appended.
      const { logits } = noGrad(() =>
        tidy(() => {
          const x = this.hidden(ids, 1, T, past, layers, null); // (1, T, C)
          const last = T === 1 ? x.reshape([1, this.config.nEmbd]) : x.slice(1, T - 1, T).reshape([1, this.config.nEmbd]); // (1, C)
          // A concatenating cache (no capacity) holds tensors made in this step: returned, so tidy() keeps them.
          return { logits: this.head(last), cache: layers.map((l) => [l.key, l.value]) }; // logits (1, V)
        }),
      );
      return { logits, undo };
    } catch (err) {
      undo();
      throw err;
    } finally {
      this.train(wasTraining);
    }
  }

  /**
   * Starts incremental decoding with a key/value cache: feed tokens, get next-token logits.
   * Each layer's keys and values go into buffers that grow up to blockSize positions and are
   * written in place (see LayerKVCache's capacity); dispose() the state to free them at once.
   */
  startDecoding(): DecodingState {
    return new DecodingSession(this, { capacity: this.config.blockSize });
  }
}
