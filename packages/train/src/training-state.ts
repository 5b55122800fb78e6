// training-state.safetensors: what continuing a run needs beyond the weights, as
// bytes (no file system here: the web demo downloads and uploads the same file).
//
//   tensors   optimizer.exp_avg.<param>, optimizer.exp_avg_sq.<param>   (AdamW's moments, F32,
//             PyTorch's state names; parameter names as in model.safetensors)
//   metadata  {"format": "attn-training-state", "state": "<JSON>"} where the JSON holds the
//             version, the checkpointId of the weights it belongs with, the step, the optimiser
//             (settings and step count), the schedule (kind, settings, position), every
//             generator's state (dropout; the data source's cursor holds the batch sampler's;
//             evaluation batches are fixed by the source's settings), the data source (kind,
//             settings, cursor), the loss and evaluation history, the best evaluation loss and
//             the trainer's settings (batch size and block size are in the source's settings).
//
// The checkpoint id is a fingerprint of the weights themselves, so the same weights saved by
// two runs give byte-identical files, and a training state written for other weights (a save
// interrupted between model.safetensors and this file) is recognised and refused.
import { CheckpointError, parseSafetensors, type SafetensorsInput, serializeSafetensors } from '@attn/model';
import type { RngState, Tensor } from '@attn/tensor';
import type { JsonValue } from './sources/batch-source.js';
import type { EvalInfo, TrainerConfig, TrainerSnapshot } from './trainer.js';

export const TRAINING_STATE_FILE = 'training-state.safetensors';
const FORMAT = 'attn-training-state';
const VERSION = 1;

/** The JSON in the metadata's "state" key. */
export interface TrainingStateJson {
  version: 1;
  /** The weights this state belongs with (model.safetensors' attn_checkpoint_id). */
  checkpointId: string;
  step: number;
  optimizer: { kind: 'adamw'; stepCount: number; betas: [number, number]; eps: number; weightDecay: number };
  schedule: { kind: 'warmup-cosine'; lr: number; warmup: number; decaySteps: number; minLr: number; position: number };
  generators: { dropout: RngState | null };
  data: { kind: string; settings: Record<string, string | number | boolean>; cursor: JsonValue };
  losses: number[];
  evals: EvalInfo[];
  /** null before the first evaluation (JSON has no Infinity). */
  bestValLoss: number | null;
  trainer: TrainerConfig;
}

/** A training state read back: the trainer's snapshot and the id of the weights it belongs with. */
export interface TrainingState {
  checkpointId: string;
  snapshot: TrainerSnapshot;
}

/** A fingerprint of named tensors' values (64 bits as 16 hex digits): the checkpoint id of these weights. */
export function weightsFingerprint(params: ReadonlyArray<readonly [string, Tensor]>): string {
  // Two FNV-1a lanes with different offsets over the names and the float32 bits.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const word = (w: number) => {
    a = Math.imul(a ^ (w & 0xffff), 0x01000193);
    a = Math.imul(a ^ (w >>> 16), 0x01000193);
    b = Math.imul(b ^ w, 0x5bd1e995);
    b ^= b >>> 15;
  };
  for (const [name, p] of params) {
    for (let i = 0; i < name.length; i++) word(name.charCodeAt(i));
    const values = p.dataSync();
    const bits = new Uint32Array(Float32Array.from(values).buffer);
    for (let i = 0; i < bits.length; i++) word(bits[i]);
    word(bits.length);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

const MOMENT_PREFIX = 'optimizer.';

/** The training-state file of a trainer's snapshot, for the weights with id `checkpointId`. */
export function trainingStateToBytes(snapshot: TrainerSnapshot, checkpointId: string, shapes: ReadonlyMap<string, readonly number[]>): Uint8Array {
  const { config } = snapshot;
  const json: TrainingStateJson = {
    version: VERSION,
    checkpointId,
    step: snapshot.step,
    optimizer: snapshot.optimizer,
    schedule: { kind: 'warmup-cosine', lr: config.lr, warmup: config.warmup, decaySteps: config.decaySteps, minLr: config.minLr, position: snapshot.step },
    generators: snapshot.generators,
    data: snapshot.data,
    losses: snapshot.losses,
    evals: snapshot.evals,
    bestValLoss: Number.isFinite(snapshot.bestValLoss) ? snapshot.bestValLoss : null,
    trainer: config,
  };
  const tensors = new Map<string, SafetensorsInput>();
  for (const [key, values] of snapshot.moments) {
    const param = key.slice(key.indexOf('.') + 1);
    tensors.set(MOMENT_PREFIX + key, { shape: shapes.get(param) ?? [values.length], data: values });
  }
  return serializeSafetensors(tensors, { format: FORMAT, state: JSON.stringify(json) });
}

/** Reads a training-state file (`file` names it in errors), checking its structure before returning. */
export function trainingStateFromBytes(bytes: Uint8Array, file = TRAINING_STATE_FILE): TrainingState {
  const parsed = parseSafetensors(bytes, { source: file });
  const fail = (why: string): never => {
    throw new CheckpointError(`${file}: ${why}`);
  };
  if (parsed.metadata.format !== FORMAT) fail(`not an attn training state (metadata format is ${JSON.stringify(parsed.metadata.format)})`);
  let json: TrainingStateJson;
  try {
    json = JSON.parse(parsed.metadata.state ?? '');
  } catch (err) {
    return fail(`the "state" metadata is not valid JSON (${(err as Error).message})`);
  }
  if (json?.version !== VERSION) fail(`unsupported version ${JSON.stringify(json?.version)}, expected ${VERSION}`);
  if (typeof json.checkpointId !== 'string' || json.checkpointId === '') fail('no checkpointId');
  if (!Number.isInteger(json.step) || json.step < 0) fail(`bad step ${JSON.stringify(json.step)}`);
  if (json.optimizer?.kind !== 'adamw' || !Number.isInteger(json.optimizer.stepCount)) fail('the optimizer state is not AdamW with a step count');
  if (!json.data || typeof json.data.kind !== 'string' || typeof json.data.settings !== 'object') fail('no data source description');
  if (!Array.isArray(json.losses) || json.losses.some((x) => typeof x !== 'number')) fail('the loss history is not a list of numbers');
  if (!Array.isArray(json.evals)) fail('the evaluation history is not a list');
  if (!json.trainer || typeof json.trainer !== 'object') fail('no trainer settings');
  const moments = new Map<string, Float32Array>();
  for (const [name, t] of parsed.tensors) {
    if (!name.startsWith(MOMENT_PREFIX) || !(t.data instanceof Float32Array)) fail(`unexpected tensor "${name}" (expected ${MOMENT_PREFIX}exp_avg.* and ${MOMENT_PREFIX}exp_avg_sq.* in F32)`);
    moments.set(name.slice(MOMENT_PREFIX.length), t.data as Float32Array);
  }
  return {
    checkpointId: json.checkpointId,
    snapshot: {
      step: json.step,
      config: { ...json.trainer, betas: [...json.trainer.betas] as [number, number] },
      optimizer: json.optimizer,
      moments,
      generators: { dropout: json.generators?.dropout ?? null },
      data: json.data,
      losses: json.losses,
      evals: json.evals,
      bestValLoss: json.bestValLoss ?? Number.POSITIVE_INFINITY,
    },
  };
}
