// Next token: the probabilities a model gives every token after the prompt, reshaped live by
// temperature, top-k and top-p sliders (@attn/inspect's samplingView in the worker, with
// @attn/sample's processors), then generation with those settings, one token at a time,
// each with the distribution it was drawn from.
import type { SamplingView } from '@attn/inspect';
import { probabilityBarsSvg, visibleLabel } from '@attn/viz';
import type { Checkpoints } from '../checkpoints';
import type { WorkerClient } from '../client';
import { boxWidth } from '../figures';
import { byId, el } from '../dom';
import { clearOnEdit, ErrorSlot, messageOf, readNumberField, slotFor } from '../form';
import type { SliderSettings } from '../inspect-protocol';
import { exampleText } from '../examples';
import type { ModelList } from '../model-list';
import { ModelPicker } from '../model-picker';
import { showPreview } from '../preview';
import type { SharedState } from '../state';
import { attentionInterpolator } from '../theme';
import { INSPECT_RULES } from '../inspect-rules';
import { vocabularySize } from '../vocab';

/** Tokens drawn as bars. */
const SHOWN = 12;
/** Tokens to write by default: the coreference language says one word and a full stop, then nothing it learned. */
const DEFAULT_TOKENS: Record<string, number> = { coref: 2 };
/** The bars' SVG keeps room for a title the page shows in HTML instead: this much of its top is cut off. */
const SVG_TITLE_ROOM = 30;

/** One written token and the distribution it was drawn from. */
interface Step {
  token: number;
  label: string;
  view: SamplingView;
  labels: string[];
}

/** "top-k all" at the vocabulary size, else the number. */
export function describeSettings(s: SliderSettings, vocabSize: number): string {
  const t = s.temperature === 0 ? '0 (greedy)' : s.temperature.toFixed(2);
  return `temperature ${t} · top-k ${s.topK >= vocabSize ? `all ${vocabSize}` : s.topK} · top-p ${s.topP.toFixed(2)}`;
}

export interface SamplingViewHandle {
  refresh(): void;
  redraw(): void;
}

