// The training worker: owns the model, trains it with @attn/train's Trainer (the
// engine the CLI and the library use), and answers attention and generation
// requests, so the page stays responsive while the CPU (or GPU.js) backend computes.
import { checkpointFromFiles, GPT } from '@attn/model';
import { generate, multinomial, sampler, temperature, topK, topP } from '@attn/sample';
import { CharTokenizer, type Tokenizer } from '@attn/tokenizer';
import { type GpuBackendHandle, registerGpuBackend } from '@attn/gpu';
import { setBackend } from '@attn/tensor';
import { type LMBatch, tokenWindows, Trainer, TRAINING_STATE_FILE, trainingStateFromBytes } from '@attn/train';
import type { BackendChoice, BackendStatus, DemoConfig, FromWorker, ToWorker } from './protocol';

interface State {
  model: GPT;
  tokenizer: CharTokenizer;
  config: DemoConfig;
  trainer: Trainer<GPT, LMBatch>;
}

let state: State | null = null;

/** A model to explore: how it turns typed text into ids and labels. */
interface Explorable {
  model: GPT;
  tokenizer: Tokenizer;
  /** Splits text into tokens the model knows; `dropped` counts the rest. */
  tokenize(text: string): { ids: number[]; labels: string[]; dropped: number };
}
const checkpoints = new Map<string, Explorable>();

/** Text cut into the units of the tokenizer (characters or words; a byte-level BPE takes any text). */
function explorable(model: GPT, tokenizer: Tokenizer): Explorable {
  const known = (unit: string) => {
    try {
      tokenizer.encode(unit);
      return true;
    } catch {
      return false;
    }
  };
  return {
    model,
    tokenizer,
    tokenize(text) {
      if (tokenizer.kind === 'byte-bpe') {
        const ids = tokenizer.encode(text).slice(-model.blockSize);
        return { ids, labels: ids.map((id) => tokenizer.label(id)), dropped: 0 };
      }
      const units = tokenizer.kind === 'word' ? text.trim().split(/\s+/).filter((w) => w.length > 0) : [...text];
      const kept = units.filter(known).slice(-model.blockSize); // the model sees at most blockSize tokens
      const ids = kept.flatMap((unit) => tokenizer.encode(unit));
      return { ids, labels: ids.map((id) => tokenizer.label(id)), dropped: units.length - kept.length };
    },
  };
}

/** A checkpoint directory's files (config.json, model.safetensors, the tokenizer, maybe training-state.safetensors). */
function loadCheckpoint(msg: Extract<ToWorker, { type: 'loadCheckpoint' }>): void {
  const files = new Map(Object.entries(msg.files).map(([name, buffer]) => [name, new Uint8Array(buffer)] as const));
  const { model, tokenizer } = checkpointFromFiles(files, { source: msg.name });
  model.eval();
  checkpoints.set(msg.name, explorable(model, tokenizer));
  // How far it was trained, when the checkpoint can continue training.
  const stateBytes = files.get(TRAINING_STATE_FILE);
  const state = stateBytes ? trainingStateFromBytes(stateBytes, `${msg.name}/${TRAINING_STATE_FILE}`).snapshot : null;
  const { nLayer, nHead } = model.config;
  post({ type: 'checkpointReady', name: msg.name, params: model.numParameters(), nLayer, nHead, steps: state?.step, lastLoss: state?.losses.at(-1) });
}
let training = false;
let stopRequested = false;
let generation: AbortController | null = null;

function post(message: FromWorker): void {
  (self as unknown as Worker).postMessage(message);
}

function need(): State {
  if (!state) throw new Error('the model is not initialised yet: choose a corpus and config, then press Train');
  return state;
}

function init(msg: Extract<ToWorker, { type: 'init' }>): void {
  const tokenizer = CharTokenizer.fromText(msg.text);
  const { nLayer, nHead, nEmbd, blockSize, batchSize, lr, warmup, decaySteps, gradClip } = msg.config;
  const model = new GPT({ vocabSize: tokenizer.vocabSize, blockSize, nLayer, nHead, nEmbd, dropout: 0, bias: true }, { seed: msg.seed });
  const data = Int32Array.from(tokenizer.encode(msg.text));
  // The page trains on the whole text, open-ended (until Stop): the schedule reaches its floor at decaySteps.
  const source = tokenWindows({ name: msg.corpusName, train: data, val: data, batchSize, blockSize, seed: msg.seed, evalBatches: 1 });
  const trainer = new Trainer({ model, source, steps: Number.MAX_SAFE_INTEGER, lr, warmup, decaySteps, gradClip, evalEvery: 0 });
  state = { model, tokenizer, config: msg.config, trainer };
  post({ type: 'ready', params: model.numParameters(), vocabSize: tokenizer.vocabSize, trainChars: data.length });
}

