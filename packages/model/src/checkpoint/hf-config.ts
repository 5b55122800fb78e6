// config.json: a GPT config in the keys of Hugging Face's GPT2Config (so
// GPT2LMHeadModel.from_pretrained reads an attn checkpoint), plus an "attn"
// section for what GPT2Config has no key for: bias off (nanoGPT's bias=false,
// written to the weights as zero biases) and the tokenizer kind.
//
// Reading accepts Hub GPT-2 configs (no "attn" section: biases on, the tokenizer
// taken from the files present) and refuses, naming config.json and the key,
// what this GPT cannot compute.
import type { TokenizerKind } from '@attn/tokenizer';
import { ConfigError } from '../errors.js';
import { type GPTConfig, validateGPTConfig } from '../gpt/config.js';

export const CONFIG_FILE = 'config.json';

/** config.json "architectures" attn can load: the language model, and the bare body whose head is the tied wte. */
const LANGUAGE_MODEL_ARCHITECTURES = new Set(['GPT2LMHeadModel', 'GPT2Model']);

/** The "attn" section of config.json. */
export interface AttnConfigSection {
  /** Version of attn's checkpoint format. */
  format: 1;
  /** false: the model has no biases (the file holds zeros for them). */
  bias: boolean;
  /** Which tokenizer files the directory holds. */
  tokenizer: TokenizerKind;
}

/** What config.json says, in attn's terms. */
export interface CheckpointConfig {
  gpt: GPTConfig;
  /** The tokenizer kind from the attn section, or undefined for a Hub checkpoint (decided by the files). */
  tokenizer?: TokenizerKind;
  /** The whole parsed config.json, unknown keys included. */
  raw: Record<string, unknown>;
}

/** config.json for a GPT; bos/eos only for byte-level BPE vocabularies that have <|endoftext|>. */
export function gptConfigToHf(config: GPTConfig, tokenizer: TokenizerKind, endOfText?: number): Record<string, unknown> {
  const json: Record<string, unknown> = {
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    vocab_size: config.vocabSize,
    n_positions: config.blockSize,
    n_ctx: config.blockSize,
    n_embd: config.nEmbd,
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_inner: null,
    activation_function: 'gelu_new',
    layer_norm_epsilon: 1e-5,
    resid_pdrop: config.dropout,
    embd_pdrop: config.dropout,
    attn_pdrop: config.dropout,
    initializer_range: 0.02,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
  };
  if (endOfText !== undefined) {
    json.bos_token_id = endOfText;
    json.eos_token_id = endOfText;
  }
  json.attn = { format: 1, bias: config.bias, tokenizer } satisfies AttnConfigSection;
  return json;
}

/** Parses config.json text (`file` names it in errors) into a GPT config. */
export function gptConfigFromHf(text: string, file = CONFIG_FILE): CheckpointConfig {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${file}: expected a JSON object of GPT2Config keys`);
  const fail = (key: string, why: string): never => {
    throw new ConfigError(`${file}: "${key}" ${why}`);
  };
  if (raw.model_type === 'attn-seq2seq') fail('model_type', 'is "attn-seq2seq": an encoder-decoder checkpoint, not a GPT (load it with loadSeq2SeqCheckpoint; in the CLI, attn translate)');
  if (raw.model_type !== 'gpt2') fail('model_type', `is ${JSON.stringify(raw.model_type)}; only "gpt2" models are supported`);
  // A GPT-2 body under another head (GPT2ForSequenceClassification, GPT2DoubleHeadsModel, ...) is not a language model.
  const architectures = raw.architectures;
  if (architectures !== undefined && architectures !== null) {
    if (!Array.isArray(architectures) || !architectures.some((a) => LANGUAGE_MODEL_ARCHITECTURES.has(a))) {
      fail('architectures', `is ${JSON.stringify(architectures)}; attn loads GPT-2 language models (${[...LANGUAGE_MODEL_ARCHITECTURES].join(' or ')})`);
    }
  }
  const int = (key: string, fallback?: string): number => {
    const value = raw[key] ?? (fallback === undefined ? undefined : raw[fallback]);
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) fail(key, `must be a positive integer, got ${JSON.stringify(value)}`);
    return value as number;
  };
  const nEmbd = int('n_embd');
  if (raw.n_inner !== undefined && raw.n_inner !== null && raw.n_inner !== 4 * nEmbd) {
    fail('n_inner', `is ${JSON.stringify(raw.n_inner)}; this GPT's MLP is 4 * n_embd = ${4 * nEmbd} wide (null means that too)`);
  }
  const activation = raw.activation_function ?? 'gelu_new';
  if (activation !== 'gelu_new' && activation !== 'gelu_pytorch_tanh') {
    fail('activation_function', `is ${JSON.stringify(activation)}; this GPT computes the tanh GELU ("gelu_new" / "gelu_pytorch_tanh")`);
  }
  const eps = raw.layer_norm_epsilon ?? 1e-5;
  if (eps !== 1e-5) fail('layer_norm_epsilon', `is ${JSON.stringify(eps)}; this GPT's LayerNorm uses 1e-5`);
  if (raw.scale_attn_weights === false) fail('scale_attn_weights', 'is false; this GPT always scales attention scores by 1/sqrt(head size)');
  if (raw.scale_attn_by_inverse_layer_idx === true) fail('scale_attn_by_inverse_layer_idx', 'is true; that is not supported');
  if (raw.add_cross_attention === true) fail('add_cross_attention', 'is true; a GPT with cross-attention is not supported (see the encoder-decoder Transformer)');
  if (raw.tie_word_embeddings === false) fail('tie_word_embeddings', 'is false; only tied input/output embeddings are supported');
  const dropout = [raw.resid_pdrop, raw.embd_pdrop, raw.attn_pdrop].find((p) => typeof p === 'number') ?? 0;
  const attn = raw.attn as Partial<AttnConfigSection> | undefined;
  let bias = true;
  let tokenizer: TokenizerKind | undefined;
  if (attn !== undefined) {
    if (attn === null || typeof attn !== 'object') fail('attn', 'must be an object {format, bias, tokenizer}');
    if (attn.format !== 1) fail('attn.format', `is ${JSON.stringify(attn.format)}; this attn reads format 1`);
    if (typeof attn.bias !== 'boolean') fail('attn.bias', `must be true or false, got ${JSON.stringify(attn.bias)}`);
    if (attn.tokenizer !== 'char' && attn.tokenizer !== 'word' && attn.tokenizer !== 'byte-bpe') {
      fail('attn.tokenizer', `must be "char", "word" or "byte-bpe", got ${JSON.stringify(attn.tokenizer)}`);
    }
    bias = attn.bias as boolean;
    tokenizer = attn.tokenizer;
  }
  let gpt: GPTConfig;
  try {
    gpt = validateGPTConfig({
      vocabSize: int('vocab_size'),
      blockSize: int('n_positions', 'n_ctx'),
      nLayer: int('n_layer'),
      nHead: int('n_head'),
      nEmbd,
      dropout: dropout as number,
      bias,
    });
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
  return { gpt, tokenizer, raw };
}
