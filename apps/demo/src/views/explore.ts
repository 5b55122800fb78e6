// The Explore attention view: type a sentence, see every layer × head (the model view),
// then one head as the head view and a heatmap, and one token's row. Figures are sized
// to their boxes; a figure too big for its box scrolls inside it.
import { attentionHeatmapSvg, attentionRowSvg } from '@attn/viz';
import type { WorkerClient } from '../client';
import { type Checkpoints, describeCheckpoint } from '../checkpoints';
import { byId, el } from '../dom';
import { messageOf, slotFor } from '../form';
import { type ModelView, showPreview } from '../preview';
import { vocabularyUnit } from '../vocab';
import type { FromWorker } from '../protocol';
import type { SharedState } from '../state';
import { attentionInterpolator } from '../theme';
import { drawHeadView, drawModelView } from './head-views';

/** A sentence each shipped model can read whole (the coreference model knows only its own words). */
const EXAMPLE_TEXT: Record<string, string> = {
  shakespeare: 'To be, or not to be, that is the question.',
  coref: 'the ball did not fit in the cupboard because too tall was it',
};

/** Width in pixels of an SVG string (its width attribute). */
function svgWidth(svg: string): number {
  return Number(/width="(\d+)"/.exec(svg)?.[1] ?? 0);
}

/** "␣" for a space, "↵" for a newline: a token button must show something. */
function tokenText(label: string): string {
  return label === ' ' ? '␣' : label === '\n' ? '↵' : label === '\t' ? '⇥' : label;
}

export interface ExploreView {
  /** Shows attention for the current text (the hero's button). */
  start(): Promise<void>;
  /** Loads the chosen model's vocabulary for the preview (when the view opens). */
  refresh(): void;
  /** Draws the figures again (the theme changed). */
  redraw(): void;
}

