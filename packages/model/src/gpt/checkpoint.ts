// One GPT as one safetensors file (the model.safetensors of a checkpoint
// directory; see ../checkpoint/ for the directory with config.json and the
// tokenizer). The weights are in Hugging Face GPT-2 names (see weights.ts); the
// GPT config is also kept as JSON in the header's __metadata__.config, so the
// file alone rebuilds the model. Files without it (a Hub model.safetensors) need
// the config from the caller; whatever the shapes say is inferred.
import { CheckpointError } from '../errors.js';
import { serializeSafetensors } from '../safetensors/format.js';
import { writeFileAtomic } from '../safetensors/node.js';
import { safetensorsBytesSource, type TensorSource } from '../safetensors/tensor-source.js';
import { type GPTConfig, validateGPTConfig } from './config.js';
import { GPT } from './gpt.js';
import { canonicalNames, gptCheckpointTensors, readGptWeights, readGptWeightsSync } from './weights.js';

export interface SaveGPTOptions {
  /** Storage type for the weights: F32 (exact), F16 or BF16 (half the size). Default F32. */
  dtype?: 'F32' | 'F16' | 'BF16';
  /** Extra metadata strings stored beside the config. */
  metadata?: Record<string, string>;
}

export interface LoadGPTOptions {
  /** Name for error messages (a path, say). */
  source?: string;
  /** Config to use when the file has none in its metadata (e.g. a Hub GPT-2 file); missing fields are inferred from shapes except nHead. */
  config?: Partial<GPTConfig>;
}

/** Serialises a GPT to safetensors bytes: HF GPT-2 names, metadata {format: pt, architecture: gpt2, config}. */
export function gptToSafetensors(model: GPT, options: SaveGPTOptions = {}): Uint8Array {
  const metadata = { ...options.metadata, format: 'pt', architecture: 'gpt2', config: JSON.stringify(model.config) };
  return serializeSafetensors(gptCheckpointTensors(model, options.dtype ?? 'F32'), metadata);
}

/** Writes a GPT checkpoint file atomically (temporary file, fsync, rename). */
export async function saveGPT(model: GPT, path: string, options: SaveGPTOptions = {}): Promise<void> {
  await writeFileAtomic(path, gptToSafetensors(model, options));
}

/** The GPT config of a single file: its metadata's config, the caller's, and what the shapes say. */
function configOf(source: TensorSource, file: string, override: Partial<GPTConfig> | undefined): GPTConfig {
  const arch = source.metadata.architecture;
  if (arch !== undefined && arch !== 'gpt2') throw new CheckpointError(`${file}: checkpoint is for architecture "${arch}", not a GPT (gpt2)`);
  let stored: Partial<GPTConfig> = {};
  if (source.metadata.config !== undefined) {
    try {
      stored = JSON.parse(source.metadata.config);
    } catch {
      throw new CheckpointError(`${file}: __metadata__.config is not valid JSON`);
    }
  }
  // Infer what the shapes tell us: V and C from wte, blockSize from wpe, nLayer from the block indices.
  const { names } = canonicalNames(source);
  const inferred: Partial<GPTConfig> = {};
  const wte = names.get('transformer.wte.weight');
  const wpe = names.get('transformer.wpe.weight');
  if (wte) [inferred.vocabSize, inferred.nEmbd] = source.tensors.get(wte)!.shape;
  if (wpe) inferred.blockSize = source.tensors.get(wpe)!.shape[0];
  let layers = 0;
  for (const name of names.keys()) {
    const m = /^transformer\.h\.(\d+)\./.exec(name);
    if (m) layers = Math.max(layers, Number(m[1]) + 1);
  }
  inferred.nLayer = layers;
  if (!names.has('transformer.ln_f.bias')) inferred.bias = false;
  const merged = { ...inferred, ...stored, ...override };
  if (merged.nHead === undefined) throw new CheckpointError(`${file}: the file has no config in its metadata; pass options.config with at least nHead`);
  try {
    return validateGPTConfig(merged);
  } catch (err) {
    throw new CheckpointError(`${file}: ${(err as Error).message}`);
  }
}

const describe = (config: GPTConfig) => `a GPT with config ${JSON.stringify(config)}`;

/** Builds a GPT from safetensors bytes: the header is checked against the model, then each tensor is read into it. */
export function gptFromSafetensors(bytes: Uint8Array | ArrayBuffer, options: LoadGPTOptions = {}): GPT {
  const file = options.source ?? '<bytes>';
  const source = safetensorsBytesSource(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), file);
  const config = configOf(source, file, options.config);
  const model = new GPT(config, { init: false });
  readGptWeightsSync(model, source, describe(config));
  return model;
}

/** Builds a GPT from any TensorSource (a shard set, a streaming reader); `config` as for gptFromSafetensors. */
export async function gptFromTensorSource(source: TensorSource, options: LoadGPTOptions = {}): Promise<GPT> {
  const config = configOf(source, options.source ?? '<tensors>', options.config);
  const model = new GPT(config, { init: false });
  await readGptWeights(model, source, describe(config));
  return model;
}

/** Loads a GPT checkpoint file. */
export async function loadGPT(path: string, options: Omit<LoadGPTOptions, 'source'> = {}): Promise<GPT> {
  const { readFile } = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new CheckpointError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return gptFromSafetensors(bytes, { ...options, source: path });
}

