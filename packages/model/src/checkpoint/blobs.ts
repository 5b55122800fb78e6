// A checkpoint directory from Blobs (in a browser: the File objects of a picked or
// dropped directory, or of files unpacked from a zip), read without a file system
// and without ever holding the weights file in memory: config.json and the tokenizer
// files are read as text (they are small), then model.safetensors (or the shards its
// index names) is streamed through the Blob reader, one tensor at a time straight
// into a GPT built with `init: false` (a large tensor piece by piece, see readGptWeights).
// GPT-2 small (~500 MB) thus loads with the model's own float32 storage plus a 4 MiB piece
// buffer and a 1 MiB read scratch, not a second copy of the file.
//
// checkpointFromFiles (./files.ts) is the synchronous twin for bytes already in memory;
// loadPretrained (./node.ts) the Node twin for a directory on disk. All three check the
// same things in the same order and name the file in every error.
import { type Tokenizer, tokenizerFromFiles } from '@attn/tokenizer';
import { CheckpointError } from '../errors.js';
import { GPT } from '../gpt/gpt.js';
import { readGptWeights, type WeightsProgress } from '../gpt/weights.js';
import { DEFAULT_BLOB_CHUNK_BYTES } from '../safetensors/byte-source.js';
import { openSafetensorsWeightsFromBlobs } from '../safetensors/blob-source.js';
import { missingWeightsMessage, SAFETENSORS_WEIGHTS_NAME, SHARDED_INDEX_NAME } from '../safetensors/weights-files.js';
import { CHECKPOINT_ID_KEY, checkVocabulary, describeShape, type Pretrained } from './files.js';
import { CONFIG_FILE, gptConfigFromHf } from './hf-config.js';

/** The tokenizer files a checkpoint may hold, in the order tokenizerFromFiles looks for them. */
const TOKENIZER_FILES = ['attn-tokenizer.json', 'vocab.json', 'merges.txt'] as const;
/** A Hugging Face fast tokenizer: read only when none of the above is there (GPT-2's is 1.3 MB). */
const HF_TOKENIZER_FILE = 'tokenizer.json';

export interface CheckpointFromBlobsOptions {
  /** Names the directory in errors (default "checkpoint"). */
  source?: string;
  /** Largest slice of a weights file read at once (default 16 MiB). */
  chunkBytes?: number;
  /** Called after each tensor is read (for a progress bar). */
  onProgress?: (progress: WeightsProgress) => void;
}

/** A Blob's text, or a CheckpointError naming the file when the browser cannot read it. */
async function textOf(blob: Blob, file: string): Promise<string> {
  try {
    return await blob.text();
  } catch (err) {
    throw new CheckpointError(`${file}: cannot read (${(err as Error).message}); was it changed or removed after it was picked?`);
  }
}

/**
 * Builds the model and tokenizer of a checkpoint directory given as file name -> Blob (attn's
 * own checkpoints and Hugging Face GPT-2 directories: config.json, model.safetensors or shards
 * with model.safetensors.index.json, and attn-tokenizer.json or vocab.json + merges.txt or
 * tokenizer.json). Other files are ignored. Everything is checked (config, tokenizer, every
 * tensor's name, dtype and shape) before a weight is read.
 */
export async function checkpointFromBlobs(files: ReadonlyMap<string, Blob>, options: CheckpointFromBlobsOptions = {}): Promise<Pretrained> {
  const dir = (options.source ?? 'checkpoint').replace(/\/+$/, '');
  const path = (name: string) => `${dir}/${name}`;
  const configBlob = files.get(CONFIG_FILE);
  if (!configBlob) throw new CheckpointError(`${path(CONFIG_FILE)}: missing (a checkpoint directory holds config.json, model.safetensors and the tokenizer files)`);
  const config = gptConfigFromHf(await textOf(configBlob, path(CONFIG_FILE)), path(CONFIG_FILE));

  const texts = new Map<string, string>();
  for (const name of TOKENIZER_FILES) {
    const blob = files.get(name);
    if (blob) texts.set(name, await textOf(blob, path(name)));
  }
  const hf = files.get(HF_TOKENIZER_FILE);
  if (texts.size === 0 && hf) texts.set(HF_TOKENIZER_FILE, await textOf(hf, path(HF_TOKENIZER_FILE)));
  const tokenizer: Tokenizer = tokenizerFromFiles((name) => texts.get(name), { source: dir, kind: config.tokenizer });
  checkVocabulary(config, tokenizer, dir);

  if (!files.has(SAFETENSORS_WEIGHTS_NAME) && !files.has(SHARDED_INDEX_NAME)) {
    throw new CheckpointError(`${path(SAFETENSORS_WEIGHTS_NAME)}: missing; ${missingWeightsMessage(new Set(files.keys()))}`);
  }
  const weights = await openSafetensorsWeightsFromBlobs(files, { chunkBytes: options.chunkBytes ?? DEFAULT_BLOB_CHUNK_BYTES });
  const model = new GPT(config.gpt, { init: false });
  try {
    await readGptWeights(model, weights, `${path(CONFIG_FILE)}'s ${describeShape(config)}`, { onProgress: options.onProgress });
  } finally {
    await weights.close();
  }
  return { model, tokenizer, config, checkpointId: weights.metadata[CHECKPOINT_ID_KEY] ?? null };
}

