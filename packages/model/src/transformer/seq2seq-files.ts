// An encoder-decoder Transformer as a checkpoint directory, as file name -> bytes
// (no file system here: the CLI writes these bytes, a browser can download them):
//
//   config.json          {"model_type": "attn-seq2seq", ...}: attn's own architecture, which no
//                        Hugging Face class reads (the model_type says so, and GPT loaders refuse
//                        it by that key); the TransformerConfig in snake_case keys, plus an
//                        "attn" section (format, tokenizer kind, the task it was trained on)
//   model.safetensors    the parameters under the model's own names (src_embed.weight,
//                        encoder.layers.0.attn.c_attn.weight, ...), F32, metadata
//                        {format: pt, architecture: transformer, attn_checkpoint_id}
//   attn-tokenizer.json  one tokenizer for source and target (ids = the model's ids)
//
// training-state.safetensors, when present, is @attn/train's, as for a GPT.
import { type Tokenizer, tokenizerFromFiles, tokenizerToFiles } from '@attn/tokenizer';
import { CheckpointError, ConfigError } from '../errors.js';
import { CHECKPOINT_ID_KEY, MODEL_FILE } from '../checkpoint/files.js';
import { CONFIG_FILE } from '../checkpoint/hf-config.js';
import { type SafetensorsInput, serializeSafetensors } from '../safetensors/format.js';
import { safetensorsBytesSource, type TensorSource } from '../safetensors/tensor-source.js';
import { type TransformerConfig, validateTransformerConfig } from './config.js';
import { Transformer } from './transformer.js';

/** config.json's model_type for attn's encoder-decoder. */
export const SEQ2SEQ_MODEL_TYPE = 'attn-seq2seq';

/** A seq2seq checkpoint's contents. */
export interface Seq2SeqContents {
  model: Transformer;
  /** The tokenizer of both source and target (the model's source and target vocabularies are its ids). */
  tokenizer: Tokenizer;
  /** What the model was trained on (e.g. "date"), kept in config.json's attn section for front ends. */
  task?: string;
  /** Written into model.safetensors' metadata so a training state can be matched to these weights. */
  checkpointId?: string;
}

/** A loaded seq2seq checkpoint. */
export interface Seq2SeqPretrained {
  model: Transformer;
  tokenizer: Tokenizer;
  /** config.json's attn.task, when it has one. */
  task?: string;
  /** model.safetensors' attn_checkpoint_id, or null. */
  checkpointId: string | null;
}

const text = (s: string) => new TextEncoder().encode(s);

/** config.json for a Transformer: TransformerConfig in snake_case keys and the attn section. */
export function seq2seqConfigToJson(config: TransformerConfig, tokenizer: Tokenizer, task?: string): Record<string, unknown> {
  const attn: Record<string, unknown> = { format: 1, tokenizer: tokenizer.kind };
  if (task !== undefined) attn.task = task;
  return {
    model_type: SEQ2SEQ_MODEL_TYPE,
    architectures: ['AttnEncoderDecoderTransformer'],
    src_vocab_size: config.srcVocabSize,
    tgt_vocab_size: config.tgtVocabSize,
    max_position_embeddings: config.maxLen,
    encoder_layers: config.nEncoderLayer,
    decoder_layers: config.nDecoderLayer,
    num_attention_heads: config.nHead,
    d_model: config.dModel,
    d_ff: config.dFF,
    dropout: config.dropout,
    norm: config.norm,
    position_embedding: 'sinusoidal',
    tie_word_embeddings: true,
    bos_token_id: config.bosId,
    eos_token_id: config.eosId,
    pad_token_id: config.srcPadId < 0 ? null : config.srcPadId,
    torch_dtype: 'float32',
    attn,
  };
}

