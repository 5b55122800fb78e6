// Encoder-decoder: the worker trains the encoder-decoder Transformer on the date task with
// @attn/train's Trainer (seq2seqPairs source), measures held-out exact match greedy and with
// beam search (@attn/inspect's translationAccuracy), and translates a typed date with both,
// showing the cross-attention behind each output character (translateWithAttention) as a
// heatmap of output characters × input characters.
import type { WorkerClient } from '../client';
import { byId, el } from '../dom';
import { describeTaskRun, trainTask } from '../task-training';
import { drawFittedHeatmap } from '../figures';
import { clearOnEdit, ErrorSlot, messageOf, readNumberField, slotFor } from '../form';
import type { InspectReply } from '../inspect-protocol';
import { INSPECT_RULES } from '../inspect-rules';
import type { SharedState } from '../state';

type Translation = Extract<InspectReply, { type: 'translateResult' }>;

/** Held-out dates the accuracy is measured on. */
export const ACCURACY_EXAMPLES = 200;

/** "99.5%" */
const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

export interface Seq2SeqView {
  redraw(): void;
}

export function setupSeq2SeqView(client: WorkerClient, shared: SharedState): Seq2SeqView {
  const trainForm = byId<HTMLFormElement>('seq2seq-train-form');
  const stepsInput = byId<HTMLInputElement>('seq2seq-steps');
  const trainButton = byId<HTMLButtonElement>('seq2seq-train');
  const stopButton = byId<HTMLButtonElement>('seq2seq-stop');
  const status = byId('seq2seq-status');
  const accuracy = byId('seq2seq-accuracy');
  const form = byId<HTMLFormElement>('seq2seq-form');
  const input = byId<HTMLInputElement>('seq2seq-input');
  const beamInput = byId<HTMLInputElement>('seq2seq-beam');
  const runButton = byId<HTMLButtonElement>('seq2seq-run');
  const result = byId('seq2seq-result');
  const decoding = byId<HTMLSelectElement>('seq2seq-decoding');
  const layerSelect = byId<HTMLSelectElement>('seq2seq-layer');
  const headSelect = byId<HTMLSelectElement>('seq2seq-head');
  const heatmap = byId('seq2seq-heatmap');
  const stepsError = clearOnEdit(stepsInput, slotFor('seq2seq-steps'));
  const trainError = new ErrorSlot(byId('seq2seq-train-error'));
  const inputError = slotFor('seq2seq-input');
  const beamError = clearOnEdit(beamInput, slotFor('seq2seq-beam'));
  byId('seq2seq-model-info').textContent =
    'An encoder-decoder Transformer (2 encoder and 2 decoder layers × 2 heads, width 32) that reads one character per token. ' +
    'Each step shows it 32 random dates; 400 steps take about ten seconds here.';

  let trained = 0;
  let training = false;
  let shown: Translation | null = null;

  function refreshControls(): void {
    const busy = training || shared.training;
    stepsInput.disabled = busy;
    trainButton.disabled = busy;
    stopButton.disabled = !training;
    trainButton.textContent = trained > 0 ? 'Continue' : 'Train';
    for (const control of [input, beamInput, runButton]) control.disabled = trained === 0;
    byId('seq2seq-input-hint').textContent =
      trained === 0 ? 'Train the model first (step 1).' : 'A day, a month written in full, and a year from 1900 to 2099.';
  }
  shared.subscribe(refreshControls);

  // ---- training ---------------------------------------------------------------------------
  async function train(): Promise<void> {
    if (training) return;
    const steps = readNumberField(stepsInput, INSPECT_RULES.taskSteps, stepsError);
    if (steps === null) {
      stepsInput.focus();
      return;
    }
    training = true;
    refreshControls();
    try {
      const done = await trainTask(client, 'date', trained, steps, status);
      trained = done.step;
      byId('seq2seq-model-info').textContent = done.description;
      status.textContent = `${describeTaskRun(done)} Measuring held-out accuracy…`;
      trainError.clear();
      training = false;
      refreshControls();
      await measure();
      status.textContent = describeTaskRun(done);
      status.dataset.steps = String(done.step);
      await translate();
    } catch (err) {
      status.textContent = trained > 0 ? `Trained for ${trained} steps.` : '';
      trainError.show(messageOf(err));
    } finally {
      training = false;
      refreshControls();
    }
  }

  async function measure(): Promise<void> {
    const beamWidth = readNumberField(beamInput, INSPECT_RULES.beamWidth, beamError) ?? 4;
    const r = await client.request({ type: 'dateAccuracy', examples: ACCURACY_EXAMPLES, beamWidth });
    accuracy.hidden = false;
    accuracy.dataset.greedy = String(r.greedy.accuracy);
    accuracy.dataset.beam = String(r.beam.accuracy);
    const misses = r.misses.length > 0 ? ` Missed, greedy: ${r.misses.map((m) => `"${m.source}" → ${m.greedy} (not ${m.expected})`).join('; ')}.` : '';
    accuracy.textContent =
      `Exact match on ${r.greedy.total} held-out dates it never saw: greedy ${percent(r.greedy.accuracy)} (${r.greedy.correct}), ` +
      `beam search with ${r.beam.beamWidth} beams ${percent(r.beam.accuracy)} (${r.beam.correct}).${misses}`;
  }

  // ---- translation --------------------------------------------------------------------------
  function setOptions(select: HTMLSelectElement, count: number): void {
    const before = select.value;
    select.replaceChildren(...Array.from({ length: count }, (_, i) => el('option', { value: String(i) }, String(i))));
    if (before !== '' && Number(before) < count) select.value = before;
  }

  function draw(): void {
    if (!shown) return;
    const t = decoding.value === 'beam' ? shown.beam : shown.greedy;
    const layer = Number(layerSelect.value);
    const head = Number(headSelect.value);
    if (t.output.length === 0) {
      delete heatmap.dataset.output;
      heatmap.replaceChildren(el('p', { class: 'hint' }, 'The model wrote nothing (it ended at once), so there is no row to show.'));
      return;
    }
    drawFittedHeatmap(heatmap, {
      weights: t.cross[layer][head],
      queryLabels: t.output,
      keyLabels: shown.input,
      title: `Decoder layer ${layer}, head ${head} (${decoding.value === 'beam' ? 'beam search' : 'greedy'})`,
      smallestCell: 12,
    });
    heatmap.dataset.output = JSON.stringify(t.output);
    const monthRow = monthHint(t.output, shown.input);
    byId('seq2seq-caption').textContent =
      'Each row sums to 1 over the input characters (the stronger the colour, the more attention): where the decoder looked while writing that character.' +
      (monthRow ? ` ${monthRow}` : '');
  }

  async function translate(): Promise<void> {
    const beamWidth = readNumberField(beamInput, INSPECT_RULES.beamWidth, beamError);
    if (beamWidth === null) {
      beamInput.focus();
      return;
    }
    if (input.value.trim() === '') {
      inputError.show('Type a date to translate, for example "23 November 2026".');
      input.focus();
      return;
    }
    runButton.disabled = true;
    try {
      const reply = await client.request({ type: 'translate', text: input.value, beamWidth });
      shown = reply;
      inputError.clear();
      result.hidden = false;
      byId('seq2seq-outputs').hidden = false;
      byId('seq2seq-greedy').textContent = `${reply.greedy.output.join('')} (log p ${reply.greedy.logProb.toFixed(2)})`;
      byId('seq2seq-beam-label').textContent = `beam search, ${reply.beamWidth} beams`;
      byId('seq2seq-beam-out').textContent = `${reply.beam.output.join('')} (log p ${reply.beam.logProb.toFixed(2)})`;
      const nLayer = reply.greedy.cross.length;
      setOptions(layerSelect, nLayer);
      setOptions(headSelect, reply.greedy.cross[0]?.length ?? 0);
      if (layerSelect.dataset.chosen !== 'true') layerSelect.value = String(nLayer - 1);
      draw();
    } catch (err) {
      inputError.show(messageOf(err));
    } finally {
      runButton.disabled = trained === 0;
    }
  }

  trainForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void train();
  });
  stopButton.onclick = () => {
    client.request({ type: 'taskStop' }).catch((err) => trainError.show(messageOf(err)));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void translate();
  });
  input.addEventListener('input', () => inputError.clear());
  layerSelect.addEventListener('change', () => {
    layerSelect.dataset.chosen = 'true';
    draw();
  });
  decoding.onchange = headSelect.onchange = draw;
  let resizePending = false;
  new ResizeObserver(() => {
    if (resizePending || !shown) return;
    resizePending = true;
    requestAnimationFrame(() => {
      resizePending = false;
      draw();
    });
  }).observe(result);
  refreshControls();
  return { redraw: draw };
}

/** For the caption: where to look (the month's digits and the month's name), when the output is an ISO date. */
export function monthHint(output: string[], input: string[]): string {
  // ISO output: YYYY-MM-DD, so the month's digits are output characters 5 and 6.
  const month = /[A-Za-z]+/.exec(input.join(''));
  if (output.length < 7 || output[4] !== '-' || !month) return '';
  return `Find the rows of the month's digits "${output[5]}${output[6]}": in a head that aligns them, their strongest cells sit under the letters of "${month[0]}".`;
}
