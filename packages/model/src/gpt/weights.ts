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
// read one at a time into the parameters, a large one piece by piece through one
// small buffer (no allocation the size of a tensor); a non-finite value is
// refused, naming the tensor and where it is.
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
      const file = source.source ?? source.tensors.values().next().value?.file ?? 'the checkpoint';
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

/** Float32 values copied per piece: a tensor larger than this goes into its parameter through a buffer this size (4 MiB). */
export const READ_PIECE_ELEMENTS = 2 ** 20;

/** Non-finite values seen so far in one tensor: how many, and the first (flat index and value). */
interface NonFinite {
  count: number;
  index: number;
  value: number;
}

/** Counts the non-finite values of `values`, elements [offset, ...) of a tensor, into `seen`. */
function countNonFinite(values: Float32Array, offset: number, seen: NonFinite): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      if (seen.count === 0) {
        seen.index = offset + i;
        seen.value = values[i];
      }
      seen.count++;
    }
  }
}

/** Throws naming the tensor and the position of its first non-finite value, if it had any. */
function refuseNonFinite(seen: NonFinite, stored: string, info: TensorInfo): void {
  if (seen.count === 0) return;
  const index: number[] = [];
  let rest = seen.index;
  for (let d = info.shape.length - 1; d >= 0; d--) {
    index.unshift(rest % info.shape[d]);
    rest = Math.floor(rest / info.shape[d]);
  }
  const n = seen.count;
  throw new CheckpointError(
    `${info.file}: tensor "${stored}" holds ${n} non-finite value${n > 1 ? 's' : ''} (the first, ${seen.value}, at [${index.join(', ')}]); the weights are unusable`,
  );
}

/** One read the loader asks its source for: elements [start, start + into.length) of a tensor, or all of it. */
interface PieceRead {
  stored: string;
  start: number;
  into: Float32Array;
  /** The whole tensor (readInto) rather than a range (readRange). */
  whole: boolean;
}

/**
 * The reads that fill `model` from `source`, one at a time: the caller performs each (sync or async)
 * and resumes the generator, which then puts the values in place. The header is checked against the
 * model first (planReads). Every read lands in one buffer of at most READ_PIECE_ELEMENTS floats;
 * a larger tensor is copied into its parameter piece by piece (Tensor.assignAt) where the parameter
 * lives in host memory and the source reads ranges, so no buffer the size of a tensor is allocated.
 * Elsewhere (a device backend) the tensor is read whole and assigned.
 */
function* weightReads(model: GPT, source: TensorSource, describe: string, options: ReadWeightsOptions): Generator<PieceRead, void, void> {
  const steps = planReads(model, source, describe);
  const largest = steps.reduce((m, step) => Math.max(m, sizeOf(step.info.shape)), 0);
  const pieceElements = options.pieceElements ?? READ_PIECE_ELEMENTS;
  if (!Number.isInteger(pieceElements) || pieceElements < 1) throw new RangeError(`readGptWeights: pieceElements must be a positive integer, got ${pieceElements}`);
  const buffer = new Float32Array(Math.min(largest, pieceElements));
  let wte: Float32Array | undefined; // the tied head is compared with it
  const storedBytes = (step: ReadStep) => sizeOf(step.info.shape) * (STORED_BYTES[step.info.dtype] ?? 4);
  const totalBytes = steps.reduce((sum, step) => sum + storedBytes(step), 0);
  let bytes = 0;
  const done = (i: number, step: ReadStep) => {
    bytes += storedBytes(step);
    options.onProgress?.({ tensors: i + 1, totalTensors: steps.length, bytes, totalBytes, name: step.stored, dtype: step.info.dtype });
  };
  for (const [i, step] of steps.entries()) {
    const size = sizeOf(step.info.shape);
    const seen: NonFinite = { count: 0, index: -1, value: 0 };
    const { target } = step;
    const piecewise = size > buffer.length && source.readRange !== undefined && (typeof target === 'string' || target.writableInPlace);
    if (!piecewise) {
      const into = size <= buffer.length ? buffer.subarray(0, size) : new Float32Array(size);
      yield { stored: step.stored, start: 0, into, whole: true };
      countNonFinite(into, 0, seen);
      refuseNonFinite(seen, step.stored, step.info);
      if (typeof target !== 'string') target.assign(into);
      else if (target === 'zero-bias') checkZeroBias(into, step);
      else checkTiedHead(into, 0, (wte ??= model.getParameter('transformer.wte.weight').dataSync() as Float32Array), step);
      done(i, step);
      continue;
    }
    for (let start = 0; start < size; start += buffer.length) {
      const into = buffer.subarray(0, Math.min(buffer.length, size - start));
      yield { stored: step.stored, start, into, whole: false };
      countNonFinite(into, start, seen);
      if (typeof target !== 'string') target.assignAt(start, into);
      else if (target === 'zero-bias') checkZeroBias(into, step);
      else checkTiedHead(into, start, (wte ??= model.getParameter('transformer.wte.weight').dataSync() as Float32Array), step);
    }
    refuseNonFinite(seen, step.stored, step.info);
    done(i, step);
  }
}

/** Bytes per stored value of the float dtypes a checkpoint may hold (for progress in bytes). */
const STORED_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

/** A bias-free model (attn.bias false) stores zeros where the biases would be; anything else is an error. */
function checkZeroBias(values: Float32Array, step: ReadStep): void {
  if (values.some((x) => x !== 0)) throw new CheckpointError(`${step.info.file}: the model has no biases (attn.bias false) but tensor "${step.stored}" is non-zero`);
}

/** lm_head.weight, elements [start, ...), must equal the (already loaded) token embedding: the head is tied. */
function checkTiedHead(values: Float32Array, start: number, wte: Float32Array, step: ReadStep): void {
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== wte[start + i]) {
      throw new CheckpointError(`${step.info.file}: lm_head.weight differs from transformer.wte.weight; only tied embeddings are supported`);
    }
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

export interface ReadWeightsOptions {
  /** Floats per piece (default READ_PIECE_ELEMENTS): the size of the one read buffer. */
  pieceElements?: number;
  /** Called after each tensor (a loader's progress bar). */
  onProgress?: (progress: WeightsProgress) => void;
}

/** Reads a checkpoint's weights into `model` (built with init: false), one tensor (or piece of one) at a time. */
export async function readGptWeights(model: GPT, source: TensorSource, describe: string, options: ReadWeightsOptions = {}): Promise<void> {
  for (const read of weightReads(model, source, describe, options)) {
    await (read.whole ? source.readInto(read.stored, read.into) : source.readRange!(read.stored, read.start, read.into));
  }
}

/** readGptWeights for a source whose reads are synchronous (bytes in memory). */
export function readGptWeightsSync(model: GPT, source: TensorSource, describe: string, options: ReadWeightsOptions = {}): void {
  for (const read of weightReads(model, source, describe, options)) {
    const pending = read.whole ? source.readInto(read.stored, read.into) : source.readRange!(read.stored, read.start, read.into);
    if (pending instanceof Promise) throw new CheckpointError(`${source.source ?? read.stored}: this source reads asynchronously; use the async loader`);
  }
}