export function setupSamplingView(client: WorkerClient, models: ModelList, shared: SharedState, checkpoints: Checkpoints): SamplingViewHandle {
  const form = byId<HTMLFormElement>('sampling-form');
  const prompt = byId<HTMLInputElement>('sampling-prompt');
  const temperature = byId<HTMLInputElement>('sampling-temperature');
  const topK = byId<HTMLInputElement>('sampling-topk');
  const topP = byId<HTMLInputElement>('sampling-topp');
  const maxInput = byId<HTMLInputElement>('sampling-max');
  const startButton = byId<HTMLButtonElement>('sampling-start');
  const stopButton = byId<HTMLButtonElement>('sampling-stop');
  const status = byId('sampling-status');
  const bars = byId('sampling-bars');
  const barsTitle = byId('sampling-bars-title');
  const output = byId('sampling-output');
  const earlier = byId<HTMLButtonElement>('sampling-earlier');
  const later = byId<HTMLButtonElement>('sampling-later');
  const picker = new ModelPicker('sampling-model', models, shared, checkpoints, {
    first: ['coref'],
    onPageModel: () => {
      if (!writing) void onModelChange(false);
    },
  });
  const modelSelect = picker.select;
  const promptError = slotFor('sampling-prompt');
  const maxError = clearOnEdit(maxInput, slotFor('sampling-max'));
  const startError = new ErrorSlot(byId('sampling-start-error'));

  let vocabSize = Number(topK.max);
  let live: { view: SamplingView; labels: string[] } | null = null;
  let steps: Step[] = [];
  /** -1: the live distribution after the prompt; else a written token's step. */
  let selected = -1;
  let writing = false;

  const settings = (): SliderSettings => ({ temperature: Number(temperature.value), topK: Number(topK.value), topP: Number(topP.value) });

  function showValues(): void {
    const s = settings();
    byId('sampling-temperature-value').textContent = s.temperature === 0 ? '0 (greedy)' : s.temperature.toFixed(2);
    byId('sampling-topk-value').textContent = s.topK >= vocabSize ? `all ${vocabSize}` : String(s.topK);
    byId('sampling-topp-value').textContent = s.topP.toFixed(2);
  }

  // ---- the bars ----------------------------------------------------------------------------
  function drawBars(): void {
    const step = selected >= 0 ? steps[selected] : null;
    const shown = step ?? live;
    byId('sampling-bars-empty').hidden = shown !== null;
    if (!shown) {
      bars.replaceChildren();
      return;
    }
    const { view, labels } = shown;
    const labelWidth = Math.max(24, ...labels.map((l) => Math.min(16, l.length) * 7.5)) + 38;
    const chosen = step ? view.tokens.findIndex((t) => t.id === step.token) : -1;
    let subtitle = `${describeSettings(settings(), vocabSize)}: ${view.kept} of ${vocabSize} tokens can be drawn.`;
    if (step) {
      const drawn = view.tokens[chosen];
      subtitle = `It drew "${visibleLabel(step.label)}"${drawn ? ` (p = ${drawn.prob.toFixed(3)})` : `, not among the ${view.tokens.length} shown`}; ${view.kept} of ${vocabSize} tokens could be drawn.`;
    }
    barsTitle.textContent = step ? `What token ${selected + 1} was drawn from` : 'Next-token probabilities after the prompt';
    bars.innerHTML = probabilityBarsSvg({
      bars: view.tokens.map((t, i) => ({ label: labels[i], prob: t.prob, before: t.scaledProb, cutBy: t.cutBy, greedy: t.greedy, id: t.id })),
      title: '',
      barLength: Math.max(100, Math.min(320, boxWidth(bars) - labelWidth - 150)),
      interpolator: attentionInterpolator(),
    });
    byId('sampling-bars-subtitle').textContent = subtitle;
    const svg = bars.querySelector('svg');
    const box = svg?.getAttribute('viewBox')?.split(' ').map(Number);
    if (svg && box) {
      svg.setAttribute('viewBox', `${box[0]} ${box[1] + SVG_TITLE_ROOM} ${box[2]} ${box[3] - SVG_TITLE_ROOM}`);
      svg.setAttribute('height', String(box[3] - SVG_TITLE_ROOM));
    }
    bars.dataset.kept = String(view.kept);
    bars.dataset.settings = JSON.stringify(settings());
    if (chosen >= 0) bars.querySelector(`.bar-row[data-i="${chosen}"]`)?.classList.add('chosen');
  }

  // ---- live distribution: one request in flight, the latest settings win ---------------------
  let inFlight = false;
  let dirty = false;
  async function requestLive(): Promise<void> {
    if (inFlight) {
      dirty = true;
      return;
    }
    const model = picker.current;
    if (!model) return;
    const analysis = showPreview(byId('sampling-prompt-preview'), byId('sampling-prompt-report'), prompt.value, model);
    if (!analysis || analysis.ids.length === 0) {
      live = null;
      drawBars();
      return;
    }
    inFlight = true;
    dirty = false;
    try {
      const reply = await client.request({ type: 'nextTokens', source: model.source, prompt: prompt.value, settings: settings(), show: SHOWN });
      live = { view: reply.view, labels: reply.labels };
      promptError.clear();
      if (selected < 0) drawBars();
    } catch (err) {
      promptError.show(messageOf(err));
    } finally {
      inFlight = false;
      if (dirty) void requestLive();
    }
  }

  // ---- the model -------------------------------------------------------------------------------
  async function onModelChange(setPrompt: boolean): Promise<void> {
    if (setPrompt) {
      const source = modelSelect.value;
      prompt.value = exampleText(source, 'sampling', shared.pageModel, models.userModel) ?? prompt.value;
      maxInput.value = String(DEFAULT_TOKENS[source] ?? 40);
      maxError.clear();
      promptError.clear();
    }
    const model = await picker.refresh();
    if (!model) {
      live = null;
      drawBars();
      return;
    }
    const words = vocabularySize(model.vocabulary);
    const wasAll = Number(topK.value) >= vocabSize;
    vocabSize = words;
    topK.max = String(words);
    if (wasAll || Number(topK.value) > words) topK.value = String(words);
    showValues();
    clearOutput();
    await requestLive();
  }

  function clearOutput(): void {
    steps = [];
    selected = -1;
    output.replaceChildren();
    byId('sampling-output-figure').hidden = true;
  }

  // ---- writing -------------------------------------------------------------------------------------
  function select(i: number): void {
    selected = Math.max(-1, Math.min(steps.length - 1, i));
    for (const span of output.querySelectorAll<HTMLElement>('.out-token')) span.classList.toggle('selected', Number(span.dataset.step) === selected);
    output.querySelector('.prompt')?.classList.toggle('selected', selected === -1);
    earlier.disabled = selected < 0;
    later.disabled = selected >= steps.length - 1;
    byId('sampling-step').textContent = selected < 0 ? 'After the prompt' : `Token ${selected + 1} of ${steps.length}`;
    drawBars();
  }

  function setWriting(on: boolean): void {
    writing = on;
    for (const control of [modelSelect, prompt, temperature, topK, topP, maxInput]) control.disabled = on;
    startButton.disabled = on;
    stopButton.disabled = !on;
  }

  async function write(): Promise<void> {
    if (writing) return;
    const maxTokens = readNumberField(maxInput, INSPECT_RULES.samplingTokens, maxError);
    if (maxTokens === null) {
      maxInput.focus();
      return;
    }
    const model = await picker.require();
    if (!model) return;
    const analysis = showPreview(byId('sampling-prompt-preview'), byId('sampling-prompt-report'), prompt.value, model);
    if (!analysis || analysis.ids.length === 0) {
      promptError.show(prompt.value.trim() === '' ? 'Type a prompt for the model to continue.' : 'None of the prompt is in this model’s vocabulary (marked in red below the box).');
      prompt.focus();
      return;
    }
    clearOutput();
    byId('sampling-output-figure').hidden = false;
    output.append(el('span', { class: 'prompt', 'data-step': '-1' }, prompt.value));
    output.dataset.done = '';
    setWriting(true);
    status.textContent = 'Writing…';
    try {
      const done = await client.request(
        { type: 'sample', source: model.source, prompt: prompt.value, settings: settings(), show: SHOWN, maxTokens, seed: Math.floor(Math.random() * 2 ** 31) },
        (msg) => {
          if (msg.type !== 'sampled') return;
          const i = steps.length;
          steps.push({ token: msg.token, label: msg.label, view: msg.view, labels: msg.labels });
          const span = el('span', { class: 'out-token', 'data-step': String(i), 'data-greedy': String(msg.view.greedy === msg.token) }, msg.text);
          span.title = msg.view.greedy === msg.token ? 'the greedy choice' : 'not the greedy choice';
          span.onclick = () => select(i);
          output.append(span);
          select(i);
        },
      );
      output.dataset.done = done.reason;
      const notGreedy = steps.filter((s) => s.view.greedy !== s.token).length;
      status.textContent = `${done.reason === 'aborted' ? 'Stopped after' : 'Wrote'} ${done.tokens} token${done.tokens === 1 ? '' : 's'}; ${notGreedy} of them not the greedy choice (underlined).`;
      startError.clear();
      promptError.clear();
    } catch (err) {
      status.textContent = '';
      startError.show(messageOf(err));
    } finally {
      setWriting(false);
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------------
  modelSelect.addEventListener('change', () => void onModelChange(true));
  prompt.addEventListener('input', () => {
    promptError.clear();
    if (steps.length > 0) clearOutput();
    void requestLive();
  });
  for (const slider of [temperature, topK, topP]) {
    slider.addEventListener('input', () => {
      showValues();
      if (selected >= 0) select(-1); // the sliders reshape the live distribution
      void requestLive();
    });
  }
  earlier.onclick = () => select(selected - 1);
  later.onclick = () => select(selected + 1);
  output.addEventListener('click', (event) => {
    if ((event.target as HTMLElement).classList.contains('prompt')) select(-1);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void write();
  });
  stopButton.onclick = () => {
    client.request({ type: 'stopSample' }).catch((err) => startError.show(messageOf(err)));
  };
  showValues();

  let opened = false;
  return {
    refresh: () => {
      if (!opened || !picker.current) void onModelChange(!opened);
      opened = true;
    },
    redraw: drawBars,
  };
}