export function setupExploreView(client: WorkerClient, shared: SharedState, checkpoints: Checkpoints): ExploreView {
  const form = byId<HTMLFormElement>('explore-form');
  const modelSelect = byId<HTMLSelectElement>('explore-model');
  const modelInfo = byId('explore-model-info');
  const input = byId<HTMLInputElement>('explore-input');
  const preview = byId('explore-input-preview');
  const report = byId('explore-input-report');
  const status = byId('explore-status');
  const runButton = byId<HTMLButtonElement>('explore-run');
  const result = byId('explore-result');
  const gridBox = byId('explore-grid');
  const heatmapBox = byId('explore-heatmap');
  const rowBox = byId('explore-row');
  const layerSelect = byId<HTMLSelectElement>('explore-layer');
  const headSelect = byId<HTMLSelectElement>('explore-head');
  const tokensBox = byId('explore-tokens');
  const headViewBox = byId('explore-headview');
  const overlayBox = byId<HTMLInputElement>('explore-overlay');
  const modelError = slotFor('explore-model');
  const inputError = slotFor('explore-input');

  let current: ModelView | null = null;
  let shown: Extract<FromWorker, { type: 'attention' }> | null = null;
  let selectedToken = -1;
  let refreshCount = 0;

  async function refresh(): Promise<void> {
    const source = modelSelect.value;
    const mine = ++refreshCount;
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
    showPreview(preview, report, input.value, current);
  }

  modelSelect.addEventListener('change', () => {
    const model = shared.pageModel;
    input.value = modelSelect.value === 'page' ? (model?.sampleSentence ?? input.value) : (EXAMPLE_TEXT[modelSelect.value] ?? input.value);
    inputError.clear();
    void refresh();
  });
  input.addEventListener('input', () => {
    inputError.clear();
    showPreview(preview, report, input.value, current);
  });
  shared.subscribe(() => {
    if (modelSelect.value === 'page' && !shared.training) void refresh();
  });

  // ---- figures -------------------------------------------------------------------------
  function drawGrid(): void {
    if (!shown) return;
    const selected = { layer: Number(layerSelect.value), head: Number(headSelect.value) };
    // The model view: picking a thumbnail opens that head in the head view and the heatmap.
    drawModelView(gridBox, shown.layers, shown.labels, selected, (layer, head) => {
      layerSelect.value = String(layer);
      headSelect.value = String(head);
      overlayBox.checked = false;
      drawGrid();
      drawHead();
      (gridBox.querySelector(`#model-view-${layer}-${head}`) as SVGGElement | null)?.focus();
      headViewBox.scrollIntoView({ block: 'nearest' });
    });
  }

  function drawHead(): void {
    if (!shown) return;
    const layer = Number(layerSelect.value);
    const head = Number(headSelect.value);
    const weights = shown.layers[layer][head];
    const interpolator = attentionInterpolator();
    const heatmap = (cellSize: number) =>
      attentionHeatmapSvg({ weights, queryLabels: shown!.labels, title: `Layer ${layer}, head ${head}`, cellSize, interpolator });
    // Cells of 28 px when they fit; smaller down to 16 px (values stay readable); beyond that the box scrolls.
    const T = shown.labels.length;
    const wide = heatmap(28);
    const overhead = svgWidth(wide) - 28 * T;
    const cellSize = Math.max(16, Math.min(28, Math.floor((heatmapBox.clientWidth - overhead) / T)));
    heatmapBox.innerHTML = cellSize === 28 ? wide : heatmap(cellSize);
    heatmapBox.dataset.cellSize = String(cellSize);
    byId('explore-heatmap-hint').hidden = heatmapBox.scrollWidth <= heatmapBox.clientWidth;

    drawHeadView(headViewBox, shown.layers[layer], overlayBox.checked ? null : head, layer, shown.labels, (i) => {
      selectedToken = i;
      drawTokens();
    });
    drawTokens();
  }

  /** The token picker and the chosen token's row (the head view keeps its own focus). */
  function drawTokens(): void {
    if (!shown) return;
    const T = shown.labels.length;
    const weights = shown.layers[Number(layerSelect.value)][Number(headSelect.value)];
    const interpolator = attentionInterpolator();
    tokensBox.replaceChildren(
      ...shown.labels.map((label, i) => {
        const button = el('button', { type: 'button', 'aria-pressed': String(i === selectedToken), 'aria-label': `token ${i}: ${JSON.stringify(label)}` }, tokenText(label));
        button.onclick = () => {
          selectedToken = i;
          drawTokens();
          (tokensBox.children[i] as HTMLElement | undefined)?.focus();
        };
        return button;
      }),
    );
    if (selectedToken >= 0 && selectedToken < T) {
      // Causal attention: token i only sees tokens 0..i, so the row stops there.
      const keys = shown.labels.slice(0, selectedToken + 1);
      const labelWidth = Math.max(24, ...keys.map((k) => k.length * 7.3)) + 22;
      rowBox.innerHTML = attentionRowSvg({
        weights: weights[selectedToken].slice(0, selectedToken + 1),
        labels: keys,
        queryLabel: shown.labels[selectedToken],
        title: `What "${tokenText(shown.labels[selectedToken])}" (token ${selectedToken}) attends to`,
        barLength: Math.max(80, Math.min(240, rowBox.clientWidth - labelWidth - 60)),
        interpolator,
      });
    } else {
      rowBox.replaceChildren();
    }
  }
  layerSelect.onchange = headSelect.onchange = () => {
    drawGrid();
    drawHead();
  };
  overlayBox.onchange = drawHead;
  let resizePending = false;
  new ResizeObserver(() => {
    if (resizePending || !shown) return;
    resizePending = true;
    requestAnimationFrame(() => {
      resizePending = false;
      drawGrid();
      drawHead();
    });
  }).observe(result);

  // ---- run ---------------------------------------------------------------------------------
  async function start(): Promise<void> {
    const source = modelSelect.value;
    if (source === 'page' && !(shared.pageModel && shared.pageModel.steps > 0)) {
      modelError.show('No model has been trained in this page yet: train one in the Train view first, or pick a shipped model.');
      modelSelect.focus();
      return;
    }
    runButton.disabled = true;
    try {
      if (!current) await refresh();
      if (!current) return; // the model's error is showing
      const analysis = showPreview(preview, report, input.value, current);
      if (!analysis || analysis.ids.length === 0) {
        inputError.show(input.value.trim() === '' ? 'Type some text to see its attention.' : 'None of this text is in the model\'s vocabulary (marked in red below the box).');
        input.focus();
        return;
      }
      status.textContent = 'Computing attention…';
      const reply = await client.request({ type: 'attention', source, text: input.value });
      shown = reply;
      inputError.clear();
      modelError.clear();
      const nLayer = reply.layers.length;
      const nHead = reply.layers[0]?.length ?? 0;
      layerSelect.replaceChildren(...Array.from({ length: nLayer }, (_, i) => el('option', { value: String(i) }, String(i))));
      headSelect.replaceChildren(...Array.from({ length: nHead }, (_, i) => el('option', { value: String(i) }, String(i))));
      selectedToken = reply.labels.length - 1;
      result.hidden = false;
      drawGrid();
      drawHead();
      const unit = vocabularyUnit(current.vocabulary);
      status.textContent = `Attention of ${reply.labels.length} ${unit}s in ${nLayer} layers × ${nHead} heads.`;
    } catch (err) {
      status.textContent = '';
      inputError.show(messageOf(err));
    } finally {
      runButton.disabled = false;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void start();
  });
  return {
    start,
    refresh: () => void refresh(),
    redraw: () => {
      drawGrid();
      drawHead();
    },
  };
}
