// The attn web demo: wires the four views to the training worker.
import { attentionGridSvg, attentionHeatmapSvg, attentionRowSvg, type LossPoint, lossCurveSvg } from '@attn/viz';
import { CORPUS_LABELS, loadCorpusText } from './corpora';
import { byId, el } from './dom';
import { renderExplainer } from './explainer';
import { CONFIGS, type FromWorker, type ToWorker } from './protocol';

const errors = byId<HTMLParagraphElement>('errors');
function showError(err: unknown): void {
  errors.textContent = `Error: ${err instanceof Error ? err.message : String(err)}`;
}

// ---- explainer -------------------------------------------------------------
try {
  renderExplainer(byId('explainer-steps'));
} catch (err) {
  showError(err);
}

// ---- worker plumbing -------------------------------------------------------
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
type Listener = (msg: FromWorker) => void;
const listeners = new Set<Listener>();
worker.onmessage = (event: MessageEvent<FromWorker>) => {
  for (const listener of [...listeners]) listener(event.data);
};
worker.onerror = (event) => showError(event.message || 'the training worker failed to start');
function send(msg: ToWorker): void {
  worker.postMessage(msg);
}
/** Resolves with the next message of this type (or rejects on a worker error). */
function next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
  return new Promise((resolve, reject) => {
    const listener: Listener = (msg) => {
      if (msg.type === type || msg.type === 'error') {
        listeners.delete(listener);
        if (msg.type === 'error') reject(new Error(msg.message));
        else resolve(msg as Extract<FromWorker, { type: T }>);
      }
    };
    listeners.add(listener);
  });
}

// ---- model state shared by the views ---------------------------------------
let modelReady: Promise<void> | null = null;
let steps = 0;
let isTraining = false;
let losses: LossPoint[] = [];
const corpusSelect = byId<HTMLSelectElement>('train-corpus');
const configSelect = byId<HTMLSelectElement>('train-config');
for (const [value, label] of Object.entries(CORPUS_LABELS)) corpusSelect.append(el('option', { value }, label));
for (const [value, config] of Object.entries(CONFIGS)) configSelect.append(el('option', { value }, config.label));
const trainStatus = byId('train-status');

function ensureModel(): Promise<void> {
  if (!modelReady) {
    modelReady = (async () => {
      const corpusName = corpusSelect.value;
      trainStatus.textContent = `loading ${corpusName}…`;
      const text = await loadCorpusText(corpusName);
      const ready = next('ready');
      send({ type: 'init', corpusName, text, config: CONFIGS[configSelect.value], seed: 1337 });
      const info = await ready;
      steps = 0;
      losses = [];
      drawLoss();
      byId('train-step').textContent = '0';
      byId('train-loss').textContent = '–';
      byId('train-tps').textContent = '–';
      trainStatus.textContent = `new model: ${info.params.toLocaleString('en')} parameters, ${info.vocabSize} characters, ${info.trainChars.toLocaleString('en')} training characters`;
    })();
    modelReady.catch((err) => {
      modelReady = null;
      showError(err);
    });
  }
  return modelReady;
}
// A new corpus or config means a new model.
corpusSelect.onchange = configSelect.onchange = () => {
  if (!isTraining) modelReady = null;
};

// ---- training view ---------------------------------------------------------
const startButton = byId<HTMLButtonElement>('train-start');
const stopButton = byId<HTMLButtonElement>('train-stop');
const curve = byId('train-curve');
function drawLoss(): void {
  curve.innerHTML = losses.length > 1 ? lossCurveSvg({ train: losses, title: 'training loss (cross-entropy, nats/char)', width: 640, height: 260 }) : '';
  curve.dataset.losses = JSON.stringify(losses.map((p) => p.loss));
}
listeners.add((msg) => {
  if (msg.type === 'progress') {
    steps = msg.step;
    losses.push({ step: msg.step, loss: msg.loss });
    byId('train-step').textContent = String(msg.step);
    byId('train-loss').textContent = msg.loss.toFixed(3);
    byId('train-tps').textContent = Math.round(msg.tokensPerSecond).toLocaleString('en');
    byId('train-lr').textContent = msg.lr.toExponential(2);
    if (msg.step % 5 === 0 || msg.step < 5) drawLoss();
  } else if (msg.type === 'backend') {
    const mode = byId('backend-mode');
    mode.textContent = msg.backend === 'cpu' ? 'cpu (TypeScript)' : `gpu.js ${msg.mode}`;
    mode.dataset.mode = msg.mode;
    mode.dataset.backend = msg.backend;
    const calls = msg.backend === 'gpu' ? ` · ${msg.gpuCalls.toLocaleString('en')} matmuls on gpu.js, ${msg.cpuCalls.toLocaleString('en')} on the CPU` : '';
    byId('backend-note').textContent = (msg.fallbackReason ? ` (fell back: ${msg.fallbackReason})` : '') + calls;
  } else if (msg.type === 'error') {
    showError(msg.message);
  }
});