/** Parses config.json text of a seq2seq checkpoint (`file` names it in errors). */
export function seq2seqConfigFromJson(json: string, file = CONFIG_FILE): { config: TransformerConfig; tokenizer: string; task?: string } {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${file}: expected a JSON object`);
  if (raw.model_type !== SEQ2SEQ_MODEL_TYPE) {
    throw new ConfigError(`${file}: "model_type" is ${JSON.stringify(raw.model_type)}; an encoder-decoder checkpoint has "${SEQ2SEQ_MODEL_TYPE}"`);
  }
  const attn = raw.attn as { format?: unknown; tokenizer?: unknown; task?: unknown } | undefined;
  if (attn === null || typeof attn !== 'object') throw new ConfigError(`${file}: "attn" must be an object {format, tokenizer}`);
  if (attn.format !== 1) throw new ConfigError(`${file}: "attn.format" is ${JSON.stringify(attn.format)}; this attn reads format 1`);
  if (typeof attn.tokenizer !== 'string') throw new ConfigError(`${file}: "attn.tokenizer" must name the tokenizer kind`);
  if (attn.task !== undefined && typeof attn.task !== 'string') throw new ConfigError(`${file}: "attn.task" must be a string when present`);
  const pad = raw.pad_token_id;
  let config: TransformerConfig;
  try {
    config = validateTransformerConfig({
      srcVocabSize: raw.src_vocab_size as number,
      tgtVocabSize: raw.tgt_vocab_size as number,
      maxLen: raw.max_position_embeddings as number,
      nEncoderLayer: raw.encoder_layers as number,
      nDecoderLayer: raw.decoder_layers as number,
      nHead: raw.num_attention_heads as number,
      dModel: raw.d_model as number,
      dFF: raw.d_ff as number,
      dropout: raw.dropout as number,
      norm: raw.norm as 'pre' | 'post',
      bosId: raw.bos_token_id as number,
      eosId: raw.eos_token_id as number,
      srcPadId: pad === null || pad === undefined ? -1 : (pad as number),
    });
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
  return { config, tokenizer: attn.tokenizer, task: attn.task as string | undefined };
}

/** The inference files of a seq2seq checkpoint, in write order. */
export function seq2seqCheckpointToFiles(contents: Seq2SeqContents): Map<string, Uint8Array> {
  const { model, tokenizer } = contents;
  const { srcVocabSize, tgtVocabSize } = model.config;
  if (tokenizer.vocabSize !== srcVocabSize || tokenizer.vocabSize !== tgtVocabSize) {
    throw new CheckpointError(`checkpoint: the tokenizer has ${tokenizer.vocabSize} ids but the model's vocabularies are ${srcVocabSize} (source) and ${tgtVocabSize} (target); they must all match`);
  }
  const tensors = new Map<string, SafetensorsInput>();
  for (const [name, p] of model.namedParameters()) {
    const data = p.dataSync();
    const bad = data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new CheckpointError(`checkpoint: parameter "${name}" holds a non-finite value (${data[bad]} at flat index ${bad}); refusing to save weights that cannot be used`);
    tensors.set(name, { shape: p.shape, data });
  }
  const metadata: Record<string, string> = { format: 'pt', architecture: 'transformer' };
  if (contents.checkpointId !== undefined) metadata[CHECKPOINT_ID_KEY] = contents.checkpointId;
  const files = new Map<string, Uint8Array>();
  files.set(CONFIG_FILE, text(`${JSON.stringify(seq2seqConfigToJson(model.config, tokenizer, contents.task), null, 2)}\n`));
  files.set(MODEL_FILE, serializeSafetensors(tensors, metadata));
  for (const [name, body] of tokenizerToFiles(tokenizer)) files.set(name, text(body));
  return files;
}

/** Checks every name and shape of `source` against `model`, then reads each tensor into its parameter. */
export async function readTransformerWeights(model: Transformer, source: TensorSource): Promise<void> {
  const own = new Map(model.namedParameters());
  const fileOf = () => source.tensors.values().next().value?.file ?? MODEL_FILE;
  for (const [name, info] of source.tensors) {
    if (!own.has(name)) throw new CheckpointError(`${info.file}: unexpected tensor "${name}" for an encoder-decoder with this config.json`);
  }
  for (const [name, p] of own) {
    const info = source.tensors.get(name);
    if (!info) throw new CheckpointError(`${fileOf()}: missing tensor "${name}"`);
    if (info.dtype !== 'F32' && info.dtype !== 'F16' && info.dtype !== 'BF16') throw new CheckpointError(`${info.file}: tensor "${name}" is ${info.dtype}; weights must be F32, F16 or BF16`);
    if (info.shape.length !== p.shape.length || info.shape.some((d, i) => d !== p.shape[i])) {
      throw new CheckpointError(`${info.file}: tensor "${name}" has shape [${info.shape.join(', ')}], expected [${p.shape.join(', ')}] for this config.json`);
    }
  }
  for (const [name, p] of own) {
    const values = new Float32Array(p.size);
    await source.readInto(name, values);
    const bad = values.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new CheckpointError(`${source.tensors.get(name)!.file}: tensor "${name}" holds a non-finite value at flat index ${bad}; the weights are unusable`);
    p.assign(values);
  }
}

/** Builds the model and tokenizer of a seq2seq checkpoint given as file name -> bytes. */
export async function seq2seqCheckpointFromFiles(files: ReadonlyMap<string, Uint8Array>, options: { source?: string } = {}): Promise<Seq2SeqPretrained> {
  const dir = (options.source ?? 'checkpoint').replace(/\/+$/, '');
  const configBytes = files.get(CONFIG_FILE);
  if (configBytes === undefined) throw new CheckpointError(`${dir}/${CONFIG_FILE}: missing (a checkpoint directory holds config.json, model.safetensors and the tokenizer files)`);
  const { config, tokenizer: kind, task } = seq2seqConfigFromJson(new TextDecoder().decode(configBytes), `${dir}/${CONFIG_FILE}`);
  const tokenizer = tokenizerFromFiles((name) => {
    const bytes = files.get(name);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }, { source: dir, kind: kind as Tokenizer['kind'] });
  if (tokenizer.vocabSize !== config.srcVocabSize || tokenizer.vocabSize !== config.tgtVocabSize) {
    throw new CheckpointError(`${dir}: the tokenizer has ${tokenizer.vocabSize} ids but config.json says ${config.srcVocabSize} (source) and ${config.tgtVocabSize} (target); the files come from different runs`);
  }
  const weights = files.get(MODEL_FILE);
  if (weights === undefined) throw new CheckpointError(`${dir}/${MODEL_FILE}: missing`);
  const source = safetensorsBytesSource(weights, `${dir}/${MODEL_FILE}`);
  const model = new Transformer(config, { init: false });
  await readTransformerWeights(model, source);
  return { model, tokenizer, task, checkpointId: source.metadata[CHECKPOINT_ID_KEY] ?? null };
}
