// A training checkpoint is a checkpoint directory (see @attn/model: config.json,
// model.safetensors, the tokenizer files) plus training-state.safetensors. The
// pure half builds the files as bytes (what the web demo downloads); the Node half
// writes them atomically, one by one, the training state last, and reads a state
// back only when it belongs with the weights beside it.
import {
  CHECKPOINT_ID_KEY,
  CheckpointError,
  checkpointToFiles,
  type GPT,
  loadSafetensorsFile,
  MODEL_FILE,
  readSafetensorsMetadata,
  serializeSafetensors,
  type SafetensorsInput,
  seq2seqCheckpointToFiles,
  type Transformer,
  writeCheckpointFiles,
} from '@attn/model';
import type { Tokenizer } from '@attn/tokenizer';
import type { Trainer, TrainableModel } from './trainer.js';
import { TRAINING_STATE_FILE, type TrainingState, trainingStateFromBytes, trainingStateToBytes, weightsFingerprint } from './training-state.js';

/** The inference files of a model for a save with this checkpoint id (config.json, model.safetensors, tokenizer files). */
export type ModelFiles = (checkpointId: string) => Map<string, Uint8Array>;

/** A GPT and its tokenizer as a full checkpoint directory (what loadPretrained reads). */
export function gptFiles(model: GPT, tokenizer: Tokenizer): ModelFiles {
  return (checkpointId) => checkpointToFiles({ model, tokenizer, checkpointId });
}

/** An encoder-decoder Transformer and its tokenizer as a seq2seq checkpoint directory (what loadSeq2SeqCheckpoint reads). */
export function seq2seqFiles(model: Transformer, tokenizer: Tokenizer, task?: string): ModelFiles {
  return (checkpointId) => seq2seqCheckpointToFiles({ model, tokenizer, task, checkpointId });
}

/** Any model as model.safetensors alone: its parameters under their names (for models without a directory format). */
export function parameterFiles(model: TrainableModel): ModelFiles {
  return (checkpointId) => {
    const tensors = new Map<string, SafetensorsInput>();
    for (const [name, p] of model.namedParameters()) tensors.set(name, { shape: p.shape, data: p.dataSync() });
    return new Map([[MODEL_FILE, serializeSafetensors(tensors, { format: 'pt', [CHECKPOINT_ID_KEY]: checkpointId })]]);
  };
}

/** Every file of a training checkpoint, in write order: the model's files, then the training state. */
export function trainingCheckpointFiles<M extends TrainableModel, B>(trainer: Trainer<M, B>, modelFiles: ModelFiles): Map<string, Uint8Array> {
  const params = trainer.model.namedParameters();
  const checkpointId = weightsFingerprint(params);
  const files = modelFiles(checkpointId);
  const shapes = new Map(params.map(([name, p]) => [name, p.shape] as const));
  files.delete(TRAINING_STATE_FILE);
  files.set(TRAINING_STATE_FILE, trainingStateToBytes(trainer.snapshot(), checkpointId, shapes));
  return files;
}

/** Writes a training checkpoint into `dir` (created if needed), each file atomically, the training state last. */
export async function saveTrainingCheckpoint<M extends TrainableModel, B>(dir: string, trainer: Trainer<M, B>, modelFiles: ModelFiles): Promise<void> {
  await writeCheckpointFiles(dir, trainingCheckpointFiles(trainer, modelFiles));
}

/**
 * Reads `dir`'s training state, refusing it (CheckpointError) when it is missing or belongs with
 * other weights than the model.safetensors beside it (a save that stopped half way).
 */
export async function loadTrainingState(dir: string): Promise<TrainingState> {
  const { readFile, stat } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const file = join(dir, TRAINING_STATE_FILE);
  const info = await stat(file).catch(() => null);
  if (!info) throw new CheckpointError(`${file}: missing; this checkpoint cannot continue training (it holds weights for inference only)`);
  if (!info.isFile()) throw new CheckpointError(`${file}: is a directory, not a file`);
  const state = trainingStateFromBytes(await readFile(file), file);
  const weightsId = (await readSafetensorsMetadata(join(dir, MODEL_FILE)))[CHECKPOINT_ID_KEY];
  if (weightsId !== state.checkpointId) {
    throw new CheckpointError(
      `${file}: belongs with other weights (checkpoint ${state.checkpointId}) than ${join(dir, MODEL_FILE)} (${weightsId ?? 'no id'}); the last save was interrupted, so this directory can be used for inference but not resumed`,
    );
  }
  return state;
}

/**
 * Loads `dir`'s model.safetensors into a model of the same architecture by parameter name (the
 * names namedParameters() gives; extra tensors, such as the zero biases of a bias-free GPT, are
 * ignored). For resuming a model that was built in code; loadPretrained builds one from config.json.
 */
export async function loadParameters(model: TrainableModel, dir: string): Promise<void> {
  const { join } = await import('node:path');
  const file = join(dir, MODEL_FILE);
  const { tensors } = await loadSafetensorsFile(file);
  const params = model.namedParameters();
  for (const [name, p] of params) {
    const t = tensors.get(name);
    if (!t) throw new CheckpointError(`${file}: no tensor "${name}" (is this checkpoint for this model?)`);
    if (t.data.length !== p.size) throw new CheckpointError(`${file}: tensor "${name}" has ${t.data.length} values, the model's parameter has ${p.size}`);
  }
  for (const [name, p] of params) p.assign(tensors.get(name)!.data);
}
