// The training worker: owns the models, trains the page's model, and answers
// attention and generation requests, so the page stays responsive while the
// engine (WebAssembly by default, see engines.ts) computes.
import { createRng, type Rng, sampleBatch } from '@attn/datasets/browser';
import { GPT, gptFromSafetensors } from '@attn/model';
import { generate, multinomial, sampler, temperature, topK, topP } from '@attn/sample';
import { noGrad, tidy } from '@attn/tensor';
import { CharTokenizer } from '@attn/tokenizer';
import { AdamW, clipGradNorm, type LrSchedule, warmupCosineLr } from '@attn/train';
import { EngineSwitch } from './engines';
import { type DemoConfig, type FromWorker, type LossSample, type ToWorker, VALIDATION_FRACTION } from './protocol';
import { analyseText, describeLeftOut, type VocabularyInfo } from './vocab';

function post(message: FromWorker): void {
  (self as unknown as Worker).postMessage(message);
}

// ---- engines -------------------------------------------------------------------
const engines = new EngineSwitch();
const engineReady = engines.startDefault().then(() => post({ type: 'engine', id: null, ...engines.status() }));

// ---- models ----------------------------------------------------------------------
/** A model the page can explore and generate with. */
interface Explorable {
  model: GPT;
  vocabulary: VocabularyInfo;
  /** Character-level models keep their tokenizer, so they can also generate text. */
  tokenizer?: CharTokenizer;
}
const checkpoints = new Map<string, Explorable>();

/** The model trained in this page. */
interface PageModel extends Explorable {
  tokenizer: CharTokenizer;
  config: DemoConfig;
  train: Int32Array;
  /** The held-out end of the text. */
  val: Int32Array;
  optimizer: AdamW;
  schedule: LrSchedule;
  rng: Rng;
  /** Optimiser steps taken so far. */
  step: number;
  /** Step of the last validation loss measured (-1: none yet). */
  evaluatedAt: number;
}
let page: PageModel | null = null;

function needPage(): PageModel {
  if (!page) throw new Error('No model has been trained in this page yet: train one in the Train view first.');
  return page;
}

/** A model to read: the page's (trained at least one step) or a loaded checkpoint. */
function explorable(source: string): Explorable {
  if (source === 'page') {
    const s = needPage();
    if (s.step === 0) throw new Error('The model of this page has not been trained yet (0 steps): press Train in the Train view first.');
    return s;
  }
  const target = checkpoints.get(source);
  if (!target) throw new Error(`The checkpoint "${source}" is not loaded.`);
  return target;
}

