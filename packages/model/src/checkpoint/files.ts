// A checkpoint directory as a map of file name -> bytes, with no file system:
// the CLI writes these bytes to disk, the web demo offers them as downloads and
// reads them back from an upload, and both go through the same two functions.
//
//   config.json               Hugging Face GPT2Config keys + an "attn" section (hf-config.ts)
//   model.safetensors         the weights in HF GPT-2 names (../gpt/weights.ts), or shards +
//                             model.safetensors.index.json when reading a Hub checkpoint
//   vocab.json + merges.txt   a byte-level BPE tokenizer (GPT-2's files), with
//   tokenizer_config.json     and special_tokens_map.json so GPT2TokenizerFast.from_pretrained works;
//   attn-tokenizer.json       or attn's own character / word tokenizer
//
// Inference needs only these. training-state.safetensors (written by @attn/train,
// always last) holds what continuing a run needs; it names the save it belongs
// to by the checkpoint id also written into model.safetensors' metadata.
import { type Tokenizer, tokenizerFromFiles, tokenizerToFiles } from '@attn/tokenizer';
import { CheckpointError } from '../errors.js';
import { GPT } from '../gpt/gpt.js';
import { gptCheckpointTensors, readGptWeightsSync } from '../gpt/weights.js';
import { serializeSafetensors } from '../safetensors/format.js';
import { parseShardIndex } from '../safetensors/sharded.js';
import { safetensorsBytesSource, shardedTensorSource, type TensorSource } from '../safetensors/tensor-source.js';
import { SHARDED_INDEX_NAME as SHARD_INDEX_FILE } from '../safetensors/weights-files.js';
import { type CheckpointConfig, CONFIG_FILE, gptConfigFromHf, gptConfigToHf } from './hf-config.js';

export const MODEL_FILE = 'model.safetensors';
/** PyTorch's pickled weights: recognised only to say they must be converted. */
export const PYTORCH_FILE = 'pytorch_model.bin';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
export const SPECIAL_TOKENS_FILE = 'special_tokens_map.json';
/** Metadata key of model.safetensors that names the save (see @attn/train's training state). */
export const CHECKPOINT_ID_KEY = 'attn_checkpoint_id';
/** GPT-2's end-of-text token: bos, eos and unk of Hugging Face's GPT-2 tokenizers. */
const END_OF_TEXT = '<|endoftext|>';

export interface CheckpointContents {
  model: GPT;
  tokenizer: Tokenizer;
  /** Written into model.safetensors' metadata so a training state can be matched to these weights. */
  checkpointId?: string;
}

/** What a loaded checkpoint holds. */
export interface Pretrained {
  model: GPT;
  tokenizer: Tokenizer;
  /** config.json in attn's terms, and the raw JSON. */
  config: CheckpointConfig;
  /** The id of the save (model.safetensors' attn_checkpoint_id), or null for checkpoints not written by attn. */
  checkpointId: string | null;
}

const text = (s: string) => new TextEncoder().encode(s);

/** A fresh id for one save: random, so two saves never share it. */
export function newCheckpointId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The inference files of a checkpoint directory, in the order they should be written. */
export function checkpointToFiles(contents: CheckpointContents): Map<string, Uint8Array> {
  const { model, tokenizer } = contents;
  if (tokenizer.vocabSize !== model.vocabSize) {
    throw new CheckpointError(`checkpoint: the tokenizer has ${tokenizer.vocabSize} ids but the model's vocabulary is ${model.vocabSize}; they must match`);
  }
  refuseNonFinite(model);
  const endOfText = tokenizer.kind === 'byte-bpe' ? specialId(tokenizer, END_OF_TEXT) : undefined;
  const files = new Map<string, Uint8Array>();
  files.set(CONFIG_FILE, text(`${JSON.stringify(gptConfigToHf(model.config, tokenizer.kind, endOfText), null, 2)}\n`));
  const metadata: Record<string, string> = { format: 'pt' };
  if (contents.checkpointId !== undefined) metadata[CHECKPOINT_ID_KEY] = contents.checkpointId;
  files.set(MODEL_FILE, serializeSafetensors(gptCheckpointTensors(model), metadata));
  for (const [name, body] of tokenizerToFiles(tokenizer)) files.set(name, text(body));
  if (tokenizer.kind === 'byte-bpe') for (const [name, bytes] of hfTokenizerFiles(tokenizer, model.blockSize)) files.set(name, bytes);
  return files;
}

/**
 * tokenizer_config.json and special_tokens_map.json for a byte-level BPE, so that
 * `GPT2TokenizerFast.from_pretrained(dir)` (and AutoTokenizer) load vocab.json + merges.txt
 * unchanged. GPT2Tokenizer's defaults make "<|endoftext|>" the bos, eos and unk token: a
 * vocabulary that has it names it; one that has not sets them to null explicitly, or
 * transformers would append "<|endoftext|>" as a new id past the model's embedding.
 */
