// The Explore attention view: type a sentence, see every layer × head (the model view),
// then one head as the head view and a heatmap, and one token's row. Figures are sized
// to their boxes; a figure too big for its box scrolls inside it.
import { attentionRowSvg, visibleLabel } from '@attn/viz';
import type { Checkpoints } from '../checkpoints';
import type { WorkerClient } from '../client';
import { byId, el } from '../dom';
import { exampleText } from '../examples';
import { drawFittedHeatmap, redrawOnResize } from '../figures';
import { messageOf, slotFor } from '../form';
import type { ModelList } from '../model-list';
import { ModelPicker } from '../model-picker';
import { showPreview } from '../preview';
import type { FromWorker } from '../protocol';
import type { SharedState } from '../state';
import { attentionInterpolator } from '../theme';
import { vocabularyUnit } from '../vocab';
import { drawHeadView, drawModelView } from './head-views';

export interface ExploreView {
  /** Shows attention for the current text (the hero's button). */
  start(): Promise<void>;
  /** Loads the chosen model's vocabulary for the preview (when the view opens). */
  refresh(): void;
  /** Draws the figures again (the theme changed). */
  redraw(): void;
  /** Chooses a model (its example sentence) and shows its attention (Your model's "Explore its attention"). */
  open(source: string): Promise<void>;
}

export function setupExploreView(client: WorkerClient, models: ModelList, shared: SharedState, checkpoints: Checkpoints): ExploreView {
  const form = byId<HTMLFormElement>('explore-form');
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
  const picker = new ModelPicker('explore-model', models, shared, checkpoints, { first: ['shakespeare'], onPageModel: () => void refresh() });
  const inputError = slotFor('explore-input');

  let shown: Extract<FromWorker, { type: 'attention' }> | null = null;
  let selectedToken = -1;

  /** Loads the chosen model and marks the text against its vocabulary. */
  async function refresh(): Promise<void> {
    await picker.refresh();
    showPreview(preview, report, input.value, picker.current);
  }

  picker.select.addEventListener('change', () => {
    input.value = exampleText(picker.select.value, 'attention', shared.pageModel, models.userModel) ?? input.value;
    inputError.clear();
    showPreview(preview, report, input.value, null);
    void refresh();
  });
  input.addEventListener('input', () => {
    inputError.clear();
    showPreview(preview, report, input.value, picker.current);
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
    // Cells of 28 px when they fit; smaller down to 16 px (values stay readable); beyond that the box scrolls.
    drawFittedHeatmap(heatmapBox, { weights: shown.layers[layer][head], queryLabels: shown.labels, title: `Layer ${layer}, head ${head}` });
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
        const button = el('button', { type: 'button', 'aria-pressed': String(i === selectedToken), 'aria-label': `token ${i}: ${JSON.stringify(label)}` }, visibleLabel(label));
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
        title: `What "${visibleLabel(shown.labels[selectedToken])}" (token ${selectedToken}) attends to`,
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
  redrawOnResize(result, () => {
    if (!shown) return;
    drawGrid();
    drawHead();
  });

  // ---- run ---------------------------------------------------------------------------------
  async function start(): Promise<void> {
    runButton.disabled = true;
    try {
      const current = await picker.require();
      if (!current) return; // the model's error is showing
      const analysis = showPreview(preview, report, input.value, current);
      if (!analysis || analysis.ids.length === 0) {
        inputError.show(input.value.trim() === '' ? 'Type some text to see its attention.' : 'None of this text is in the model\'s vocabulary (marked in red below the box).');
        input.focus();
        return;
      }
      status.textContent = 'Computing attention…';
      const reply = await client.request({ type: 'attention', source: current.source, text: input.value });
      shown = reply;
      inputError.clear();
      picker.clearError();
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
    refresh: () => {
      if (!picker.current) void refresh();
    },
    redraw: () => {
      drawGrid();
      drawHead();
    },
    open: async (source) => {
      if (picker.select.value !== source) {
        picker.select.value = source;
        picker.select.dispatchEvent(new Event('change'));
      }
      await start();
    },
  };
}
