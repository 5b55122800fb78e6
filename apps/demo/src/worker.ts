// The training worker: owns the models, trains the page's model with @attn/train's
// Trainer (the engine the CLI and the library use), and answers attention and
// generation requests, so the page stays responsive while the engine (WebAssembly
// by default, see engines.ts) computes.
import { attentionMaps } from '@attn/inspect';
import { checkpointFromFiles, GPT } from '@attn/model';
import { multinomial, sampler, temperature, topK, topP } from '@attn/sample';
import type { Tensor } from '@attn/tensor';
import { CharTokenizer, type Tokenizer } from '@attn/tokenizer';
import { type LMBatch, tokenWindows, Trainer, TRAINING_STATE_FILE, trainingStateFromBytes } from '@attn/train';
import { EngineSwitch } from './engines';
import { isInspectRequest } from './inspect-protocol';
import { type DemoConfig, type FromWorker, type LossSample, type ToWorker, VALIDATION_FRACTION } from './protocol';
import { analyseText, describeLeftOut, type VocabularyInfo, vocabularyUnit } from './vocab';
import { type OpenedModel, openModel, resumeTraining, savePageModel, vocabularyInfo } from './worker/checkpoint-io';
import { handleInspect, type InspectContext, isTaskTraining, taskTensors } from './worker/inspect-handlers';
import { writeTokens } from './worker/writing';
import { messageYielder } from './worker/yield-to-messages';

function post(message: FromWorker, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(message, transfer);
}

// ---- engines -------------------------------------------------------------------
const engines = new EngineSwitch();
const engineReady = engines.startDefault().then(() => post({ type: 'engine', id: null, ...engines.status() }));
// WebGPU is offered once the browser names an adapter; nothing waits for the answer but choosing WebGPU.
void engineReady.then(() => engines.probeWebGPU()).then(() => post({ type: 'engine', id: null, ...engines.status() }));

// ---- models ----------------------------------------------------------------------
/** A model the page can explore and generate with. */
interface Explorable {
  model: GPT;
  vocabulary: VocabularyInfo;
  tokenizer: Tokenizer;
}
const checkpoints = new Map<string, Explorable>();

/** The model trained in this page. */
interface PageModel extends Explorable {
  tokenizer: CharTokenizer;
  config: DemoConfig;
  /** Steps, the schedule, AdamW and validation: the same engine as `attn train`. */
  trainer: Trainer<GPT, LMBatch>;
  /** Step of the last validation loss measured (-1: none yet). */
  evaluatedAt: number;
}
let page: PageModel | null = null;
/** The model the user opened (source 'user'); one at a time, so a second GPT-2 does not double the memory. */
let opened: OpenedModel | null = null;

/** Every tensor that must survive an engine switch: the page's run, and each loaded model's weights. */
function persistentTensors(): Tensor[] {
  const out: Tensor[] = page ? page.trainer.tensors() : [];
  for (const target of [...checkpoints.values(), ...(opened ? [opened] : [])]) out.push(...target.model.namedParameters().map(([, p]) => p));
  out.push(...taskTensors()); // the date and induction models of the inspection views
  return out;
}

function needPage(): PageModel {
  if (!page) throw new Error('No model has been trained in this page yet: train one in the Train view first.');
  return page;
}

/** A model to read: the page's (trained at least one step) or a loaded checkpoint. */
function explorable(source: string): Explorable {
  if (source === 'page') {
    const s = needPage();
    if (s.trainer.stepsDone === 0) throw new Error('The model of this page has not been trained yet (0 steps): press Train in the Train view first.');
    return s;
  }
  if (source === 'user') {
    if (!opened) throw new Error('No model has been opened: pick or drop a checkpoint folder in the Your model view.');
    return opened;
  }
  const target = checkpoints.get(source);
  if (!target) throw new Error(`The checkpoint "${source}" is not loaded.`);
  return target;
}