export function hfTokenizerFiles(tokenizer: Tokenizer, modelMaxLength: number): Map<string, Uint8Array> {
  const eot = specialId(tokenizer, END_OF_TEXT) === undefined ? null : END_OF_TEXT;
  const specials = { bos_token: eot, eos_token: eot, unk_token: eot };
  const config = { tokenizer_class: 'GPT2Tokenizer', model_max_length: modelMaxLength, add_prefix_space: false, add_bos_token: false, ...specials };
  return new Map([
    [TOKENIZER_CONFIG_FILE, text(`${JSON.stringify(config, null, 2)}\n`)],
    [SPECIAL_TOKENS_FILE, text(`${JSON.stringify(eot ? specials : {}, null, 2)}\n`)],
  ]);
}

function specialId(tokenizer: Tokenizer, token: string): number | undefined {
  const specials = (tokenizer as { specialTokens?: ReadonlyMap<string, number> }).specialTokens;
  return specials?.get(token);
}

/** A save must always load again: refuse weights holding NaN or Infinity, naming where. */
function refuseNonFinite(model: GPT): void {
  for (const [name, p] of model.namedParameters()) {
    const values = p.dataSync();
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new CheckpointError(`checkpoint: parameter "${name}" holds a non-finite value (${values[i]} at flat index ${i}); refusing to save weights that cannot be used`);
      }
    }
  }
}

/** The weights of a checkpoint directory as one TensorSource: model.safetensors, or the shards its index names. */
export function checkpointTensorSource(read: (name: string) => Uint8Array | undefined, dir: string): TensorSource {
  const path = (name: string) => `${dir.replace(/\/+$/, '')}/${name}`;
  const single = read(MODEL_FILE);
  if (single !== undefined) return safetensorsBytesSource(single, path(MODEL_FILE));
  const index = read(SHARD_INDEX_FILE);
  if (index !== undefined) {
    const { weightMap } = parseShardIndex(new TextDecoder().decode(index), path(SHARD_INDEX_FILE));
    const shards = new Map<string, TensorSource>();
    for (const shard of new Set(weightMap.values())) {
      const bytes = read(shard);
      if (bytes === undefined) throw new CheckpointError(`${path(shard)}: missing (named by ${path(SHARD_INDEX_FILE)})`);
      shards.set(shard, safetensorsBytesSource(bytes, path(shard)));
    }
    return shardedTensorSource(weightMap, shards, path(SHARD_INDEX_FILE));
  }
  if (read(PYTORCH_FILE) !== undefined) {
    throw new CheckpointError(`${path(PYTORCH_FILE)}: PyTorch pickles are not read; convert the checkpoint to safetensors (model.safetensors)`);
  }
  throw new CheckpointError(`${path(MODEL_FILE)}: missing (a checkpoint directory holds config.json, model.safetensors and the tokenizer files)`);
}

/** Builds the model and tokenizer of a checkpoint directory given as file name -> bytes. */
export function checkpointFromFiles(files: ReadonlyMap<string, Uint8Array>, options: { source?: string } = {}): Pretrained {
  const dir = options.source ?? 'checkpoint';
  const read = (name: string) => files.get(name);
  const configBytes = read(CONFIG_FILE);
  if (configBytes === undefined) throw new CheckpointError(`${dir}/${CONFIG_FILE}: missing (a checkpoint directory holds config.json, model.safetensors and the tokenizer files)`);
  const config = gptConfigFromHf(new TextDecoder().decode(configBytes), `${dir}/${CONFIG_FILE}`);
  const tokenizer = tokenizerFromFiles((name) => {
    const bytes = read(name);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }, { source: dir, kind: config.tokenizer });
  checkVocabulary(config, tokenizer, dir);
  const source = checkpointTensorSource(read, dir);
  const model = new GPT(config.gpt, { init: false });
  readGptWeightsSync(model, source, `${dir}/${CONFIG_FILE}'s ${describeShape(config)}`);
  return { model, tokenizer, config, checkpointId: source.metadata[CHECKPOINT_ID_KEY] ?? null };
}

/** attn's own checkpoints have exactly one id per token; a Hub model may pad its vocabulary past the tokenizer's. */
export function checkVocabulary(config: CheckpointConfig, tokenizer: Tokenizer, dir: string): void {
  const own = config.tokenizer !== undefined;
  const { vocabSize } = config.gpt;
  if (own ? tokenizer.vocabSize !== vocabSize : tokenizer.vocabSize > vocabSize) {
    throw new CheckpointError(
      `${dir}: the model's vocabulary is ${vocabSize} tokens (config.json) but the tokenizer has ${tokenizer.vocabSize}; the files come from different runs`,
    );
  }
}

export function describeShape(config: CheckpointConfig): string {
  const g = config.gpt;
  return `${g.nLayer}-layer, ${g.nHead}-head, ${g.nEmbd}-wide GPT (vocab ${g.vocabSize}, context ${g.blockSize}${g.bias ? '' : ', no biases'})`;
}
