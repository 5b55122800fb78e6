// The Generate view: a prompt and sampling settings; the model's text streams in after
// the prompt (characters, words, or byte-level BPE tokens decoded as they complete).
import type { Checkpoints } from '../checkpoints';
import type { WorkerClient } from '../client';
import { byId } from '../dom';
import { exampleText } from '../examples';
import { ErrorSlot, messageOf, readNumberField, slotFor } from '../form';
import type { ModelList } from '../model-list';
import { ModelPicker } from '../model-picker';
import { showPreview } from '../preview';
import type { SharedState } from '../state';
import { RULES } from '../validate';

export interface GenerateView {
  /** Generates with the current settings (the hero's button). */
  start(): Promise<void>;
  /** Loads the chosen model's vocabulary for the preview (when the view opens). */
  refresh(): void;
  /** Chooses a model and loads it (Your model's "Generate with it"). */
  choose(source: string): void;
}

export function setupGenerateView(client: WorkerClient, models: ModelList, shared: SharedState, checkpoints: Checkpoints): GenerateView {
  const form = byId<HTMLFormElement>('gen-form');
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
  const picker = new ModelPicker('gen-model', models, shared, checkpoints, { first: ['shakespeare'], onPageModel: () => void refresh() });
  const promptError = slotFor('gen-prompt');
  const startError = new ErrorSlot(byId('gen-start-error'));
  let running = false;

  /** Loads the chosen model and marks the prompt against its vocabulary. */
  async function refresh(): Promise<void> {
    await picker.refresh();
    updatePreview();
  }
  function updatePreview(): void {
    showPreview(preview, report, prompt.value, picker.current);
  }
  picker.select.addEventListener('change', () => {
    // A prompt the new model reads (the coreference model knows only its own words).
    prompt.value = exampleText(picker.select.value, 'generate', shared.pageModel, models.userModel) ?? prompt.value;
    promptError.clear();
    updatePreview(); // cleared until the new model is loaded
    void refresh();
  });
  prompt.addEventListener('input', () => {
    promptError.clear();
    updatePreview();
  });

  async function start(): Promise<void> {
    if (running) return;
    // Check every field, so each shows its own message at once.
    const values: Record<string, number | null> = {};
    for (const [name, f] of Object.entries(fields)) values[name] = readNumberField(f.input, f.rule, f.slot);
    const firstBad = Object.entries(fields).find(([name]) => values[name] === null);
    const model = await picker.require();
    if (!model) return; // its error shows under the select
    if (firstBad) {
      firstBad[1].input.focus();
      return;
    }
    try {
      const analysis = showPreview(preview, report, prompt.value, model);
      if (!analysis || analysis.ids.length === 0) {
        promptError.show(prompt.value === '' ? 'Type a prompt for the model to continue.' : `None of the prompt is in this model's vocabulary (marked in red below the box).`);
        prompt.focus();
        return;
      }
      promptError.clear();
      picker.clearError();
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
          source: model.source,
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
  return {
    start,
    refresh: () => void refresh(),
    choose: (source) => {
      if (picker.select.value === source && picker.current) return;
      picker.select.value = source;
      picker.select.dispatchEvent(new Event('change'));
    },
  };
}