// ---- backend switch: the worker registers @attn/gpu when GPU.js is picked -----
const backendRadios = [...document.querySelectorAll<HTMLInputElement>('input[name="backend"]')];
for (const radio of backendRadios) {
  radio.onchange = () => {
    if (!radio.checked) return;
    byId('backend-mode').textContent = radio.value === 'gpu' ? 'starting gpu.js…' : 'cpu (TypeScript)';
    send({ type: 'backend', backend: radio.value === 'gpu' ? 'gpu' : 'cpu' });
  };
}

/** Trains (steps: how many, 0 = until Stop; ms: a time budget) and resolves when the worker stops. */
async function runTraining(options: { steps?: number; ms?: number }): Promise<void> {
  await ensureModel();
  isTraining = true;
  for (const radio of backendRadios) radio.disabled = true; // the worker switches backends between runs only
  startButton.disabled = true;
  stopButton.disabled = false;
  trainStatus.textContent = 'training…';
  const done = next('trainDone');
  send({ type: 'train', steps: options.steps || undefined, ms: options.ms });
  try {
    const result = await done;
    trainStatus.textContent = `paused after step ${result.step} (${result.reason === 'stopped' ? 'stopped' : result.reason === 'time' ? 'time budget used' : 'steps done'}); press Continue to train more`;
  } finally {
    isTraining = false;
    for (const radio of backendRadios) radio.disabled = false;
    startButton.disabled = false;
    startButton.textContent = 'Continue';
    stopButton.disabled = true;
    drawLoss();
  }
}
startButton.onclick = () => {
  const n = Number(byId<HTMLInputElement>('train-steps').value);
  runTraining({ steps: Number.isInteger(n) && n > 0 ? n : 0 }).catch(showError);
};
stopButton.onclick = () => send({ type: 'stop' });
byId<HTMLButtonElement>('train-reset').onclick = () => {
  if (isTraining) return;
  modelReady = null;
  startButton.textContent = 'Train';
  ensureModel().catch(showError);
};

// ---- attention explorer ----------------------------------------------------
const layerSelect = byId<HTMLSelectElement>('explorer-layer');
const headSelect = byId<HTMLSelectElement>('explorer-head');
const explorerStatus = byId('explorer-status');
let current: Extract<FromWorker, { type: 'attention' }> | null = null;
let selectedToken = -1;

function drawSelected(): void {
  if (!current) return;
  const layer = Number(layerSelect.value);
  const head = Number(headSelect.value);
  const weights = current.layers[layer][head];
  byId('explorer-heatmap').innerHTML = attentionHeatmapSvg({ weights, queryLabels: current.labels, title: `layer ${layer}, head ${head}` });
  const tokens = byId('explorer-tokens');
  tokens.innerHTML = '';
  current.labels.forEach((label, i) => {
    const button = el('button', { type: 'button', class: i === selectedToken ? 'selected' : '', title: `token ${i}` }, label === ' ' ? '␣' : label);
    button.onclick = () => {
      selectedToken = i;
      drawSelected();
    };
    tokens.append(button);
  });
  const row = byId('explorer-row');
  if (selectedToken >= 0 && selectedToken < current.labels.length) {
    // Causal attention: token i only sees tokens 0..i, so the row is cut there.
    const keys = current.labels.slice(0, selectedToken + 1);
    row.innerHTML = attentionRowSvg({
      weights: weights[selectedToken].slice(0, selectedToken + 1),
      labels: keys,
      queryLabel: current.labels[selectedToken],
      title: `what "${current.labels[selectedToken]}" (token ${selectedToken}) attends to`,
    });
  } else {
    row.innerHTML = '';
  }
}
layerSelect.onchange = headSelect.onchange = drawSelected;

const modelSelect = byId<HTMLSelectElement>('explorer-model');
const explorerInput = byId<HTMLInputElement>('explorer-input');
/** A sentence each model can read (the coreference model knows only its own words). */
const EXAMPLE_TEXT: Record<string, string> = {
  shakespeare: 'To be, or not to be, that is the question.',
  coref: 'the ball did not fit in the cupboard because too tall was it',
  page: 'The cat sat on the mat because it was tired.',
};
modelSelect.onchange = () => {
  explorerInput.value = EXAMPLE_TEXT[modelSelect.value] ?? explorerInput.value;
};

