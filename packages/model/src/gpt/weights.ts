// GPT weights <-> checkpoint tensors in Hugging Face GPT-2 names. The list of
// tensors comes from the module tree (namedParameters, and the Linear and
// LayerNorm modules that have no bias), never from a hand-written table.
//
// Written: every parameter under its path (transformer.wte.weight,
// transformer.h.0.attn.c_attn.weight [in, out], ...), plus zero biases where the
// model has none (nanoGPT's bias=false), so GPT-2 loaders accept the file. No
// lm_head.weight: the head is tied to wte (Hugging Face's own safetensors files
// drop it too).
//
// Read (from any TensorSource): names with or without the "transformer." prefix;
// the causal-mask buffers h.N.attn.bias / h.N.attn.masked_bias ignored;
// lm_head.weight absent, or present and equal to wte; F32, F16 or BF16. The
// header is checked against the model before any tensor is read, then tensors are
// read one at a time straight into the parameters; a non-finite value is refused,
// naming the tensor and where it is.
import type { Tensor } from '@attn/tensor';
import { LayerNorm, Linear, type Module } from '@attn/layers';
import { CheckpointError } from '../errors.js';
import type { SafetensorsDType, SafetensorsInput } from '../safetensors/format.js';
import type { TensorInfo, TensorSource } from '../safetensors/tensor-source.js';
import type { GPT } from './gpt.js';

/** The checkpoint's tensors of `model`, in module order: parameters, and zero biases where a Linear or LayerNorm has none. */
export function gptCheckpointTensors(model: GPT, dtype: SafetensorsDType = 'F32'): Map<string, SafetensorsInput> {
  const out = new Map<string, SafetensorsInput>();
  for (const [name, p] of checkpointEntries(model)) {
    out.set(name, { shape: p === null ? biasShape(model, name) : p.shape, data: p === null ? new Float32Array(sizeOf(biasShape(model, name))) : p.dataSync(), dtype });
  }
  return out;
}

/**
 * [name, parameter] for every tensor a checkpoint of `model` holds, in module order; the parameter is
 * null for the zero bias written in place of a bias the model does not have.
 */
function checkpointEntries(model: GPT): Array<[string, Tensor | null]> {
  const out: Array<[string, Tensor | null]> = [];
  const params = new Map(model.namedParameters());
  const visit = (module: Module, prefix: string) => {
    for (const [name, p] of params) {
      if (name.startsWith(prefix) && !name.slice(prefix.length).includes('.')) out.push([name, p]);
    }
    if ((module instanceof Linear || module instanceof LayerNorm) && !module.hasBias) out.push([`${prefix}bias`, null]);
    for (const [name, child] of module.namedChildren()) visit(child, `${prefix}${name}.`);
  };
  visit(model, '');
  return out;
}

function biasShape(model: GPT, biasName: string): number[] {
  const weight = model.getParameter(biasName.replace(/bias$/, 'weight'));
  return [weight.shape[weight.ndim - 1]]; // Linear [in, out] -> [out]; LayerNorm [C] -> [C]
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The file's tensor names by canonical name (with the "transformer." prefix); buffers and lm_head left out. */
export function canonicalNames(source: TensorSource): { names: Map<string, string>; lmHead: string | null } {
  const names = new Map<string, string>();
  let lmHead: string | null = null;
  for (const name of source.tensors.keys()) {
    if (/(^|\.)attn\.(masked_)?bias$/.test(name)) continue; // HF's causal-mask buffers, not parameters
    if (name === 'lm_head.weight') {
      lmHead = name;
      continue;
    }
    names.set(name.startsWith('transformer.') ? name : `transformer.${name}`, name);
  }
  return { names, lmHead };
}

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16']);

/** One tensor to read: into a parameter, or a zero bias / tied head to check. */
interface ReadStep {
  stored: string;
  info: TensorInfo;
  target: Tensor | 'zero-bias' | 'tied-head';
}

const shapeStr = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Checks every name, dtype and shape of `source` against `model` (nothing is read yet) and returns
 * the reads to do. `describe` says which model the shapes are for, in errors.
 */
function planReads(model: GPT, source: TensorSource, describe: string): ReadStep[] {
  const { names, lmHead } = canonicalNames(source);
  const entries = checkpointEntries(model);
  const expected = new Set(entries.map(([name]) => name));
  const unexpected = [...names.keys()].filter((n) => !expected.has(n)).map((n) => names.get(n)!);
  const fileOf = (stored: string) => source.tensors.get(stored)!.file;
  if (unexpected.length > 0) {
    const shown = unexpected.slice(0, 5).join(', ') + (unexpected.length > 5 ? `, ... (${unexpected.length} in all)` : '');
    throw new CheckpointError(`${fileOf(unexpected[0])}: unexpected tensor${unexpected.length > 1 ? 's' : ''} ${shown} for ${describe}`);
  }
  const steps: ReadStep[] = [];
  const check = (stored: string, shape: readonly number[]) => {
    const info = source.tensors.get(stored)!;
    if (!FLOAT_DTYPES.has(info.dtype)) throw new CheckpointError(`${info.file}: tensor "${stored}" is ${info.dtype}; weights must be F32, F16 or BF16`);
    if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(`${info.file}: tensor "${stored}" has shape ${shapeStr(info.shape)}, expected ${shapeStr(shape)} for ${describe}`);
    }
    return info;
  };
  for (const [name, param] of entries) {
    const stored = names.get(name);
    if (stored === undefined) {
      if (param === null) continue; // a bias-free model may come without the zero biases
      const file = source.tensors.values().next().value?.file ?? 'the checkpoint';
      throw new CheckpointError(`${file}: missing tensor "${name}" for ${describe}`);
    }
    const info = check(stored, param === null ? biasShape(model, name) : param.shape);
    steps.push({ stored, info, target: param ?? 'zero-bias' });
  }
  if (lmHead !== null) {
    const wte = model.getParameter('transformer.wte.weight');
    steps.push({ stored: lmHead, info: check(lmHead, wte.shape), target: 'tied-head' });
  }
  return steps;
}