const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function train(steps = Number.POSITIVE_INFINITY, ms = Number.POSITIVE_INFINITY): Promise<void> {
  const s = need();
  if (training) return;
  training = true;
  stopRequested = false;
  const start = performance.now();
  let done = 0;
  let reason: 'steps' | 'time' | 'stopped' = 'steps';
  try {
    while (true) {
      if (stopRequested) {
        reason = 'stopped';
        break;
      }
      if (done >= steps) break;
      if (performance.now() - start >= ms) {
        reason = 'time';
        break;
      }
      const t0 = performance.now();
      const info = await s.trainer.step(); // throws when the loss or gradient norm stops being finite
      done++;
      const seconds = (performance.now() - t0) / 1000;
      post({ type: 'progress', step: info.step, loss: info.loss, tokensPerSecond: s.trainer.source.tokensPerBatch / seconds, lr: info.lr, gradNorm: info.gradNorm });
      await pause(); // lets a 'stop' message in
    }
  } finally {
    training = false;
    s.model.eval();
  }
  post({ type: 'trainDone', step: s.trainer.stepsDone, reason });
  postBackend(); // the matmul counters moved
}

// ---- backend switch ----------------------------------------------------------
// GPU.js is registered only when picked (compiling its context costs time), and
// disposed when the user goes back to the CPU. On WebGL the weights live in
// textures; disposing the backend reads them back first, so the model keeps
// training (or generating) on the CPU with the values it learned.
let gpu: GpuBackendHandle | null = null;

function backendStatus(): BackendStatus {
  if (!gpu) return { backend: 'cpu', mode: 'cpu', fallbackReason: null, gpuCalls: 0, cpuCalls: 0 };
  const info = gpu.backendInfo();
  return { backend: 'gpu', mode: info.mode, fallbackReason: info.fallbackReason, gpuCalls: info.gpuCalls, cpuCalls: info.cpuCalls };
}

function postBackend(): void {
  post({ type: 'backend', ...backendStatus() });
}

function switchBackend(choice: BackendChoice): void {
  if (training) throw new Error('switch the backend after stopping training');
  if (choice === 'gpu' && !gpu) {
    // minFlops 0: every matmul goes to gpu.js. @attn/gpu's default threshold (2*256^3 FLOPs for GPU
    // modes) would keep all of this demo's small products on the CPU, and the switch would change nothing.
    gpu = registerGpuBackend({ mode: 'gpu', minFlops: 0 });
    setBackend(gpu.backend.name);
  } else if (choice === 'cpu' && gpu) {
    setBackend('cpu');
    gpu.dispose();
    gpu = null;
  }
  postBackend();
}

function attention(source: string, text: string): void {
  let target: Explorable | undefined;
  if (source === 'page') {
    const s = need();
    target = explorable(s.model, s.tokenizer);
  } else {
    target = checkpoints.get(source);
    if (!target) throw new Error(`attention: checkpoint "${source}" is not loaded`);
  }
  const { ids, labels, dropped } = target.tokenize(text);
  if (ids.length === 0) throw new Error('none of these tokens are in the model\'s vocabulary');
  const wasTraining = target.model.training;
  target.model.eval();
  const out = target.model.forward(ids, { returnAttention: true });
  target.model.train(wasTraining);
  const T = ids.length;
  const layers = (out.attention ?? []).map((w) => {
    const values = w.dataSync(); // (1, nh, T, T)
    const nh = w.shape[1];
    return Array.from({ length: nh }, (_, h) =>
      Array.from({ length: T }, (_, i) => Array.from(values.subarray((h * T + i) * T, (h * T + i + 1) * T))),
    );
  });
  post({ type: 'attention', labels, layers, dropped });
}

async function runGenerate(msg: Extract<ToWorker, { type: 'generate' }>): Promise<void> {
  let target: Explorable | undefined;
  if (msg.source === 'page') {
    const s = need();
    target = explorable(s.model, s.tokenizer);
  } else {
    target = checkpoints.get(msg.source);
    if (!target || target.tokenizer.kind === 'word') throw new Error(`generate: "${msg.source}" is not a loaded text checkpoint`);
  }
  const { model, tokenizer } = target;
  const typed = target.tokenize(msg.prompt).ids;
  const promptIds = typed.length > 0 ? typed : target.tokenize('\n').ids;
  const processors = [temperature(msg.temperature)];
  if (msg.topK > 0) processors.push(topK(msg.topK));
  if (msg.topP < 1) processors.push(topP(msg.topP));
  generation?.abort();
  const controller = new AbortController();
  generation = controller;
  const tokens = generate(model, promptIds.slice(-model.blockSize), {
    maxNewTokens: msg.maxTokens,
    sampler: sampler(processors, multinomial({ seed: msg.seed })),
    signal: controller.signal,
  });
  let result = await tokens.next();
  while (!result.done) {
    post({ type: 'token', text: tokenizer.decode([result.value]) });
    result = await tokens.next();
  }
  if (generation === controller) generation = null;
  post({ type: 'generateDone', reason: result.value.reason });
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  try {
    switch (msg.type) {
      case 'init':
        init(msg);
        break;
      case 'train':
        await train(msg.steps, msg.ms);
        break;
      case 'stop':
        stopRequested = true;
        break;
      case 'backend':
        switchBackend(msg.backend);
        break;
      case 'loadCheckpoint':
        loadCheckpoint(msg);
        break;
      case 'attention':
        attention(msg.source, msg.text);
        break;
      case 'generate':
        await runGenerate(msg);
        break;
      case 'stopGenerate':
        generation?.abort();
        break;
    }
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
};