/** What the page shows of a tokenizer's vocabulary, to mark typed text the model cannot read. */
function vocabularyOf(tokenizer: Tokenizer, name: string): VocabularyInfo {
  try {
    return vocabularyInfo(tokenizer);
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}

/** A checkpoint directory's files (config.json, model.safetensors, the tokenizer, maybe training-state.safetensors). */
function loadCheckpoint(msg: Extract<ToWorker, { type: 'loadCheckpoint' }>): void {
  const files = new Map(Object.entries(msg.files).map(([name, buffer]) => [name, new Uint8Array(buffer)] as const));
  const { model, tokenizer } = checkpointFromFiles(files, { source: msg.name });
  model.eval();
  const target: Explorable = { model, vocabulary: vocabularyOf(tokenizer, msg.name), tokenizer };
  checkpoints.set(msg.name, target);
  // How far it was trained, when the checkpoint can continue training.
  const stateBytes = files.get(TRAINING_STATE_FILE);
  const state = stateBytes ? trainingStateFromBytes(stateBytes, `${msg.name}/${TRAINING_STATE_FILE}`).snapshot : null;
  const { nLayer, nHead, blockSize } = model.config;
  post({
    type: 'checkpointReady',
    id: msg.id,
    name: msg.name,
    params: model.numParameters(),
    nLayer,
    nHead,
    blockSize,
    vocabulary: target.vocabulary,
    steps: state?.step ?? null,
    lastLoss: state?.losses.at(-1) ?? null,
  });
}

function init(msg: Extract<ToWorker, { type: 'init' }>): void {
  if (training) throw new Error('Stop training before starting a new model.');
  const tokenizer = CharTokenizer.fromText(msg.text);
  const { nLayer, nHead, nEmbd, blockSize } = msg.config;
  const model = new GPT({ vocabSize: tokenizer.vocabSize, blockSize, nLayer, nHead, nEmbd, dropout: 0, bias: true }, { seed: msg.seed });
  const ids = Int32Array.from(tokenizer.encode(msg.text));
  // The last VALIDATION_FRACTION is held out, as nanoGPT does for Shakespeare.
  const cut = Math.floor(ids.length * (1 - VALIDATION_FRACTION));
  const train = ids.subarray(0, cut);
  const val = ids.subarray(cut);
  if (train.length <= blockSize || val.length <= blockSize) {
    throw new Error(`${msg.corpusLabel}: too short for ${blockSize}-character windows in both the training and the held-out part.`);
  }
  const { batchSize, lr, warmup, decaySteps, gradClip } = msg.config;
  // Validation: the same fixed held-out windows every time (EVAL_WINDOWS of them), so the curve shows the model, not the sample.
  const source = tokenWindows({ name: msg.dataName ?? msg.corpusLabel, train, val, batchSize, blockSize, seed: msg.seed, evalBatches: Math.max(1, Math.ceil(EVAL_WINDOWS / batchSize)) });
  // The page trains open-ended (until Stop or the steps asked for); the cosine reaches its floor at decaySteps.
  const trainer = new Trainer({ model, source, steps: Number.MAX_SAFE_INTEGER, lr, warmup, decaySteps, gradClip, evalEvery: 0 });
  page = { model, tokenizer, vocabulary: { kind: 'char', chars: [...tokenizer.chars] }, config: msg.config, trainer, evaluatedAt: -1 };
  post({
    type: 'ready',
    id: msg.id,
    params: model.numParameters(),
    vocabulary: page.vocabulary,
    trainChars: train.length,
    valChars: val.length,
    blockSize,
  });
}

// ---- training ----------------------------------------------------------------------
let training = false;
let stopRequested = false;

/** Validation loss is measured every this many steps, and when a run ends. */
const EVAL_EVERY = 25;
/** Held-out windows per evaluation (fixed, evenly spaced, so the curve shows the model and not the sample). */
const EVAL_WINDOWS = 32;
/** Progress messages at most this often (a wasm step of the tiny model takes a few ms). */
const POST_EVERY_MS = 100;
/** Training yields to incoming messages (Stop) at least this often. */
const YIELD_EVERY_MS = 25;

/** Validation loss on the held-out windows (the Trainer's evaluate: one read of all their losses). */
async function evaluate(s: PageModel): Promise<number> {
  const { valLoss } = await s.trainer.evaluate();
  s.evaluatedAt = s.trainer.stepsDone;
  return valLoss;
}

/** Lets queued messages (Stop, other views' requests) in between steps. */
const yieldToMessages = messageYielder();

/** Trains `steps` more steps or until Stop, posting progress (batched) with validation loss. */
async function train(id: number, steps: number): Promise<void> {
  const s = needPage();
  if (training) throw new Error('Training is already running.');
  if (isTaskTraining()) throw new Error('A task model (dates or induction) is training: stop it first (one model trains at a time).');
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive whole number, got ${steps}`);
  training = true;
  stopRequested = false;
  const { batchSize, blockSize } = s.config;
  const tokensPerStep = batchSize * blockSize;
  let done = 0;
  let stepSeconds = 0; // wall time of the steps themselves, evaluations excluded
  let reason: 'steps' | 'stopped' = 'steps';
  // what the next progress message carries
  let losses: LossSample[] = [];
  let valLoss: LossSample | null = null;
  let windowSeconds = 0;
  let lr = 0;
  let lastPost = performance.now();
  let lastYield = performance.now();
  const flush = () => {
    post({ type: 'progress', id, step: s.trainer.stepsDone, losses, valLoss, tokensPerSecond: windowSeconds > 0 ? (losses.length * tokensPerStep) / windowSeconds : 0, lr });
    losses = [];
    valLoss = null;
    windowSeconds = 0;
    lastPost = performance.now();
  };
  try {
    s.model.train();
    if (s.evaluatedAt < 0) valLoss = { step: 0, loss: await evaluate(s) }; // where the untrained model starts
    while (done < steps) {
      if (stopRequested) {
        reason = 'stopped';
        break;
      }
      const t0 = performance.now();
      const info = await s.trainer.step(); // throws a TrainingError when the loss or gradient norm stops being finite
      lr = info.lr;
      const seconds = (performance.now() - t0) / 1000;
      done++;
      stepSeconds += seconds;
      windowSeconds += seconds;
      losses.push({ step: info.step, loss: info.loss });
      if (info.step % EVAL_EVERY === 0) valLoss = { step: info.step, loss: await evaluate(s) };
      if (performance.now() - lastPost >= POST_EVERY_MS || valLoss) flush();
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToMessages();
        lastYield = performance.now();
      }
    }
    if (s.evaluatedAt !== s.trainer.stepsDone) valLoss = { step: s.trainer.stepsDone, loss: await evaluate(s) }; // every run ends on a measured point
    if (losses.length > 0 || valLoss) flush();
  } finally {
    training = false;
    s.model.eval();
  }
  post({ type: 'trainDone', id, step: s.trainer.stepsDone, steps: done, tokens: done * tokensPerStep, seconds: stepSeconds, reason });
  post({ type: 'engine', id: null, ...engines.status() }); // the matmul counters moved
}

// ---- attention and generation ------------------------------------------------------------
/** Every layer's and head's attention, read with @attn/inspect's attentionMaps (asynchronous reads: works on WebGPU too). */
async function attention(msg: Extract<ToWorker, { type: 'attention' }>): Promise<void> {
  const target = explorable(msg.source);
  const { ids, labels } = analyseText(msg.text, target.vocabulary, target.model.blockSize);
  if (ids.length === 0) throw new Error('None of this text is in the model\'s vocabulary: type something it can read.');
  const layers = await attentionMaps(target.model, ids); // [layer][head][query][key]
  post({ type: 'attention', id: msg.id, labels, layers });
}

let generation: AbortController | null = null;

async function runGenerate(msg: Extract<ToWorker, { type: 'generate' }>): Promise<void> {
  const target = explorable(msg.source);
  const model = target.model;
  const analysis = analyseText(msg.prompt, target.vocabulary, model.blockSize);
  if (analysis.ids.length === 0) {
    const leftOut = describeLeftOut(analysis, target.vocabulary, model.blockSize);
    throw new Error(`The prompt needs at least one ${vocabularyUnit(target.vocabulary)} the model knows.${leftOut ? ` ${leftOut}` : ''}`);
  }
  const processors = [temperature(msg.temperature), topK(msg.topK)];
  if (msg.topP < 1) processors.push(topP(msg.topP));
  generation?.abort();
  const controller = new AbortController();
  generation = controller;
  const options = { maxTokens: msg.maxTokens, sampler: sampler(processors, multinomial({ seed: msg.seed })), signal: controller.signal };
  const reason = await writeTokens(model, target.tokenizer, analysis.ids, options, (token) => post({ type: 'token', id: msg.id, text: token.text }));
  if (generation === controller) generation = null;
  post({ type: 'generateDone', id: msg.id, reason });
}

// ---- your own model (see worker/checkpoint-io.ts) ----------------------------------------------
async function openUserModel(msg: Extract<ToWorker, { type: 'openModel' }>): Promise<void> {
  if (training) throw new Error('Stop training before opening a model.');
  // One opened model at a time: free the previous one's weights before reading the next.
  if (opened) {
    for (const [, p] of opened.model.namedParameters()) p.dispose();
    opened = null;
  }
  let lastPost = 0;
  opened = await openModel(msg.name, new Map(Object.entries(msg.files)), engines, (p) => {
    if (performance.now() - lastPost < POST_EVERY_MS && p.tensors < p.totalTensors) return;
    lastPost = performance.now();
    post({ type: 'loadProgress', id: msg.id, tensors: p.tensors, totalTensors: p.totalTensors, bytes: p.bytes, totalBytes: p.totalBytes });
  });
  post({ type: 'modelOpened', id: msg.id, info: opened.info });
}

async function resume(msg: Extract<ToWorker, { type: 'resume' }>): Promise<void> {
  if (training) throw new Error('Stop training before continuing another model.');
  if (!opened) throw new Error('No model has been opened: pick or drop a checkpoint folder first.');
  const resumed = await resumeTraining(opened, msg.text, engines);
  page = resumed.page;
  const { model, vocabulary, config, trainer } = page;
  post({
    type: 'resumed',
    id: msg.id,
    params: model.numParameters(),
    vocabulary,
    trainChars: resumed.trainChars,
    valChars: resumed.valChars,
    config,
    steps: trainer.stepsDone,
    losses: resumed.losses,
    valLosses: resumed.valLosses,
  });
}

// ---- the views that look inside a model (worker/inspect-handlers.ts) ------------------------
const inspectContext: InspectContext = { explorable, pageTraining: () => training, post };
/** Changes whenever a model's weights may have changed (the page's model trains in place). */
const modelVersion = (source: string) => (source === 'page' && page ? `page:${page.trainer.stepsDone}` : source);

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  try {
    await engineReady;
    switch (msg.type) {
      case 'engine':
        if (training || isTaskTraining()) throw new Error('Stop training before switching the engine.');
        await engines.switchTo(msg.engine, persistentTensors);
        post({ type: 'engine', id: msg.id, ...engines.status() });
        break;
      case 'init':
        init(msg);
        break;
      case 'train':
        await train(msg.id, msg.steps);
        break;
      case 'stop':
        stopRequested = true;
        post({ type: 'ok', id: msg.id });
        break;
      case 'loadCheckpoint':
        loadCheckpoint(msg);
        break;
      case 'attention':
        await attention(msg);
        break;
      case 'generate':
        await runGenerate(msg);
        break;
      case 'stopGenerate':
        generation?.abort();
        post({ type: 'ok', id: msg.id });
        break;
      case 'saveCheckpoint': {
        if (training) throw new Error('Stop training before saving: the checkpoint is taken between steps.');
        const checkpoint = await savePageModel(needPage(), engines);
        post({ type: 'checkpointSaved', id: msg.id, checkpoint }, checkpoint.files.map((f) => f.bytes));
        break;
      }
      case 'openModel':
        await openUserModel(msg);
        break;
      case 'resume':
        await resume(msg);
        break;
      default:
        if (isInspectRequest(msg)) await handleInspect(msg, inspectContext, modelVersion);
    }
  } catch (err) {
    post({ type: 'error', id: msg.id, message: (err as Error).message });
  }
};
