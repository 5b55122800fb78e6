// The worker's side of "your own model": the page's model saved as a training checkpoint
// directory (what `attn train --out DIR` writes), a picked checkpoint directory opened
// (attn's own, the CLI's, or a Hugging Face GPT-2, weights streamed from the Files), and
// an opened character-level checkpoint continued exactly where it stopped.
import { checkpointFromBlobs, type CheckpointFromBlobsOptions, type GPT, type Pretrained } from '@attn/model';
import { moveTensors } from '@attn/tensor';
import { BpeTokenizer, CharTokenizer, type Tokenizer, WordTokenizer } from '@attn/tokenizer';
import {
  fingerprint,
  gptFiles,
  type LMBatch,
  tokenWindows,
  Trainer,
  TRAINING_STATE_FILE,
  type TrainingState,
  trainingCheckpointFiles,
  trainingStateFromBytes,
} from '@attn/train';
import type { EngineSwitch } from '../engines';
import type { OpenedModelInfo, OpenedTraining, SavedCheckpoint } from '../model-files';
import type { DemoConfig, LossSample } from '../protocol';
import type { VocabularyInfo } from '../vocab';

/** What the worker keeps of the page's model (the fields of worker.ts's PageModel this module needs). */
export interface TrainedPageModel {
  model: GPT;
  tokenizer: CharTokenizer;
  vocabulary: VocabularyInfo;
  config: DemoConfig;
  trainer: Trainer<GPT, LMBatch>;
  evaluatedAt: number;
}

/** A model the user opened: the source 'user' of attention and generation. */
export interface OpenedModel {
  model: GPT;
  tokenizer: Tokenizer;
  vocabulary: VocabularyInfo;
  info: OpenedModelInfo;
  /** The picked files (handles, not contents), read again to continue training on a fresh copy. */
  files: Map<string, Blob>;
  /** Its training state, when it has one the page can continue. */
  state: TrainingState | null;
}

