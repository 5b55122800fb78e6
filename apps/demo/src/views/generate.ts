// The Generate view: a prompt and sampling settings; the model's characters stream
// in after the prompt.
import type { WorkerClient } from '../client';
import { type Checkpoints, describeCheckpoint } from '../checkpoints';
import { byId } from '../dom';
import { ErrorSlot, messageOf, readNumberField, slotFor } from '../form';
import { type ModelView, showPreview } from '../preview';
import type { SharedState } from '../state';
import { RULES } from '../validate';

export interface GenerateView {
  /** Generates with the current settings (the hero's button). */
  start(): Promise<void>;
  /** Loads the chosen model's vocabulary for the preview (when the view opens). */
  refresh(): void;
}

export function setupGenerateView(client: WorkerClient, shared: SharedState, checkpoints: Checkpoints): GenerateView {
  const form = byId<HTMLFormElement>('gen-form');
  const modelSelect = byId<HTMLSelectElement>('gen-model');
  const modelInfo = byId('gen-model-info');
  const prompt = byId<HTMLInputElement>('gen-prompt');
  const preview = byId('gen-prompt-preview');
  const report = byId('gen-prompt-report');
  const startButton = byId<HTMLButtonElement>('gen-start');
  const stopButton = byId<HTMLButtonElement>('gen-stop');
  const output = byId('gen-output');
  const status = byId('gen-status');
  const fields = {
    temperature: { input: byId<HTMLInputElement>('gen-temperature'), rule: RULES.temperature, slot: slotFor('gen-temperature') },
    topK: { input: byId<HTMLInputElement>('gen-topk'), rule: RULES.topK, slot: slotFor('gen-topk') },
    topP: { input: byId<HTMLInputElement>('gen-topp'), rule: RULES.topP, slot: slotFor('gen-topp') },
    maxTokens: { input: byId<HTMLInputElement>('gen-max'), rule: RULES.maxTokens, slot: slotFor('gen-max') },
  };
  const modelError = slotFor('gen-model');
  const promptError = slotFor('gen-prompt');
  const startError = new ErrorSlot(byId('gen-start-error'));
  let running = false;

  /** The chosen model's vocabulary and context, or null (not loaded, or no page model yet). */
  let current: ModelView | null = null;
  let refreshCount = 0;
  async function refresh(): Promise<void> {
    const source = modelSelect.value;
    const mine = ++refreshCount; // a later choice wins over a slower earlier load
    current = null;
    if (source === 'page') {
      const model = shared.pageModel;
      if (model && model.steps > 0) {
        current = model;
        modelInfo.textContent = `Trained in this page on ${model.corpusLabel} for ${model.steps} steps; reads ${model.blockSize} characters at a time.`;
      } else {
        modelInfo.textContent = 'No model has been trained in this page yet: train one in the Train view first.';
      }
      modelError.clear();
    } else {
      modelInfo.textContent = 'Loading…';
      try {
        const info = await checkpoints.load(source);
        if (mine !== refreshCount) return;
        current = info;
        modelInfo.textContent = describeCheckpoint(info);
        modelError.clear();
      } catch (err) {
        if (mine !== refreshCount) return;
        modelInfo.textContent = '';
        modelError.show(messageOf(err));
      }
    }
    updatePreview();
  }
  function updatePreview(): void {
    showPreview(preview, report, prompt.value, current);
  }
  modelSelect.addEventListener('change', () => void refresh());
  prompt.addEventListener('input', () => {
    promptError.clear();
    updatePreview();
  });
  shared.subscribe(() => {
    if (modelSelect.value === 'page' && !shared.training) void refresh();
  });

  async function start(): Promise<void> {
    if (running) return;
    // Check every field, so each shows its own message at once.
    const values: Record<string, number | null> = {};
    for (const [name, f] of Object.entries(fields)) values[name] = readNumberField(f.input, f.rule, f.slot);
    const firstBad = Object.entries(fields).find(([name]) => values[name] === null);
    const source = modelSelect.value;
    if (source === 'page' && !(shared.pageModel && shared.pageModel.steps > 0)) {
      modelError.show('No model has been trained in this page yet: train one in the Train view first, or pick the Shakespeare model.');
      modelSelect.focus();
      return;
    }
    if (firstBad) {
      firstBad[1].input.focus();
      return;
    }
    try {
      if (!current) await refresh();
      if (!current) return; // the model's error is showing
      const analysis = showPreview(preview, report, prompt.value, current);
      if (!analysis || analysis.ids.length === 0) {
        promptError.show(
          prompt.value === '' ? 'Type a prompt for the model to continue.' : 'None of the prompt\'s characters are in this model\'s vocabulary (marked in red below the box).',
        );
        prompt.focus();
        return;
      }
      promptError.clear();
      modelError.clear();
      running = true;
      startButton.disabled = true;
      stopButton.disabled = false;
      const promptSpan = document.createElement('span');
      promptSpan.className = 'prompt';
      promptSpan.textContent = prompt.value;
      output.replaceChildren(promptSpan);
      delete output.dataset.done;
      status.textContent = 'Writing…';
      let written = 0;
      const done = await client.request(
        {
          type: 'generate',
          source,
          prompt: prompt.value,
          temperature: values.temperature as number,
          topK: values.topK as number,
          topP: values.topP as number,
          maxTokens: values.maxTokens as number,
          seed: Math.floor(Math.random() * 2 ** 31),
        },
        (msg) => {
          if (msg.type !== 'token') return;
          output.append(msg.text);
          written++;
        },
      );
      output.dataset.done = done.reason;
      status.textContent = `${done.reason === 'aborted' ? 'Stopped after' : 'Wrote'} ${written} token${written === 1 ? '' : 's'}.`;
      startError.clear();
    } catch (err) {
      status.textContent = '';
      startError.show(messageOf(err));
    } finally {
      running = false;
      startButton.disabled = false;
      stopButton.disabled = true;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void start();
  });
  stopButton.onclick = () => {
    client.request({ type: 'stopGenerate' }).catch((err) => startError.show(messageOf(err)));
  };
  return { start, refresh: () => void refresh() };
}