/** Throws naming the tensor and the position of its first non-finite value, if it has any. */
function checkFinite(values: Float32Array, stored: string, info: TensorInfo): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad === 0) return;
  const index: number[] = [];
  let rest = first;
  for (let d = info.shape.length - 1; d >= 0; d--) {
    index.unshift(rest % info.shape[d]);
    rest = Math.floor(rest / info.shape[d]);
  }
  throw new CheckpointError(
    `${info.file}: tensor "${stored}" holds ${bad} non-finite value${bad > 1 ? 's' : ''} (the first, ${values[first]}, at [${index.join(', ')}]); the weights are unusable`,
  );
}

/** Applies one read: a parameter takes the values, a zero bias must be zero, a tied head must equal wte. */
function apply(model: GPT, step: ReadStep, values: Float32Array): void {
  checkFinite(values, step.stored, step.info);
  if (step.target === 'zero-bias') {
    if (values.some((x) => x !== 0)) throw new CheckpointError(`${step.info.file}: the model has no biases (attn.bias false) but tensor "${step.stored}" is non-zero`);
  } else if (step.target === 'tied-head') {
    const wte = model.getParameter('transformer.wte.weight').dataSync();
    if (values.some((x, i) => x !== wte[i])) {
      throw new CheckpointError(`${step.info.file}: lm_head.weight differs from transformer.wte.weight; only tied embeddings are supported`);
    }
  } else {
    step.target.assign(values);
  }
}

/** How far a weight load has come (after each tensor). */
export interface WeightsProgress {
  /** Tensors read so far, and in all. */
  tensors: number;
  totalTensors: number;
  /** Stored bytes read so far, and in all (F16/BF16 tensors count 2 bytes per value). */
  bytes: number;
  totalBytes: number;
  /** The tensor just read, as the file names it, and its stored dtype (F32, F16, BF16). */
  name: string;
  dtype: string;
}

const STORED_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

/**
 * Reads a checkpoint's weights into `model` (built with init: false), one tensor at a time;
 * `onProgress` is called after each (a loader's progress bar).
 */
export async function readGptWeights(model: GPT, source: TensorSource, describe: string, onProgress?: (progress: WeightsProgress) => void): Promise<void> {
  const steps = planReads(model, source, describe);
  const storedBytes = (step: ReadStep) => sizeOf(step.info.shape) * (STORED_BYTES[step.info.dtype] ?? 4);
  const totalBytes = steps.reduce((sum, step) => sum + storedBytes(step), 0);
  let bytes = 0;
  for (const [i, step] of steps.entries()) {
    const values = new Float32Array(sizeOf(step.info.shape));
    await source.readInto(step.stored, values);
    apply(model, step, values);
    bytes += storedBytes(step);
    onProgress?.({ tensors: i + 1, totalTensors: steps.length, bytes, totalBytes, name: step.stored, dtype: step.info.dtype });
  }
}

/** readGptWeights for a source whose reads are synchronous (bytes in memory). */
export function readGptWeightsSync(model: GPT, source: TensorSource, describe: string): void {
  for (const step of planReads(model, source, describe)) {
    const values = new Float32Array(sizeOf(step.info.shape));
    const pending = source.readInto(step.stored, values);
    if (pending instanceof Promise) throw new CheckpointError(`${step.info.file}: this source reads asynchronously; use the async loader`);
    apply(model, step, values);
  }
}