function loadCheckpoint(msg: Extract<ToWorker, { type: 'loadCheckpoint' }>): void {
  const model = gptFromSafetensors(new Uint8Array(msg.weights), { source: `${msg.name}/model.safetensors` });
  model.eval();
  let json: { kind?: unknown; tokenizer?: unknown; words?: unknown };
  try {
    json = JSON.parse(msg.tokenizer);
  } catch (err) {
    throw new Error(`${msg.name}/tokenizer.json: not valid JSON (${(err as Error).message})`);
  }
  let target: Explorable;
  if (json.kind === 'char') {
    const tokenizer = CharTokenizer.fromJSON(json.tokenizer, `${msg.name}/tokenizer.json`);
    target = { model, tokenizer, vocabulary: { kind: 'char', chars: [...tokenizer.chars] } };
  } else if (json.kind === 'word' && Array.isArray(json.words) && json.words.every((w) => typeof w === 'string')) {
    target = { model, vocabulary: { kind: 'word', words: json.words as string[] } };
  } else throw new Error(`${msg.name}/tokenizer.json: expected {"kind": "char" | "word", ...} as written by attn train`);
  checkpoints.set(msg.name, target);
  const { nLayer, nHead, blockSize } = model.config;
  post({ type: 'checkpointReady', id: msg.id, name: msg.name, params: model.numParameters(), nLayer, nHead, blockSize, vocabulary: target.vocabulary });
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
  // Named parameters, so AdamW's default rule keeps decay off biases, LayerNorms and embeddings.
  const optimizer = new AdamW(model.namedParameters(), { betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.01 });
  const { lr, warmup, decaySteps } = msg.config;
  const schedule = warmupCosineLr({ lr, warmup, decaySteps, minLr: lr / 10 });
  page = {
    model,
    tokenizer,
    vocabulary: { kind: 'char', chars: [...tokenizer.chars] },
    config: msg.config,
    train,
    val,
    optimizer,
    schedule,
    rng: createRng(msg.seed),
    step: 0,
    evaluatedAt: -1,
  };
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

/**
 * Mean cross-entropy over fixed windows of the held-out text.
 * engine-merge: replace with the Trainer's evaluate() (validation loss) from @attn/train.
 */
function evaluate(s: PageModel): number {
  const { blockSize, batchSize } = s.config;
  const positions = s.val.length - blockSize; // window starts 0 .. positions - 1 (each needs a shifted target)
  const count = Math.min(EVAL_WINDOWS, positions);
  const starts = Array.from({ length: count }, (_, i) => Math.floor((i * (positions - 1)) / Math.max(1, count - 1)));
  let total = 0;
  const wasTraining = s.model.training;
  s.model.eval();
  try {
    for (let b = 0; b < count; b += batchSize) {
      const batch = starts.slice(b, b + batchSize);
      const x = new Int32Array(batch.length * blockSize); // (batch, blockSize)
      const y = new Int32Array(batch.length * blockSize);
      batch.forEach((start, i) => {
        x.set(s.val.subarray(start, start + blockSize), i * blockSize);
        y.set(s.val.subarray(start + 1, start + blockSize + 1), i * blockSize);
      });
      total +=
        tidy(() =>
          noGrad(() => {
            const { loss } = s.model.forward(x, { batch: batch.length, targets: y });
            if (!loss) throw new Error('GPT.forward returned no loss although targets were given');
            return loss.itemSync();
          }),
        ) * batch.length;
    }
  } finally {
    s.model.train(wasTraining);
  }
  s.evaluatedAt = s.step;
  return total / count;
}

/** Lets queued messages (Stop) in: a posted message is not clamped like a nested setTimeout (4 ms). */
const yieldChannel = new MessageChannel();
const yieldToMessages = () =>
  new Promise<void>((resolve) => {
    yieldChannel.port1.onmessage = () => resolve();
    yieldChannel.port2.postMessage(null);
  });

/**
 * Trains `steps` more steps or until Stop, posting progress with validation loss.
 * engine-merge: the optimiser loop below becomes the Trainer's step() from @attn/train;
 * keep the reporting (progress batching, tokens/s over step time, trainDone counts).
 */
async function train(id: number, steps: number): Promise<void> {
  const s = needPage();
  if (training) throw new Error('Training is already running.');
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
  let lr = s.schedule(s.step);
  let lastPost = performance.now();
  let lastYield = performance.now();
  const flush = () => {
    post({ type: 'progress', id, step: s.step, losses, valLoss, tokensPerSecond: windowSeconds > 0 ? (losses.length * tokensPerStep) / windowSeconds : 0, lr });
    losses = [];
    valLoss = null;
    windowSeconds = 0;
    lastPost = performance.now();
  };
  try {
    s.model.train();
    if (s.evaluatedAt < 0) valLoss = { step: s.step, loss: evaluate(s) }; // where the untrained model starts
    while (done < steps) {
      if (stopRequested) {
        reason = 'stopped';
        break;
      }
      const t0 = performance.now();
      lr = s.schedule(s.step);
      // tidy(): the step's intermediates (wasm memory, GPU textures) are freed when it ends
      const loss = tidy(() => {
        const { x, y } = sampleBatch(s.train, batchSize, blockSize, s.rng);
        const out = s.model.forward(x, { batch: batchSize, targets: y });
        if (!out.loss) throw new Error('GPT.forward returned no loss although targets were given');
        s.model.zeroGrad();
        out.loss.backward();
        const norm = clipGradNorm(
          s.optimizer.params.map(([, p]) => p),
          s.config.gradClip,
        );
        if (!Number.isFinite(norm)) throw new Error(`Training diverged at step ${s.step + 1}: the gradient norm is ${norm}.`);
        s.optimizer.step(lr);
        s.model.zeroGrad();
        return out.loss.itemSync();
      });
      const seconds = (performance.now() - t0) / 1000;
      s.step++;
      done++;
      stepSeconds += seconds;
      windowSeconds += seconds;
      losses.push({ step: s.step, loss });
      if (s.step % EVAL_EVERY === 0) valLoss = { step: s.step, loss: evaluate(s) };
      if (performance.now() - lastPost >= POST_EVERY_MS || valLoss) flush();
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToMessages();
        lastYield = performance.now();
      }
    }
    if (s.evaluatedAt !== s.step) valLoss = { step: s.step, loss: evaluate(s) }; // every run ends on a measured point
    if (losses.length > 0 || valLoss) flush();
  } finally {
    training = false;
    s.model.eval();
  }
  post({ type: 'trainDone', id, step: s.step, steps: done, tokens: done * tokensPerStep, seconds: stepSeconds, reason });
  post({ type: 'engine', id: null, ...engines.status() }); // the matmul counters moved
}

