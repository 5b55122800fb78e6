// The Train view: pick a text (a bundled corpus or your own), a model size and an
// engine; train, stop, continue; watch training and validation loss.
import { type LossPoint, lossCurveSvg } from '@attn/viz';
import type { WorkerClient } from '../client';
import { CORPUS_LABELS, loadCorpusText } from '../corpora';
import { byId, el } from '../dom';
import { ErrorSlot, messageOf, readNumberField, slotFor } from '../form';
import { CONFIGS, type DemoConfig, DEFAULT_CONFIG, type EngineChoice, type EngineStatus, VALIDATION_FRACTION } from '../protocol';
import type { PageModelInfo, SharedState } from '../state';
import { checkFileSize, checkTrainingLength, formatBytes, MAX_TEXT_BYTES, RULES, textFromPaste, textFromUserBytes } from '../validate';
import { sampleSentence, vocabularySize } from '../vocab';

/** What the controls currently ask for. */
interface Selection {
  corpus: string;
  configName: string;
  /** The pasted or uploaded text when corpus is 'own'. */
  ownText: string;
  ownName: string;
}

/** Same key = same model: a change of text or size means a new model. */
function selectionKey(s: Selection): string {
  return `${s.corpus}|${s.configName}${s.corpus === 'own' ? `|${s.ownText}` : ''}`;
}

const ENGINE_NAMES: Record<EngineChoice, string> = { wasm: 'WebAssembly SIMD', cpu: 'TypeScript', gpu: 'GPU.js', webgpu: 'WebGPU' };

/** "WebAssembly SIMD · 2 threads", "WebGPU · google swiftshader (CPU emulation, not a GPU)" */
export function describeEngine(status: EngineStatus): string {
  const threads = `${status.threads} thread${status.threads === 1 ? '' : 's'}`;
  if (status.engine === 'gpu') return `GPU.js (${status.mode}) · other ops on ${threads}`;
  if (status.engine === 'webgpu') return `WebGPU · ${status.mode}`;
  return `${ENGINE_NAMES[status.engine]} · ${threads}`;
}

export interface TrainView {
  /** Trains with the current settings (the hero's button). */
  start(): Promise<void>;
  /**
   * Makes a model continued from a checkpoint the page's model (see views/models.ts): the text
   * and size controls show what it was trained on (its shape as an extra size), and the loss
   * curve its history, so Train continues it.
   */
  adopt(model: AdoptedModel): void;
}

/** A model continued from a checkpoint: what the train view shows of it. */
export interface AdoptedModel {
  info: PageModelInfo;
  /** 'shakespeare', 'emma' or 'own' (then `text` is its text and `ownName` the name it came with). */
  corpus: string;
  text: string;
  ownName: string;
  config: DemoConfig;
  losses: LossPoint[];
  valLosses: LossPoint[];
  status: string;
}