/** Checkpoints are static directories next to index.html (as attn train writes them), fetched once and handed to the worker. */
const CHECKPOINT_FILES = ['config.json', 'model.safetensors', 'attn-tokenizer.json', 'training-state.safetensors'];
const checkpointLoads = new Map<string, Promise<void>>();
function loadCheckpoint(name: string): Promise<void> {
  let loading = checkpointLoads.get(name);
  if (!loading) {
    loading = (async () => {
      const url = (file: string) => new URL(`models/${name}/${file}`, document.baseURI).href;
      const files: Record<string, ArrayBuffer> = {};
      await Promise.all(
        CHECKPOINT_FILES.map(async (file) => {
          const response = await fetch(url(file));
          if (response.ok) files[file] = await response.arrayBuffer();
          else if (file !== 'training-state.safetensors') throw new Error(`checkpoint ${name}: ${url(file)} answered ${response.status}`);
        }),
      );
      const ready = next('checkpointReady');
      send({ type: 'loadCheckpoint', name, files });
      const reply = await ready;
      byId('explorer-model-info').textContent =
        `${reply.nLayer} layers × ${reply.nHead} heads, ${reply.params.toLocaleString('en')} parameters, ` +
        `${reply.steps ?? '?'} steps${reply.lastLoss === undefined ? '' : `, final training loss ${reply.lastLoss.toFixed(2)}`}`;
    })();
    loading.catch(() => checkpointLoads.delete(name));
    checkpointLoads.set(name, loading);
  }
  return loading;
}

byId<HTMLButtonElement>('explorer-run').onclick = async () => {
  try {
    const source = modelSelect.value;
    if (source === 'page') {
      await ensureModel();
      byId('explorer-model-info').textContent = `trained in this page for ${steps} steps`;
      if (steps === 0 && !isTraining) {
        explorerStatus.textContent = 'training a tiny model for a few seconds first…';
        await runTraining({ ms: 4000 });
      }
    } else {
      explorerStatus.textContent = 'loading the checkpoint…';
      await loadCheckpoint(source);
    }
    const reply = next('attention');
    send({ type: 'attention', source, text: explorerInput.value });
    current = await reply;
    const nLayer = current.layers.length;
    const nHead = current.layers[0]?.length ?? 0;
    layerSelect.replaceChildren(...Array.from({ length: nLayer }, (_, i) => el('option', { value: String(i) }, String(i))));
    headSelect.replaceChildren(...Array.from({ length: nHead }, (_, i) => el('option', { value: String(i) }, String(i))));
    selectedToken = current.labels.length - 1;
    byId('explorer-grid').innerHTML = attentionGridSvg({ layers: current.layers, labels: current.labels, title: `all ${nLayer} layers × ${nHead} heads` });
    explorerStatus.textContent =
      `${current.labels.length} tokens` + (current.dropped > 0 ? `; ${current.dropped} dropped (not in the vocabulary, or beyond the context)` : '');
    drawSelected();
  } catch (err) {
    showError(err);
  }
};

// ---- generation ------------------------------------------------------------
const genStart = byId<HTMLButtonElement>('gen-start');
const genStop = byId<HTMLButtonElement>('gen-stop');
const genOutput = byId('gen-output');
const numberOf = (id: string) => Number(byId<HTMLInputElement>(id).value);
listeners.add((msg) => {
  if (msg.type === 'token') genOutput.append(msg.text);
});
genStart.onclick = async () => {
  try {
    const source = byId<HTMLSelectElement>('gen-model').value;
    if (source === 'page') await ensureModel();
    else await loadCheckpoint(source);
    genStart.disabled = true;
    genStop.disabled = false;
    const prompt = byId<HTMLInputElement>('gen-prompt').value;
    genOutput.textContent = prompt;
    delete genOutput.dataset.done; // set again when this generation ends
    const done = next('generateDone');
    send({
      type: 'generate',
      source,
      prompt,
      temperature: numberOf('gen-temperature'),
      topK: numberOf('gen-topk'),
      topP: numberOf('gen-topp'),
      maxTokens: numberOf('gen-max'),
      seed: Math.floor(Math.random() * 2 ** 31),
    });
    const result = await done;
    genOutput.dataset.done = result.reason;
  } catch (err) {
    showError(err);
  } finally {
    genStart.disabled = false;
    genStop.disabled = true;
  }
};
genStop.onclick = () => send({ type: 'stopGenerate' });
