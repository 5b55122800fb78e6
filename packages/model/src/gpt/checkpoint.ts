// GPT checkpoints as safetensors, in the Hugging Face GPT-2 names and layouts.
//
// Written: transformer.wte.weight, transformer.wpe.weight, transformer.h.<i>.{ln_1, attn.c_attn,
// attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj}.{weight, bias}, transformer.ln_f.*, and lm_head.weight
// (a copy of wte: the embedding is tied), so `GPT2LMHeadModel.load_state_dict` accepts the file.
// Linear weights are in Conv1D layout [in, out], as GPT-2 stores them. The config is kept as JSON
// in the header's __metadata__.config.
//
// Read: the same names, with or without the `transformer.` prefix (the Hub's gpt2 files omit it),
// ignoring the causal-mask buffers `attn.bias` / `attn.masked_bias` older HF files carry.
import { parseSafetensors, SafetensorsError, type SafetensorsFile, type SafetensorsInput, serializeSafetensors } from '../safetensors/format.js';
import { loadSafetensorsFile, writeFileAtomic } from '../safetensors/node.js';
import { type GPTConfig, validateGPTConfig } from './config.js';
import { GPT, gptTensorShapes } from './gpt.js';

export interface SaveGPTOptions {
  /** Storage type for the weights: F32 (exact) or F16 (half the size). Default F32. */
  dtype?: 'F32' | 'F16';
  /** Extra metadata strings stored beside the config. */
  metadata?: Record<string, string>;
}

export interface LoadGPTOptions {
  /** Name for error messages (a path, say). */
  source?: string;
  /** Config to use when the file has none in its metadata (e.g. a Hub GPT-2 file); missing fields are inferred from shapes except nHead. */
  config?: Partial<GPTConfig>;
}

/** The checkpoint's tensors, HF names, biases written as zeros when the model has none (GPT-2 always has them). */
function checkpointTensors(model: GPT, dtype: 'F32' | 'F16'): Map<string, SafetensorsInput> {
  const withBias = validateGPTConfig({ ...model.config, bias: true });
  const own = new Map(model.namedParameters());
  const out = new Map<string, SafetensorsInput>();
  for (const [name, shape] of gptTensorShapes(withBias)) {
    const p = own.get(name);
    const data = p ? p.dataSync() : new Float32Array(shape.reduce((a, b) => a * b, 1));
    out.set(name, { shape, data, dtype });
  }
  out.set('lm_head.weight', { shape: [model.config.vocabSize, model.config.nEmbd], data: model.getParameter('transformer.wte.weight').dataSync(), dtype });
  return out;
}

/** Serialises a GPT to safetensors bytes. */
export function gptToSafetensors(model: GPT, options: SaveGPTOptions = {}): Uint8Array {
  const metadata = { ...options.metadata, format: 'pt', architecture: 'gpt2', config: JSON.stringify(model.config) };
  return serializeSafetensors(checkpointTensors(model, options.dtype ?? 'F32'), metadata);
}

/** Writes a GPT checkpoint atomically (temporary file, fsync, rename). */
export async function saveGPT(model: GPT, path: string, options: SaveGPTOptions = {}): Promise<void> {
  await writeFileAtomic(path, gptToSafetensors(model, options));
}

function configFrom(file: SafetensorsFile, source: string, override: Partial<GPTConfig> | undefined, names: Map<string, string>): GPTConfig {
  let stored: Partial<GPTConfig> = {};
  if (file.metadata.config !== undefined) {
    try {
      stored = JSON.parse(file.metadata.config);
    } catch {
      throw new SafetensorsError(source, '__metadata__.config is not valid JSON');
    }
  }
  // Infer what the shapes tell us: V and C from wte, blockSize from wpe, nLayer from the block indices.
  const inferred: Partial<GPTConfig> = {};
  const wte = names.get('transformer.wte.weight');
  const wpe = names.get('transformer.wpe.weight');
  if (wte) [inferred.vocabSize, inferred.nEmbd] = file.tensors.get(wte)!.shape;
  if (wpe) inferred.blockSize = file.tensors.get(wpe)!.shape[0];
  let layers = 0;
  for (const name of names.keys()) {
    const m = /^transformer\.h\.(\d+)\./.exec(name);
    if (m) layers = Math.max(layers, Number(m[1]) + 1);
  }
  inferred.nLayer = layers;
  const merged = { ...inferred, ...stored, ...override };
  if (merged.nHead === undefined) {
    throw new SafetensorsError(source, 'the file has no config in its metadata; pass options.config with at least nHead');
  }
  try {
    return validateGPTConfig(merged);
  } catch (err) {
    throw new SafetensorsError(source, (err as Error).message);
  }
}