export function setupTrainView(client: WorkerClient, shared: SharedState): TrainView {
  const form = byId<HTMLFormElement>('train-form');
  const corpusRadios = [...form.querySelectorAll<HTMLInputElement>('input[name="corpus"]')];
  const engineRadios = [...form.querySelectorAll<HTMLInputElement>('input[name="engine"]')];
  const ownBlock = byId('own-text');
  const paste = byId<HTMLTextAreaElement>('own-paste');
  const file = byId<HTMLInputElement>('own-file');
  const ownSummary = byId('own-summary');
  const configSelect = byId<HTMLSelectElement>('train-config');
  const stepsInput = byId<HTMLInputElement>('train-steps');
  const startButton = byId<HTMLButtonElement>('train-start');
  const stopButton = byId<HTMLButtonElement>('train-stop');
  const resetButton = byId<HTMLButtonElement>('train-reset');
  const status = byId('train-status');
  const curve = byId('train-curve');
  const engineNote = byId('engine-note');
  const badge = byId('engine-badge');

  const pasteError = slotFor('own-paste');
  const fileError = slotFor('own-file');
  const stepsError = slotFor('train-steps');
  const startError = new ErrorSlot(byId('train-start-error'));
  const engineError = new ErrorSlot(byId('engine-choices-error'));

  for (const [value, config] of Object.entries(CONFIGS)) configSelect.append(el('option', { value }, config.label));
  configSelect.value = DEFAULT_CONFIG;
  const configHint = byId('train-config-hint');
  const describeConfig = () => {
    const c = CONFIGS[configSelect.value];
    configHint.textContent = `Reads ${c.blockSize} characters at a time; ${c.batchSize} sequences per step.`;
  };
  describeConfig();
  configSelect.addEventListener('change', describeConfig);
  let ownName = 'The pasted text';
  byId('own-hint').textContent =
    `UTF-8 text up to ${formatBytes(MAX_TEXT_BYTES)}. Every distinct character becomes a token; ` +
    `the last ${Math.round(VALIDATION_FRACTION * 100)}% is held out to measure validation loss.`;

  const selection = (): Selection => ({
    corpus: corpusRadios.find((r) => r.checked)?.value ?? 'shakespeare',
    configName: configSelect.value,
    ownText: paste.value,
    ownName,
  });

  // ---- losses and the curve ------------------------------------------------------
  let losses: LossPoint[] = [];
  let valLosses: LossPoint[] = [];
  let drawPending = false;
  function drawCurve(): void {
    drawPending = false;
    curve.dataset.losses = JSON.stringify(losses.map((p) => p.loss));
    curve.dataset.valLosses = JSON.stringify(valLosses.map((p) => [p.step, p.loss]));
    const empty = losses.length + valLosses.length < 2;
    byId('train-curve-empty').hidden = !empty;
    if (empty) {
      curve.replaceChildren();
      return;
    }
    // Fit the plot to its box (the SVG adds 168 px of axes and legend), so text stays its real size.
    const plotWidth = Math.max(160, Math.min(720, curve.clientWidth - 168));
    curve.innerHTML = lossCurveSvg({
      train: losses,
      val: valLosses,
      title: 'Loss',
      width: plotWidth,
      height: plotWidth < 320 ? 180 : 240,
    });
  }
  const scheduleDraw = () => {
    if (!drawPending) {
      drawPending = true;
      requestAnimationFrame(drawCurve);
    }
  };
  new ResizeObserver(scheduleDraw).observe(curve.parentElement as HTMLElement);

  const stat = (id: string, text: string) => {
    byId(id).textContent = text;
  };
  function resetStats(): void {
    losses = [];
    valLosses = [];
    stat('train-step', '0');
    stat('train-loss', '–');
    stat('train-val', '–');
    stat('train-tps', '–');
    stat('train-lr', '–');
    scheduleDraw();
  }

  // ---- what the buttons say and allow --------------------------------------------------
  function refreshControls(): void {
    const training = shared.training;
    const model = shared.pageModel;
    const sel = selection();
    ownBlock.hidden = sel.corpus !== 'own';
    for (const control of [...corpusRadios, paste, file, configSelect, stepsInput, resetButton]) control.disabled = training;
    for (const radio of engineRadios) radio.disabled = training || switchingEngine || (radio.value === 'webgpu' && !engine?.webgpu);
    startButton.disabled = training;
    stopButton.disabled = !training;
    const changed = model !== null && model.selection !== selectionKey(sel);
    startButton.textContent = !model || model.steps === 0 ? 'Train' : changed ? 'Train new model' : 'Continue';
    startButton.dataset.mode = !model ? 'new' : changed ? 'new' : 'continue';
  }
  shared.subscribe(refreshControls);

  function describeModel(): string {
    const model = shared.pageModel;
    if (!model) return '';
    return `${model.corpusLabel}, ${model.configName} model`;
  }

  /** Says what Train will do when the text or size no longer matches the model. */
  function onSelectionChange(): void {
    refreshControls();
    const model = shared.pageModel;
    if (!model || shared.training) return;
    if (model.selection !== selectionKey(selection())) {
      status.textContent = `You changed the text or the model size: Train starts a new model (the current one, ${describeModel()}, has trained for ${model.steps} steps).`;
    } else {
      status.textContent = model.steps === 0 ? 'New model ready: press Train.' : `Trained for ${model.steps} steps on ${describeModel()}. Press Continue to train more.`;
    }
  }
  for (const radio of corpusRadios) radio.addEventListener('change', onSelectionChange);
  configSelect.addEventListener('change', onSelectionChange);
  let summaryTimer = 0;
  paste.addEventListener('input', () => {
    ownName = 'The pasted text';
    file.value = ''; // the box no longer holds the file's text
    pasteError.clear();
    onSelectionChange();
    clearTimeout(summaryTimer);
    summaryTimer = window.setTimeout(() => summarise(paste.value), 200);
  });
  function summarise(text: string): void {
    if (text === '') {
      ownSummary.textContent = '';
      return;
    }
    const distinct = new Set(text).size;
    ownSummary.textContent = `${ownName}: ${Array.from(text).length.toLocaleString('en')} characters, ${distinct.toLocaleString('en')} distinct.`;
  }

  // An uploaded file fills the text box (after the same checks as pasted text).
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    const size = checkFileSize(chosen.name, chosen.size);
    if (!size.ok) {
      fileError.show(size.message);
      file.value = '';
      return;
    }
    try {
      const checked = textFromUserBytes(new Uint8Array(await chosen.arrayBuffer()), chosen.name);
      if (!checked.ok) {
        fileError.show(checked.message);
        file.value = '';
        return;
      }
      fileError.clear();
      pasteError.clear();
      ownName = chosen.name;
      paste.value = checked.value;
      summarise(checked.value);
      onSelectionChange();
    } catch (err) {
      fileError.show(`${chosen.name} could not be read: ${messageOf(err)}`);
    }
  });

  // ---- engine ----------------------------------------------------------------------------
  let switchingEngine = false;
  let engine: EngineStatus | null = null;
  client.onEngine((s) => {
    engine = s;
    badge.textContent = `Engine: ${describeEngine(s)}`;
    badge.dataset.engine = s.engine;
    badge.dataset.threads = String(s.threads);
    badge.dataset.mode = s.mode;
    for (const radio of engineRadios) radio.checked = radio.value === s.engine;
    const calls = s.engine === 'gpu' ? `${s.gpuCalls.toLocaleString('en')} matmuls on gpu.js and ${s.cpuCalls.toLocaleString('en')} on the CPU so far; the other ops run in TypeScript.` : '';
    const note = s.note ? `${s.note[0].toUpperCase()}${s.note.slice(1)}.` : '';
    engineNote.textContent = [note, calls].filter(Boolean).join(' ');
    // WebGPU is offered when the browser has an adapter; its name is shown beside the choice.
    const adapter = byId('engine-webgpu-adapter');
    adapter.textContent =
      s.webgpu === undefined ? 'WebGPU: looking for an adapter…' : s.webgpu ? `WebGPU adapter: ${s.webgpu.label}.` : 'WebGPU: this browser offers no adapter.';
    adapter.dataset.software = String(s.webgpu?.software ?? false);
    refreshControls();
  });
  for (const radio of engineRadios) {
    radio.addEventListener('change', async () => {
      if (!radio.checked) return;
      switchingEngine = true;
      refreshControls();
      engineNote.textContent =
        radio.value === 'gpu' ? 'Starting GPU.js (compiling its kernels)…' : radio.value === 'webgpu' ? 'Starting WebGPU (asking the adapter for a device)…' : '';
      try {
        await client.request({ type: 'engine', engine: radio.value as EngineChoice });
        engineError.clear();
      } catch (err) {
        engineError.show(messageOf(err));
        for (const r of engineRadios) r.checked = r.value === engine?.engine;
      } finally {
        switchingEngine = false;
        refreshControls();
      }
    });
  }

  // ---- a new model ------------------------------------------------------------------------
  /** Makes a model for `sel`; shows problems next to the control they concern and returns false. */
  async function newModel(sel: Selection): Promise<boolean> {
    const config = CONFIGS[sel.configName];
    let text: string;
    let label: string;
    if (sel.corpus === 'own') {
      const checked = textFromPaste(sel.ownText);
      const long = checked.ok ? checkTrainingLength(checked.value, config.blockSize, sel.ownName) : checked;
      if (!long.ok) {
        pasteError.show(long.message);
        paste.focus();
        return false;
      }
      pasteError.clear();
      text = long.value;
      label = sel.ownName === 'The pasted text' ? 'your pasted text' : sel.ownName;
    } else {
      status.textContent = `Loading ${CORPUS_LABELS[sel.corpus]}…`;
      text = await loadCorpusText(sel.corpus);
      label = CORPUS_LABELS[sel.corpus].replace(/ \(.*$/, '');
    }
    status.textContent = 'Building the model…';
    // The name the checkpoint records for its data: a corpus key as the CLI writes it, or the file's name.
    const dataName = sel.corpus !== 'own' ? sel.corpus : sel.ownName === 'The pasted text' ? 'pasted text' : sel.ownName;
    const ready = await client.request({ type: 'init', corpusLabel: label, text, config, seed: 1337, dataName });
    shared.update({
      pageModel: {
        selection: selectionKey(sel),
        corpusLabel: label,
        configName: sel.configName,
        nLayer: config.nLayer,
        nHead: config.nHead,
        params: ready.params,
        vocabulary: ready.vocabulary,
        blockSize: ready.blockSize,
        trainChars: ready.trainChars,
        valChars: ready.valChars,
        steps: 0,
        sampleSentence: sampleSentence(text, ready.vocabulary.kind === 'char' ? ready.vocabulary.chars : [], ready.blockSize),
      },
    });
    resetStats();
    const vocab = vocabularySize(ready.vocabulary);
    status.textContent =
      `New model on ${label}: ${ready.params.toLocaleString('en')} parameters, ${vocab} distinct characters, ` +
      `${ready.trainChars.toLocaleString('en')} characters to train on and ${ready.valChars.toLocaleString('en')} held out.`;
    return true;
  }

  // ---- training -------------------------------------------------------------------------------
  async function train(steps: number): Promise<void> {
    const model = shared.pageModel;
    if (!model) return;
    shared.update({ training: true });
    const target = model.steps + steps;
    status.textContent = `Training on ${describeModel()}: step ${model.steps} of ${target}…`;
    try {
      const done = await client.request({ type: 'train', steps }, (msg) => {
        if (msg.type !== 'progress') return;
        for (const p of msg.losses) losses.push(p);
        if (msg.valLoss) valLosses.push(msg.valLoss);
        const last = msg.losses.at(-1);
        stat('train-step', msg.step.toLocaleString('en'));
        if (last) stat('train-loss', last.loss.toFixed(3));
        if (msg.valLoss) stat('train-val', msg.valLoss.loss.toFixed(3));
        if (msg.tokensPerSecond > 0) stat('train-tps', Math.round(msg.tokensPerSecond).toLocaleString('en'));
        stat('train-lr', msg.lr.toExponential(2));
        byId('train-tps').dataset.value = String(msg.tokensPerSecond);
        status.textContent = `Training on ${describeModel()}: step ${msg.step} of ${target}…`;
        if (shared.pageModel) shared.pageModel.steps = msg.step;
        scheduleDraw();
      });
      shared.update({ pageModel: { ...model, steps: done.step } });
      drawCurve(); // now, not on the next frame: the curve (and its data-losses) agrees with the status below when it says the run ended
      const val = valLosses.at(-1);
      if (done.seconds > 0) stat('train-tps', Math.round(done.tokens / done.seconds).toLocaleString('en')); // the whole run, as the status says
      const speed = done.seconds > 0 ? ` This run: ${done.steps} steps, ${Math.round(done.tokens / done.seconds).toLocaleString('en')} tokens/s.` : '';
      status.textContent =
        `${done.reason === 'stopped' ? 'Stopped. ' : ''}Trained for ${done.step} steps on ${describeModel()}` +
        `${val ? `; validation loss ${val.loss.toFixed(3)}` : ''}.${speed} Press Continue to train more.`;
      status.dataset.steps = String(done.step);
      status.dataset.tokens = String(done.tokens);
      status.dataset.tokensPerSecond = String(done.seconds > 0 ? done.tokens / done.seconds : 0);
      startError.clear();
    } finally {
      shared.update({ training: false });
      scheduleDraw();
    }
  }

  async function start(): Promise<void> {
    if (shared.training) return;
    delete status.dataset.steps; // set again when this run ends (tests and the bench wait for it)
    const steps = readNumberField(stepsInput, RULES.steps, stepsError);
    if (steps === null) {
      stepsInput.focus();
      return;
    }
    try {
      const sel = selection();
      if (!shared.pageModel || shared.pageModel.selection !== selectionKey(sel)) {
        if (!(await newModel(sel))) return;
      }
      await train(steps);
    } catch (err) {
      status.textContent = shared.pageModel ? `Trained for ${shared.pageModel.steps} steps.` : 'No model yet.';
      startError.show(messageOf(err));
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void start();
  });
  stopButton.onclick = () => {
    status.textContent = 'Stopping after this step…';
    client.request({ type: 'stop' }).catch((err) => startError.show(messageOf(err)));
  };
  resetButton.onclick = async () => {
    if (shared.training) return;
    try {
      if (await newModel(selection())) {
        startError.clear();
        refreshControls();
      }
    } catch (err) {
      startError.show(messageOf(err));
    }
  };
  function adopt(adopted: AdoptedModel): void {
    // The checkpoint's shape joins the sizes (New model then makes a fresh model of that shape).
    const configName = `checkpoint:${adopted.info.corpusLabel}`;
    CONFIGS[configName] = adopted.config;
    configSelect.querySelector('option[data-checkpoint]')?.remove();
    configSelect.append(el('option', { value: configName, 'data-checkpoint': 'true' }, adopted.config.label));
    configSelect.value = configName;
    describeConfig();
    for (const radio of corpusRadios) radio.checked = radio.value === adopted.corpus;
    if (adopted.corpus === 'own') {
      paste.value = adopted.text;
      ownName = adopted.ownName;
      file.value = '';
      summarise(adopted.text);
    }
    pasteError.clear();
    startError.clear();
    shared.update({ pageModel: { ...adopted.info, selection: selectionKey(selection()) } });
    losses = adopted.losses;
    valLosses = adopted.valLosses;
    stat('train-step', adopted.info.steps.toLocaleString('en'));
    const lastLoss = losses.at(-1);
    const lastVal = valLosses.at(-1);
    stat('train-loss', lastLoss ? lastLoss.loss.toFixed(3) : '–');
    stat('train-val', lastVal ? lastVal.loss.toFixed(3) : '–');
    stat('train-tps', '–');
    stat('train-lr', '–');
    status.textContent = adopted.status;
    drawCurve(); // before data-steps is set, so whoever waits on it sees this model's curve
    status.dataset.steps = String(adopted.info.steps);
    refreshControls();
  }

  refreshControls();
  return { start, adopt };
}
