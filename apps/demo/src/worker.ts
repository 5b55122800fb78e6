// The training worker: owns the model, trains it, and answers attention and generation
// requests, so the page stays responsive while the CPU (or GPU.js) backend computes.
import { createRng, type Rng, sampleBatch } from '@attn/datasets/browser';
import { GPT, gptFromSafetensors } from '@attn/model';
import { generate, multinomial, sampler, temperature, topK, topP } from '@attn/sample';
import { CharTokenizer } from '@attn/tokenizer';
import { type GpuBackendHandle, registerGpuBackend } from '@attn/gpu';
import { setBackend, tidy } from '@attn/tensor';
import { AdamW, clipGradNorm, type LrSchedule, warmupCosineLr } from '@attn/train';
import type { BackendChoice, BackendStatus, DemoConfig, FromWorker, ToWorker } from './protocol';

interface State {
  model: GPT;
  tokenizer: CharTokenizer;
  config: DemoConfig;
  data: Int32Array;
  optimizer: AdamW;
  schedule: LrSchedule;
  rng: Rng;
  step: number;
}

let state: State | null = null;

/** A model to explore: how it turns typed text into ids and labels. */
interface Explorable {
  model: GPT;
  /** Character-level models keep their tokenizer, so they can also generate text. */
  tokenizer?: CharTokenizer;
  /** Splits text into tokens the model knows; `dropped` counts the rest. */
  tokenize(text: string): { ids: number[]; labels: string[]; dropped: number };
}
const checkpoints = new Map<string, Explorable>();

/** Character-level: every known character is a token; unknown ones are dropped. */
function charExplorable(model: GPT, tokenizer: CharTokenizer): Explorable {
  return {
    model,
    tokenizer,
    tokenize(text) {
      const chars = [...text];
      const known = chars.filter((c) => {
        try {
          tokenizer.encode(c);
          return true;
        } catch {
          return false;
        }
      });
      const labels = known.slice(-model.blockSize); // the model sees at most blockSize tokens
      return { ids: tokenizer.encode(labels.join('')), labels, dropped: chars.length - labels.length };
    },
  };
}

/** Word-level (the coreference language): whitespace-separated words from a fixed list. */
function wordExplorable(model: GPT, words: string[]): Explorable {
  const idOf = new Map(words.map((w, i) => [w, i]));
  return {
    model,
    tokenize(text) {
      const all = text.trim().split(/\s+/).filter((w) => w.length > 0);
      const labels = all.filter((w) => idOf.has(w)).slice(-model.blockSize);
      return { ids: labels.map((w) => idOf.get(w) as number), labels, dropped: all.length - labels.length };
    },
  };
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
  let explorable: Explorable;
  if (json.kind === 'char') explorable = charExplorable(model, CharTokenizer.fromJSON(json.tokenizer, `${msg.name}/tokenizer.json`));
  else if (json.kind === 'word' && Array.isArray(json.words) && json.words.every((w) => typeof w === 'string')) {
    explorable = wordExplorable(model, json.words as string[]);
  } else throw new Error(`${msg.name}/tokenizer.json: expected {"kind": "char" | "word", ...} as written by attn train`);
  if (explorable.model.vocabSize < 1) throw new Error(`${msg.name}: empty vocabulary`);
  checkpoints.set(msg.name, explorable);
  const { nLayer, nHead } = model.config;
  post({ type: 'checkpointReady', name: msg.name, params: model.numParameters(), nLayer, nHead });
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
  const { nLayer, nHead, nEmbd, blockSize } = msg.config;
  const model = new GPT({ vocabSize: tokenizer.vocabSize, blockSize, nLayer, nHead, nEmbd, dropout: 0, bias: true }, { seed: msg.seed });
  const data = Int32Array.from(tokenizer.encode(msg.text));
  // Named parameters, so AdamW's default rule keeps decay off biases, LayerNorms and embeddings.
  const optimizer = new AdamW(model.namedParameters(), { betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.01 });
  const { lr, warmup, decaySteps } = msg.config;
  const schedule = warmupCosineLr({ lr, warmup, decaySteps, minLr: lr / 10 });
  state = { model, tokenizer, config: msg.config, data, optimizer, schedule, rng: createRng(msg.seed), step: 0 };
  post({ type: 'ready', params: model.numParameters(), vocabSize: tokenizer.vocabSize, trainChars: data.length });
}

const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function train(steps = Number.POSITIVE_INFINITY, ms = Number.POSITIVE_INFINITY): Promise<void> {
  const s = need();
  if (training) return;
  training = true;
  stopRequested = false;
  const { batchSize, blockSize } = s.config;
  const start = performance.now();
  let done = 0;
  let reason: 'steps' | 'time' | 'stopped' = 'steps';
  try {
    s.model.train();
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
      // tidy(): the step's intermediates (GPU textures on the GPU.js backend) are freed when it ends
      const { lossValue, lr, gradNorm } = tidy(() => {
        const { x, y } = sampleBatch(s.data, batchSize, blockSize, s.rng);
        const { loss } = s.model.forward(x, { batch: batchSize, targets: y });
        if (!loss) throw new Error('GPT.forward returned no loss although targets were given');
        s.model.zeroGrad();
        loss.backward();
        const lr = s.schedule(s.step);
        const gradNorm = clipGradNorm(
          s.optimizer.params.map(([, p]) => p),
          s.config.gradClip,
        );
        if (!Number.isFinite(gradNorm)) throw new Error(`training diverged at step ${s.step + 1}: the gradient norm is ${gradNorm}`);
        s.optimizer.step(lr);
        s.model.zeroGrad();
        return { lossValue: loss.itemSync(), lr, gradNorm };
      });
      s.step++;
      done++;
      const seconds = (performance.now() - t0) / 1000;
      post({ type: 'progress', step: s.step, loss: lossValue, tokensPerSecond: (batchSize * blockSize) / seconds, lr, gradNorm });
      await pause(); // lets a 'stop' message in
    }
  } finally {
    training = false;
    s.model.eval();
  }
  post({ type: 'trainDone', step: s.step, reason });
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
    target = charExplorable(s.model, s.tokenizer);
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
  let model: GPT;
  let tokenizer: CharTokenizer;
  if (msg.source === 'page') ({ model, tokenizer } = need());
  else {
    const target = checkpoints.get(msg.source);
    if (!target?.tokenizer) throw new Error(`generate: "${msg.source}" is not a loaded character-level checkpoint`);
    ({ model, tokenizer } = { model: target.model, tokenizer: target.tokenizer });
  }
  const known = [...msg.prompt].filter((c) => {
    try {
      tokenizer.encode(c);
      return true;
    } catch {
      return false;
    }
  });
  const promptIds = tokenizer.encode(known.join('') || '\n');
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
