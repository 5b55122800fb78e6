// Encoder-decoder Transformer checkpoints as safetensors: the model's own parameter
// names (src_embed.weight, encoder.layers.0.self_attn.q.weight, ...), linear weights
// [in, out], and { architecture: "transformer", config } in the header metadata.
import { parseSafetensors, SafetensorsError, type SafetensorsFile, type SafetensorsInput, serializeSafetensors } from '../safetensors/format.js';
import { loadSafetensorsFile, writeFileAtomic } from '../safetensors/node.js';
import type { TransformerConfig } from './config.js';
import { Transformer } from './transformer.js';

export interface SaveTransformerOptions {
  /** Storage type for the weights: F32 (exact) or F16 (half the size). Default F32. */
  dtype?: 'F32' | 'F16';
}

/** Serialises a Transformer to safetensors bytes. */
export function transformerToSafetensors(model: Transformer, options: SaveTransformerOptions = {}): Uint8Array {
  const tensors = new Map<string, SafetensorsInput>();
  for (const [name, p] of model.namedParameters()) tensors.set(name, { shape: p.shape, data: p.dataSync(), dtype: options.dtype ?? 'F32' });
  return serializeSafetensors(tensors, { format: 'pt', architecture: 'transformer', config: JSON.stringify(model.config) });
}

/** Builds a Transformer from a parsed file after checking the architecture, every name and every shape. */
export function transformerFromSafetensorsFile(file: SafetensorsFile, options: { source?: string } = {}): Transformer {
  const source = options.source ?? '<bytes>';
  const arch = file.metadata.architecture;
  if (arch !== 'transformer') {
    throw new SafetensorsError(source, `checkpoint is for architecture ${JSON.stringify(arch ?? '(none)')}, not an encoder-decoder Transformer`);
  }
  let config: Partial<TransformerConfig>;
  try {
    config = JSON.parse(file.metadata.config ?? '');
  } catch {
    throw new SafetensorsError(source, '__metadata__.config is missing or not valid JSON');
  }
  let model: Transformer;
  try {
    model = new Transformer(config);
  } catch (err) {
    throw new SafetensorsError(source, (err as Error).message);
  }
  const own = new Map(model.namedParameters());
  for (const name of file.tensors.keys()) {
    if (!own.has(name)) throw new SafetensorsError(source, `unexpected tensor "${name}" for a Transformer with this config`);
  }
  for (const [name, p] of own) {
    const t = file.tensors.get(name);
    if (!t) throw new SafetensorsError(source, `missing tensor "${name}"`);
    if (t.dtype === 'I32') throw new SafetensorsError(source, `tensor "${name}" is I32; weights must be F32 or F16`);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new SafetensorsError(source, `tensor "${name}" has shape [${t.shape.join(', ')}], expected [${p.shape.join(', ')}]`);
    }
  }
  for (const [name, p] of own) p.assign(file.tensors.get(name)!.data);
  return model;
}

export function transformerFromSafetensors(bytes: Uint8Array | ArrayBuffer, options: { source?: string } = {}): Transformer {
  return transformerFromSafetensorsFile(parseSafetensors(bytes, options), options);
}

/** Writes a Transformer checkpoint atomically. */
export async function saveTransformer(model: Transformer, path: string, options: SaveTransformerOptions = {}): Promise<void> {
  await writeFileAtomic(path, transformerToSafetensors(model, options));
}

export async function loadTransformer(path: string): Promise<Transformer> {
  return transformerFromSafetensorsFile(await loadSafetensorsFile(path), { source: path });
}
