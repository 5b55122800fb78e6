// How it works: one attention head, step by step, with every number. The first page is
// the seed documents' worked example (@attn/inspect's workedExample, no model needed);
// picking a trained model explains its head with the real weights on the typed sentence
// (@attn/inspect's explainHead, run in the worker). Six steps, with Previous / Next
// buttons, the step list, and ← → while the focus is in the stepper.
import { type HeadExplanation, workedExample } from '@attn/inspect';
import { visibleLabel } from '@attn/viz';
import type { Checkpoints } from '../checkpoints';
import type { WorkerClient } from '../client';
import { byId, el } from '../dom';
import { type Block, type Cell, type ExplainPage, explainPages, formatNumber } from '../explain-pages';
import { drawFittedHeatmap, weightColors } from '../figures';
import { exampleText } from '../examples';
import { ErrorSlot, messageOf, slotFor } from '../form';
import type { ModelList } from '../model-list';
import { ModelPicker } from '../model-picker';
import { showPreview } from '../preview';
import type { SharedState } from '../state';
import { analyseText } from '../vocab';

/** The select's entry for the seed documents' example (no model). */
const SEED_SOURCE = 'seed';
/** Numbers shown before a vector's "more" toggle. */
const VECTOR_PREVIEW = 8;

/** A head to explain, as another view asks for it. */
export interface ExplainRequest {
  source: string;
  text: string;
  layer: number;
  head: number;
}

export interface ExplainView {
  /** Loads the chosen model when the view opens. */
  refresh(): void;
  /** Explains this head for the last token of `text`, from step 1. */
  open(request: ExplainRequest): Promise<void>;
  /** Draws the figures again (the theme changed). */
  redraw(): void;
}