/** "attn-shakespeare-step-120": a file-system-safe name for a save. */
function saveName(dataName: string, steps: number): string {
  const slug = dataName
    .toLowerCase()
    .replace(/\.[a-z0-9]+$/, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `attn-${slug || 'model'}-step-${steps}`;
}

/**
 * The page's model as a training checkpoint directory: config.json, model.safetensors,
 * attn-tokenizer.json and training-state.safetensors, byte for byte what the CLI writes.
 * On WebGPU the weights and moments are first moved to host memory (asynchronous reads),
 * as the checkpoint writers read synchronously; training moves them back at its next step.
 */
export async function savePageModel(page: TrainedPageModel, engines: EngineSwitch): Promise<SavedCheckpoint> {
  if (page.trainer.stepsDone === 0) throw new Error('Nothing to save yet: train the model for at least one step first.');
  if (!engines.readsSynchronously) await moveTensors(page.trainer.tensors(), 'cpu');
  const files = await engines.onHost(() => trainingCheckpointFiles(page.trainer, gptFiles(page.model, page.tokenizer)));
  const dataName = String(page.trainer.source.settings.name ?? 'model');
  return {
    name: saveName(dataName, page.trainer.stepsDone),
    steps: page.trainer.stepsDone,
    files: [...files].map(([name, bytes]) => ({ name, bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer })),
  };
}

/** What the page shows of a tokenizer's vocabulary (to mark typed text). */
export function vocabularyInfo(tokenizer: Tokenizer): VocabularyInfo {
  if (tokenizer instanceof CharTokenizer) return { kind: 'char', chars: [...tokenizer.chars] };
  if (tokenizer instanceof WordTokenizer) return { kind: 'word', words: [...tokenizer.words] };
  if (tokenizer instanceof BpeTokenizer) return { kind: 'byte-bpe', size: tokenizer.vocabSize, bpe: tokenizer.toJSON() };
  throw new Error(`a ${tokenizer.kind} tokenizer: this page reads character, word and byte-level BPE models`);
}

/** Loads a picked directory (host memory while WebGPU is chosen: the loaders read synchronously for some checks). */
function load(files: Map<string, Blob>, name: string, engines: EngineSwitch, onProgress?: CheckpointFromBlobsOptions['onProgress']): Promise<Pretrained> {
  return engines.onHost(() => checkpointFromBlobs(files, { source: name, onProgress }));
}

/**
 * Opens a picked checkpoint directory: checks and streams the weights into a GPT, reads the
 * tokenizer, and (for attn's character models) the training state, saying whether and how the
 * page can continue it.
 */
export async function openModel(
  name: string,
  files: Map<string, Blob>,
  engines: EngineSwitch,
  onProgress: (p: { tensors: number; totalTensors: number; bytes: number; totalBytes: number }) => void,
): Promise<OpenedModel> {
  const started = performance.now();
  const dtypes = new Set<string>();
  let weightBytes = 0;
  const { model, tokenizer, config, checkpointId } = await load(files, name, engines, (p) => {
    dtypes.add(p.dtype);
    weightBytes = p.totalBytes;
    onProgress(p);
  });
  model.eval();
  const seconds = (performance.now() - started) / 1000;
  const { state, training } = await readTrainingState(name, files, tokenizer, checkpointId);
  const { nLayer, nHead, nEmbd, blockSize } = model.config;
  const vocabulary = vocabularyInfo(tokenizer);
  const info: OpenedModelInfo = {
    name,
    origin: config.tokenizer === undefined ? 'hub' : 'attn',
    params: model.numParameters(),
    nLayer,
    nHead,
    nEmbd,
    blockSize,
    vocabulary,
    dtypes: [...dtypes],
    weightBytes,
    seconds,
    training,
  };
  return { model, tokenizer, vocabulary, info, files, state };
}

/** The training state beside the weights, if any, and whether the page can continue it. */
async function readTrainingState(
  name: string,
  files: Map<string, Blob>,
  tokenizer: Tokenizer,
  checkpointId: string | null,
): Promise<{ state: TrainingState | null; training: OpenedTraining | null }> {
  const blob = files.get(TRAINING_STATE_FILE);
  if (!blob) return { state: null, training: null };
  const file = `${name}/${TRAINING_STATE_FILE}`;
  const state = trainingStateFromBytes(new Uint8Array(await blob.arrayBuffer()), file);
  const { snapshot } = state;
  const settings = snapshot.data.settings;
  const textChars = Number(settings.trainTokens ?? 0) + Number(settings.valTokens ?? 0);
  let cannotContinue: string | null = null;
  if (state.checkpointId !== checkpointId) {
    cannotContinue = `${file} belongs with other weights than model.safetensors (the save was interrupted), so it can be explored but not continued`;
  } else if (!(tokenizer instanceof CharTokenizer) || snapshot.data.kind !== 'token-windows') {
    cannotContinue = `it was trained on ${snapshot.data.kind === 'sentence-rows' ? 'sentences of the coreference language' : `a ${snapshot.data.kind} source`} with a ${tokenizer.kind}-level tokenizer, and this page trains on character-level text only`;
  }
  const training: OpenedTraining = {
    steps: snapshot.step,
    lastLoss: snapshot.losses.at(-1) ?? null,
    lastValLoss: snapshot.evals.at(-1)?.valLoss ?? null,
    dataName: String(settings.name ?? snapshot.data.kind),
    textChars,
    cannotContinue,
  };
  return { state: cannotContinue === null ? state : null, training };
}

/** What the page gets back when an opened model becomes the page's model. */
export interface Resumed {
  page: TrainedPageModel;
  trainChars: number;
  valChars: number;
  losses: LossSample[];
  valLosses: LossSample[];
}

/**
 * Continues an opened character-level checkpoint as the page's model, on `text`: a fresh copy of
 * its weights (the opened model stays as it was), a Trainer with the checkpoint's own settings,
 * and every part of its training state restored (AdamW's moments, schedule position, the window
 * sampler's cursor, loss history), so the next step is the one the CLI or the page would have taken.
 * The text must be the one it learned from: same characters, same length, same fingerprint.
 */
export async function resumeTraining(opened: OpenedModel, text: string, engines: EngineSwitch): Promise<Resumed> {
  const saved = opened.state;
  if (!saved) throw new Error(`${opened.info.name} cannot be continued here: ${opened.info.training?.cannotContinue ?? 'it holds no training state (training-state.safetensors), only weights'}.`);
  const { snapshot } = saved;
  const settings = snapshot.data.settings;
  const learnedFrom = `${settings.name}, ${(Number(settings.trainTokens) + Number(settings.valTokens)).toLocaleString('en')} characters`;
  const { model, tokenizer } = await load(opened.files, opened.info.name, engines);
  if (!(tokenizer instanceof CharTokenizer)) throw new Error(`${opened.info.name}: not a character-level model`);
  let ids: Int32Array;
  try {
    ids = Int32Array.from(tokenizer.encode(text));
  } catch {
    const unknown = [...new Set(Array.from(text).filter((c) => !tokenizer.chars.includes(c)))].slice(0, 5);
    throw new Error(`This is not the text ${opened.info.name} learned from (${learnedFrom}): it has characters the model has never seen (${unknown.map((c) => JSON.stringify(c)).join(', ')}).`);
  }
  const trainTokens = Number(settings.trainTokens);
  const valTokens = Number(settings.valTokens);
  if (ids.length !== trainTokens + valTokens) {
    throw new Error(`This is not the text ${opened.info.name} learned from (${learnedFrom}): it has ${ids.length.toLocaleString('en')} characters.`);
  }
  const train = ids.subarray(0, trainTokens);
  const val = ids.subarray(trainTokens);
  if (fingerprint(train, val) !== settings.data) {
    throw new Error(`This is not the text ${opened.info.name} learned from (${learnedFrom}): the length matches but the characters differ.`);
  }
  const batchSize = Number(settings.batchSize);
  const blockSize = Number(settings.blockSize);
  const source = tokenWindows({
    name: String(settings.name),
    train,
    val,
    batchSize,
    blockSize,
    seed: Number(settings.seed),
    evalBatches: Number(settings.evalBatches),
  });
  // The checkpoint's own optimiser and schedule; the page trains open-ended (until Stop).
  const { lr, warmup, decaySteps, minLr, weightDecay, betas, eps, gradClip, accumulate } = snapshot.config;
  const trainer = new Trainer({ model, source, steps: Number.MAX_SAFE_INTEGER, lr, warmup, decaySteps, minLr, weightDecay, betas, eps, gradClip, accumulate, evalEvery: 0 });
  trainer.restore(snapshot);
  const { nLayer, nHead, nEmbd } = model.config;
  const config: DemoConfig = {
    label: `${opened.info.name}: ${nLayer} layers × ${nHead} heads, width ${nEmbd}`,
    nLayer,
    nHead,
    nEmbd,
    blockSize,
    batchSize,
    lr,
    warmup,
    decaySteps,
    gradClip,
  };
  const lastEval = snapshot.evals.at(-1);
  return {
    page: { model, tokenizer, vocabulary: vocabularyInfo(tokenizer), config, trainer, evaluatedAt: lastEval?.step ?? -1 },
    trainChars: trainTokens,
    valChars: valTokens,
    losses: snapshot.losses.map((loss, i) => ({ step: i + 1, loss })),
    valLosses: snapshot.evals.map((e) => ({ step: e.step, loss: e.valLoss })),
  };
}