// ---- attention and generation ------------------------------------------------------------
function attention(msg: Extract<ToWorker, { type: 'attention' }>): void {
  const target = explorable(msg.source);
  const { ids, labels } = analyseText(msg.text, target.vocabulary, target.model.blockSize);
  if (ids.length === 0) throw new Error('None of this text is in the model\'s vocabulary: type something it can read.');
  const wasTraining = target.model.training;
  target.model.eval();
  const out = tidy(() => {
    const forward = target.model.forward(ids, { returnAttention: true });
    const T = ids.length;
    return (forward.attention ?? []).map((w) => {
      const values = w.dataSync(); // (1, nh, T, T)
      const nh = w.shape[1];
      return Array.from({ length: nh }, (_, h) =>
        Array.from({ length: T }, (_, i) => Array.from(values.subarray((h * T + i) * T, (h * T + i + 1) * T))),
      );
    });
  });
  target.model.train(wasTraining);
  post({ type: 'attention', id: msg.id, labels, layers: out });
}

let generation: AbortController | null = null;

async function runGenerate(msg: Extract<ToWorker, { type: 'generate' }>): Promise<void> {
  const target = explorable(msg.source);
  const tokenizer = target.tokenizer;
  if (!tokenizer) throw new Error(`"${msg.source}" is not a character-level model, so it cannot generate text here.`);
  const model = target.model;
  const analysis = analyseText(msg.prompt, target.vocabulary, model.blockSize);
  if (analysis.ids.length === 0) {
    const leftOut = describeLeftOut(analysis, target.vocabulary, model.blockSize);
    throw new Error(`The prompt needs at least one character the model knows.${leftOut ? ` ${leftOut}` : ''}`);
  }
  const processors = [temperature(msg.temperature), topK(msg.topK)];
  if (msg.topP < 1) processors.push(topP(msg.topP));
  generation?.abort();
  const controller = new AbortController();
  generation = controller;
  const tokens = generate(model, analysis.ids, {
    maxNewTokens: msg.maxTokens,
    sampler: sampler(processors, multinomial({ seed: msg.seed })),
    signal: controller.signal,
  });
  let result = await tokens.next();
  while (!result.done) {
    post({ type: 'token', id: msg.id, text: tokenizer.decode([result.value]) });
    result = await tokens.next();
  }
  if (generation === controller) generation = null;
  post({ type: 'generateDone', id: msg.id, reason: result.value.reason });
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  try {
    await engineReady;
    switch (msg.type) {
      case 'engine':
        if (training) throw new Error('Stop training before switching the engine.');
        engines.switchTo(msg.engine);
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
        attention(msg);
        break;
      case 'generate':
        await runGenerate(msg);
        break;
      case 'stopGenerate':
        generation?.abort();
        post({ type: 'ok', id: msg.id });
        break;
    }
  } catch (err) {
    post({ type: 'error', id: msg.id, message: (err as Error).message });
  }
};