export function setupExplainView(client: WorkerClient, models: ModelList, shared: SharedState, checkpoints: Checkpoints): ExplainView {
  const form = byId<HTMLFormElement>('explain-form');
  const textInput = byId<HTMLInputElement>('explain-text');
  const layerSelect = byId<HTMLSelectElement>('explain-layer');
  const headSelect = byId<HTMLSelectElement>('explain-head');
  const querySelect = byId<HTMLSelectElement>('explain-query');
  const runButton = byId<HTMLButtonElement>('explain-run');
  const status = byId('explain-status');
  const stepper = byId('explain-stepper');
  const nav = byId('explain-step-nav');
  const titleBox = byId('explain-step-title');
  const whyBox = byId('explain-step-why');
  const body = byId('explain-step-body');
  const prev = byId<HTMLButtonElement>('explain-prev');
  const next = byId<HTMLButtonElement>('explain-next');
  const count = byId('explain-step-count');
  const summary = byId('explainer-output');
  const picker = new ModelPicker('explain-model', models, shared, checkpoints, {
    before: [{ source: SEED_SOURCE, label: "The seed documents' example (no trained model)" }],
    first: ['coref'],
  });
  const modelSelect = picker.select;
  const textError = slotFor('explain-text');
  const runError = new ErrorSlot(byId('explain-run-error'));

  let pages: ExplainPage[] = [];
  let explanation: HeadExplanation | null = null;
  let index = 0;

  // ---- the stepper ------------------------------------------------------------------------
  function show(i: number, focus = false): void {
    index = Math.max(0, Math.min(pages.length - 1, i));
    const p = pages[index];
    if (!p) return;
    titleBox.textContent = p.title;
    whyBox.textContent = p.why;
    body.replaceChildren(...p.blocks.map(renderBlock));
    for (const box of body.querySelectorAll<HTMLElement>('[data-heatmap]')) drawHeatmapBlock(box);
    prev.disabled = index === 0;
    next.disabled = index === pages.length - 1;
    count.textContent = `Step ${index + 1} of ${pages.length}`;
    stepper.dataset.step = p.id;
    for (const [j, item] of [...nav.children].entries()) {
      const button = item.querySelector('button') as HTMLButtonElement;
      if (j === index) button.setAttribute('aria-current', 'step');
      else button.removeAttribute('aria-current');
    }
    if (focus) titleBox.focus();
  }

  function setExplanation(e: HeadExplanation, map: number[][] | null): void {
    explanation = e;
    pages = explainPages(e, map);
    nav.replaceChildren(
      ...pages.map((p, j) => {
        const button = el('button', { type: 'button', class: 'step-pill' }, p.title.replace(/^(\d)\. .*/, '$1'), el('span', { class: 'step-pill-name' }, ` ${shortTitle(p)}`));
        button.setAttribute('aria-label', p.title);
        button.onclick = () => show(j);
        return el('li', {}, button);
      }),
    );
    show(index);
    const seed = e.source === 'seed worked example';
    summary.hidden = !seed;
    summary.textContent = seed ? `Output for "${e.query}": [${e.output.map((x) => String(Number(x.toFixed(2)))).join(', ')}]` : '';
    stepper.dataset.source = e.source;
  }

  prev.onclick = () => show(index - 1);
  next.onclick = () => show(index + 1);
  titleBox.tabIndex = -1;
  stepper.addEventListener('keydown', (event) => {
    if ((event.target as HTMLElement).closest('input, select, textarea')) return;
    if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
      event.preventDefault();
      show(index + (event.key === 'ArrowRight' ? 1 : -1));
    }
  });

  // ---- blocks ----------------------------------------------------------------------------
  function num(x: number, digits?: number): HTMLElement {
    return el('span', { class: 'num', 'data-value': String(x) }, formatNumber(x, digits));
  }

  function vector(values: number[]): HTMLElement {
    const head = values.slice(0, VECTOR_PREVIEW);
    const out = el('span', { class: 'vec', 'data-length': String(values.length) });
    out.append('[', ...head.flatMap((x, i) => (i === 0 ? [num(x)] : [', ', num(x)])));
    if (values.length <= VECTOR_PREVIEW) {
      out.append(']');
      return out;
    }
    const rest = el('span', { class: 'vec-rest' }, ...values.slice(VECTOR_PREVIEW).flatMap((x) => [', ', num(x)]), ']');
    const more = el('details', { class: 'vec-more' }, el('summary', {}, `… ${values.length - VECTOR_PREVIEW} more`), rest);
    out.append(more);
    return out;
  }

  function cell(c: Cell, weight: boolean): HTMLElement {
    if (typeof c === 'string') return el('td', { class: 'muted' }, c);
    if (Array.isArray(c)) return el('td', {}, vector(c));
    const td = el('td', { class: 'num-cell' }, num(c, weight ? 3 : undefined));
    if (weight) {
      const { background, color } = weightColors(c);
      td.style.background = background;
      td.style.color = color;
      td.classList.add('weight');
    }
    return td;
  }

  function renderBlock(block: Block): HTMLElement {
    const caption = (text: string) => el('p', { class: 'block-caption' }, text);
    if (block.kind === 'note') return el('p', { class: 'hint block-note' }, block.text);
    if (block.kind === 'vectors') {
      const table = el('table', { class: 'vectors' });
      for (const row of block.rows) table.append(el('tr', {}, el('th', { scope: 'row' }, row.label), el('td', {}, vector(row.values))));
      return el('div', { class: 'block', 'data-kind': 'vectors' }, caption(block.caption), el('div', { class: 'block-scroll' }, table));
    }
    if (block.kind === 'matrices') {
      const tables = block.matrices.map((m) => {
        const [rows, cols] = m.shape;
        const table = el('table', { class: 'matrix', 'data-label': m.label });
        table.append(el('caption', {}, `${m.label}: ${rows} × ${cols}${m.moreRows || m.moreColumns ? `, the first ${m.values.length} × ${m.values[0]?.length ?? 0}` : ''}`));
        for (const values of m.values) {
          const tr = el('tr', {}, ...values.map((x) => el('td', {}, num(x))));
          if (m.moreColumns) tr.append(el('td', { class: 'muted', 'aria-label': 'more columns' }, '⋯'));
          table.append(tr);
        }
        if (m.moreRows) table.append(el('tr', {}, el('td', { class: 'muted', colspan: String(m.values[0]?.length ?? 1), 'aria-label': 'more rows' }, '⋮')));
        return el('div', { class: 'block-scroll' }, table);
      });
      return el('div', { class: 'block', 'data-kind': 'matrices' }, caption(block.caption), el('div', { class: 'matrices' }, ...tables));
    }
    if (block.kind === 'table') {
      const table = el('table', { class: 'steps-table' });
      table.append(el('thead', {}, el('tr', {}, ...block.columns.map((c) => el('th', { scope: 'col' }, c)))));
      const tbody = el('tbody');
      for (const row of block.rows) {
        const tr = el('tr', { class: [row.masked ? 'masked' : '', row.query ? 'query' : ''].join(' ').trim() }, el('th', { scope: 'row' }, row.label));
        for (const [i, c] of row.cells.entries()) tr.append(cell(c, i === block.weightColumn && typeof c === 'number'));
        tbody.append(tr);
      }
      table.append(tbody);
      if (block.footer) {
        const tr = el('tr', { class: 'footer' }, el('th', { scope: 'row' }, block.footer.label), ...block.footer.cells.map((c) => (typeof c === 'number' ? el('td', { class: 'num-cell' }, num(c, 3)) : cell(c, false))));
        table.append(el('tfoot', {}, tr));
      }
      return el('div', { class: 'block', 'data-kind': 'table' }, caption(block.caption), el('div', { class: 'block-scroll' }, table));
    }
    // heatmap: drawn once the box is in the page (it fits itself to the box's width)
    const box = el('div', { class: 'figure-body figure-scroll', 'data-heatmap': 'true' });
    return el('div', { class: 'block', 'data-kind': 'heatmap' }, caption(block.caption), el('figure', { class: 'figure' }, box));
  }

  function drawHeatmapBlock(box: HTMLElement): void {
    const block = pages[index]?.blocks.find((b) => b.kind === 'heatmap');
    if (block?.kind !== 'heatmap') return;
    drawFittedHeatmap(box, {
      weights: block.weights,
      queryLabels: block.labels,
      title: `Layer ${explanation?.layer}, head ${explanation?.head}`,
      highlightRow: block.query,
      smallestCell: 12, // a phone sees the whole map; the table above has the numbers
    });
  }

  // ---- the form ----------------------------------------------------------------------------
  const isSeed = () => modelSelect.value === SEED_SOURCE;

  function setOptions(select: HTMLSelectElement, labels: string[], keep: boolean): void {
    const before = select.value;
    select.replaceChildren(...labels.map((label, i) => el('option', { value: String(i) }, label)));
    if (keep && before !== '' && Number(before) < labels.length) select.value = before;
  }

  /** The query select lists the tokens the model reads (the last one by default). */
  function updateQueries(keepChoice: boolean): void {
    if (isSeed()) {
      setOptions(querySelect, ['3: it'], false);
      return;
    }
    const model = picker.current;
    const analysis = showPreview(byId('explain-text-preview'), byId('explain-text-report'), textInput.value, model);
    const labels = analysis?.labels ?? [];
    const previous = querySelect.value;
    const wasLast = querySelect.selectedIndex === querySelect.options.length - 1;
    setOptions(
      querySelect,
      labels.map((l, i) => `${i}: ${visibleLabel(l)}`),
      false,
    );
    if (labels.length > 0) querySelect.value = keepChoice && !wasLast && Number(previous) < labels.length ? previous : String(labels.length - 1);
  }

  function updateControls(): void {
    const seed = isSeed();
    for (const control of [textInput, layerSelect, headSelect, querySelect]) control.disabled = seed;
    byId('explain-text-preview').hidden = seed;
    byId('explain-text-report').hidden = seed;
  }

  function showSeed(): void {
    picker.current = null;
    textInput.value = 'cat sat mat it'; // the example's own words (fixed: its embeddings are hand-made)
    byId('explain-model-info').textContent = 'The seed documents’ hand-made example: 3 numbers per word, one head of size 2, and one sentence. Pick a trained model to explain your own.';
    slotFor('explain-model').clear();
    setOptions(layerSelect, ['0'], false);
    setOptions(headSelect, ['0'], false);
    updateQueries(false);
    updateControls();
    setExplanation(workedExample(), null);
    status.textContent = '';
    runError.clear();
    textError.clear();
  }

  async function onModelChange(): Promise<void> {
    if (isSeed()) {
      showSeed();
      return;
    }
    updateControls();
    const model = await picker.refresh();
    if (!model) return;
    textInput.value = exampleText(model.source, 'explain', shared.pageModel, models.userModel) ?? textInput.value;
    textError.clear();
    setOptions(layerSelect, Array.from({ length: model.nLayer }, (_, i) => String(i)), true);
    setOptions(headSelect, Array.from({ length: model.nHead }, (_, i) => String(i)), true);
    updateQueries(false);
    await run();
  }

  let running = 0;
  async function run(): Promise<void> {
    if (isSeed()) {
      showSeed();
      return;
    }
    const model = await picker.require();
    if (!model) return;
    const analysis = analyseText(textInput.value, model.vocabulary, model.blockSize);
    if (analysis.ids.length === 0) {
      textError.show(textInput.value.trim() === '' ? 'Type a sentence to explain.' : 'None of this sentence is in the model’s vocabulary (marked in red below the box).');
      textInput.focus();
      return;
    }
    const mine = ++running;
    runButton.disabled = true;
    status.textContent = 'Computing…';
    try {
      const reply = await client.request({
        type: 'explainHead',
        source: model.source,
        text: textInput.value,
        layer: Number(layerSelect.value),
        head: Number(headSelect.value),
        query: Number(querySelect.value),
      });
      if (mine !== running) return;
      setExplanation(reply.explanation, reply.pattern);
      const e = reply.explanation;
      status.textContent = `Layer ${e.layer}, head ${e.head} of ${model.nLayer} × ${model.nHead}, for "${e.query}" (token ${e.queryIndex} of ${e.tokens.length}).`;
      textError.clear();
      runError.clear();
    } catch (err) {
      if (mine !== running) return;
      status.textContent = '';
      runError.show(messageOf(err));
    } finally {
      if (mine === running) runButton.disabled = false;
    }
  }

  modelSelect.addEventListener('change', () => void onModelChange());
  textInput.addEventListener('input', () => {
    textError.clear();
    updateQueries(true);
  });
  for (const select of [layerSelect, headSelect, querySelect]) select.addEventListener('change', () => void run());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });

  async function open(request: ExplainRequest): Promise<void> {
    modelSelect.value = request.source;
    updateControls();
    const model = await picker.refresh();
    if (!model) return;
    textInput.value = request.text;
    textError.clear();
    setOptions(layerSelect, Array.from({ length: model.nLayer }, (_, i) => String(i)), false);
    setOptions(headSelect, Array.from({ length: model.nHead }, (_, i) => String(i)), false);
    layerSelect.value = String(request.layer);
    headSelect.value = String(request.head);
    updateQueries(false);
    index = 0;
    await run();
  }

  showSeed();
  return {
    open,
    refresh: () => {
      if (!isSeed() && !picker.current) void onModelChange();
    },
    redraw: () => {
      if (explanation) show(index);
    },
  };
}

/** "Embeddings" from "1. Embeddings", for the step list. */
function shortTitle(p: ExplainPage): string {
  const names: Record<ExplainPage['id'], string> = { embeddings: 'Embeddings', weights: 'W_Q W_K W_V', qkv: 'q, k, v', scores: 'Scores', softmax: 'Softmax', output: 'Output' };
  return names[p.id];
}
