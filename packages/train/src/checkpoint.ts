// Training checkpoints: model weights, optimiser moments and the loop's position
// in one safetensors file, written atomically (temp file + rename) by @attn/model,
// so a crash mid-write leaves the previous checkpoint intact.
import { loadSafetensorsFile, saveSafetensorsFile, type SafetensorsInput } from '@attn/model';
import { Rng, type RngState } from '@attn/tensor';
import type { Optimizer } from './optimizer.js';
import type { NamedParameter } from './param-groups.js';

/** Where the loop stood when the checkpoint was written. */
export interface TrainingPosition {
  /** Optimiser steps completed. */
  step: number;
  /** Best mean validation loss seen so far (Infinity before the first evaluation). */
  bestValLoss: number;
}

const MODEL = 'model.';
const OPTIM = 'optim.';

/** Writes parameters, optimiser state, position and (if given) the dropout generator's state to `path` atomically. */
export async function saveTrainingCheckpoint(
  path: string,
  params: readonly NamedParameter[],
  optimizer: Optimizer,
  position: TrainingPosition,
  rng?: Rng,
): Promise<void> {
  const tensors = new Map<string, SafetensorsInput>();
  for (const [name, p] of params) tensors.set(MODEL + name, { shape: p.shape, data: Float32Array.from(p.dataSync()) });
  const byName = new Map(params.map(([name, p]) => [name, p]));
  for (const [key, values] of optimizer.stateDict()) {
    const paramName = key.slice(key.indexOf('.') + 1);
    tensors.set(OPTIM + key, { shape: byName.get(paramName)?.shape ?? [values.length], data: values });
  }
  await saveSafetensorsFile(path, tensors, {
    format: 'attn-train',
    step: String(position.step),
    optimizerSteps: String(optimizer.stepCount),
    bestValLoss: String(position.bestValLoss),
    ...(rng ? { rng: JSON.stringify(rng.getState()) } : {}),
  });
}

/**
 * Reads a checkpoint into `params`, `optimizer` and (when both the file and the
 * caller have one) the dropout generator, validating every name and size first,
 * and returns the position.
 */
export async function loadTrainingCheckpoint(
  path: string,
  params: readonly NamedParameter[],
  optimizer: Optimizer,
  rng?: Rng,
): Promise<TrainingPosition> {
  const file = await loadSafetensorsFile(path);
  const meta = file.metadata;
  if (meta.format !== 'attn-train') throw new Error(`resume: ${path} is not an @attn/train checkpoint (metadata format is ${JSON.stringify(meta.format)})`);
  const step = Number(meta.step);
  const optimizerSteps = Number(meta.optimizerSteps);
  if (!Number.isInteger(step) || step < 0 || !Number.isInteger(optimizerSteps)) {
    throw new Error(`resume: ${path} has a bad step in its metadata (${JSON.stringify(meta.step)})`);
  }
  // Validate everything before touching the model.
  for (const [name, p] of params) {
    const t = file.tensors.get(MODEL + name);
    if (!t) throw new Error(`resume: ${path} has no tensor "${MODEL + name}"`);
    if (t.data.length !== p.size) throw new Error(`resume: ${path} tensor "${MODEL + name}" has ${t.data.length} values, the model expects ${p.size}`);
  }
  let rngState: RngState | null = null;
  if (rng && meta.rng !== undefined) {
    try {
      rngState = JSON.parse(meta.rng) as RngState;
      new Rng(0).setState(rngState); // validates it on a scratch generator: the live one changes only after every check
    } catch (err) {
      throw new Error(`resume: ${path} has a bad generator state in its metadata: ${(err as Error).message}`);
    }
  }
  const state = new Map<string, ArrayLike<number>>();
  for (const [key, t] of file.tensors) if (key.startsWith(OPTIM)) state.set(key.slice(OPTIM.length), t.data);
  optimizer.loadStateDict(state, optimizerSteps);
  for (const [name, p] of params) p.assign(file.tensors.get(MODEL + name)?.data as Float32Array);
  if (rng && rngState) rng.setState(rngState);
  return { step, bestValLoss: Number(meta.bestValLoss) };
}