/** Builds a GPT from a parsed safetensors file after checking every name and shape. */
export function gptFromSafetensorsFile(file: SafetensorsFile, options: LoadGPTOptions = {}): GPT {
  const source = options.source ?? '<bytes>';
  const arch = file.metadata.architecture;
  if (arch !== undefined && arch !== 'gpt2') {
    throw new SafetensorsError(source, `checkpoint is for architecture "${arch}", not a GPT (gpt2)`);
  }
  // Canonical name (with the transformer. prefix) -> name in the file.
  const names = new Map<string, string>();
  const unexpected: string[] = [];
  for (const name of file.tensors.keys()) {
    if (/(^|\.)attn\.(masked_)?bias$/.test(name)) continue; // HF's causal-mask buffers, not parameters
    if (name === 'lm_head.weight') continue;
    const canonical = name.startsWith('transformer.') ? name : `transformer.${name}`;
    names.set(canonical, name);
  }
  const config = configFrom(file, source, options.config, names);
  const expected = gptTensorShapes(validateGPTConfig({ ...config, bias: true }));
  for (const canonical of names.keys()) if (!expected.has(canonical)) unexpected.push(names.get(canonical)!);
  if (unexpected.length > 0) {
    const shown = unexpected.slice(0, 5).join(', ') + (unexpected.length > 5 ? `, ... (${unexpected.length} in all)` : '');
    throw new SafetensorsError(source, `not a GPT-2 checkpoint for this config: unexpected tensors ${shown}`);
  }
  for (const [canonical, shape] of expected) {
    const isBias = canonical.endsWith('.bias');
    const stored = names.get(canonical);
    if (stored === undefined) {
      if (isBias && !config.bias) continue;
      throw new SafetensorsError(source, `missing tensor "${canonical}" for a GPT with config ${JSON.stringify(config)}`);
    }
    const t = file.tensors.get(stored)!;
    if (t.dtype === 'I32') throw new SafetensorsError(source, `tensor "${stored}" is I32; weights must be F32 or F16`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new SafetensorsError(source, `tensor "${stored}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] for config ${JSON.stringify(config)}`);
    }
    if (isBias && !config.bias && t.data.some((x) => x !== 0)) {
      throw new SafetensorsError(source, `config has bias: false but tensor "${stored}" is non-zero`);
    }
  }
  const head = file.tensors.get('lm_head.weight');
  if (head) {
    const wte = file.tensors.get(names.get('transformer.wte.weight')!)!;
    if (head.data.length !== wte.data.length || head.data.some((x, i) => x !== wte.data[i])) {
      throw new SafetensorsError(source, 'lm_head.weight differs from transformer.wte.weight; only tied embeddings are supported');
    }
  }
  // Everything checked: build the model and overwrite its fresh parameters with the stored ones.
  const model = new GPT(config);
  for (const [name, p] of model.namedParameters()) p.assign(file.tensors.get(names.get(name)!)!.data);
  return model;
}

/** Builds a GPT from safetensors bytes (validated first; nothing is built from a bad file). */
export function gptFromSafetensors(bytes: Uint8Array | ArrayBuffer, options: LoadGPTOptions = {}): GPT {
  return gptFromSafetensorsFile(parseSafetensors(bytes, { source: options.source }), options);
}

/** Loads a GPT checkpoint file. */
export async function loadGPT(path: string, options: Omit<LoadGPTOptions, 'source'> = {}): Promise<GPT> {
  return gptFromSafetensorsFile(await loadSafetensorsFile(path), { ...options, source: path });
}
