// Embeddings: a model's learned token embeddings projected to 2-D with PCA, labelled, with
// each token's nearest neighbours (cosine similarity in all dimensions) on hover, tap, or
// from the token list. For the coreference model the nouns of "did not fit" are coloured by
// role, and the page states how far apart the groups lie, measured in the full space. All
// of it is @attn/inspect's embeddingMap, computed in the worker.
import type { EmbeddingMap } from '@attn/inspect';
import { embeddingMapSvg, visibleLabel as visible } from '@attn/viz';
import type { Checkpoints } from '../checkpoints';
import type { WorkerClient } from '../client';
import { byId, el } from '../dom';
import { exampleText } from '../examples';
import { boxWidth, redrawOnResize } from '../figures';
import { ErrorSlot, messageOf, slotFor } from '../form';
import { EMBEDDING_TEXT_TOKENS, type EmbeddingSubset, LARGE_VOCABULARY } from '../inspect-protocol';
import type { ModelList } from '../model-list';
import { ModelPicker, type PickedModel } from '../model-picker';
import { showPreview } from '../preview';
import type { SharedState } from '../state';
import { vocabularySize, vocabularyUnit } from '../vocab';

type Reply = { map: EmbeddingMap; groups: number[] | null; groupNames: string[] | null; typed: number };

/** "0.42" */
const two = (x: number) => x.toFixed(2);

/** Which tokens to map for `model`: the coreference nouns or every token as the select says, or a text's tokens for a large vocabulary. */
export function embeddingSubset(model: PickedModel, chosen: string): EmbeddingSubset {
  if (vocabularySize(model.vocabulary) > LARGE_VOCABULARY) return 'text';
  const coref = model.vocabulary.kind === 'word' && model.vocabulary.words.includes('suitcase');
  return coref && chosen === 'nouns' ? 'nouns' : 'all';
}

/** The sentence the page states about group separation. */
export function describeSeparation(reply: Pick<Reply, 'map' | 'groups' | 'groupNames'>): string {
  const s = reply.map.separation;
  if (!s || !reply.groupNames) return '';
  const [a, b] = reply.groupNames;
  const verdict = s.ratio > 1.2 ? `Yes: ${a} and ${b} lie ${two(s.ratio)}× further apart than two of the same kind.` : `Hardly: ${a} and ${b} lie only ${two(s.ratio)}× as far apart as two of the same kind.`;
  return (
    `${verdict} Mean cosine distance (1 − cosine similarity) between two ${a}: ${two(s.perGroup[a])}; between two ${b}: ${two(s.perGroup[b])}; ` +
    `within the groups overall: ${two(s.within)}. Between one of each: ${two(s.between)}. ` +
    `Measured over all ${s.withinPairs + s.betweenPairs} pairs in every dimension; the map only pictures it.`
  );
}

export interface EmbeddingsView {
  refresh(): void;
  redraw(): void;
}

export function setupEmbeddingsView(client: WorkerClient, models: ModelList, shared: SharedState, checkpoints: Checkpoints): EmbeddingsView {
  const form = byId<HTMLFormElement>('embeddings-form');
  const subset = byId<HTMLSelectElement>('embeddings-subset');
  const subsetField = byId('embeddings-subset-field');
  const textField = byId('embeddings-text-field');
  const textInput = byId<HTMLInputElement>('embeddings-text');
  const textError = slotFor('embeddings-text');
  const runButton = byId<HTMLButtonElement>('embeddings-run');
  const status = byId('embeddings-status');
  const result = byId('embeddings-result');
  const mapBox = byId('embeddings-map');
  const tokenSelect = byId<HTMLSelectElement>('embeddings-token');
  const list = byId('embeddings-neighbours');
  const picker = new ModelPicker('embeddings-model', models, shared, checkpoints, { first: ['coref'], onPageModel: () => void reload() });
  const modelSelect = picker.select;
  const runError = new ErrorSlot(byId('embeddings-run-error'));
  let shown: Reply | null = null;

  function showNeighbours(i: number): void {
    if (!shown) return;
    tokenSelect.value = String(i);
    const { labels, neighbours } = shown.map;
    list.replaceChildren(...neighbours[i].map((n) => el('li', { 'data-index': String(n.index) }, `${visible(n.label)} `, el('span', { class: 'muted' }, `(similarity ${two(n.similarity)})`))));
    list.dataset.token = labels[i];
    // The chosen token's lines stay drawn on the map (hover shows others' too), so a pick from the list shows on the map.
    for (const link of mapBox.querySelectorAll<SVGElement>('.link')) link.style.opacity = Number(link.dataset.from) === i ? '1' : '';
    list.setAttribute('aria-label', `Nearest to ${visible(labels[i])}`);
  }

  function draw(): void {
    if (!shown) return;
    const { map, groups, groupNames } = shown;
    const plotWidth = Math.max(200, Math.min(560, boxWidth(mapBox) - 140));
    const [x, y] = map.explainedVarianceRatio.map((r) => Math.round(r * 100));
    mapBox.innerHTML = embeddingMapSvg({
      points: map.points,
      labels: map.labels,
      groups: groups ?? undefined,
      groupNames: groupNames ?? undefined,
      neighbours: map.neighbours,
      title: shown.typed > 0 ? `${shown.typed} tokens of the text and their nearest` : groups ? 'Things and containers' : `${map.labels.length} tokens`,
      xLabel: `PC 1 (${x}% of the variance)`,
      yLabel: `PC 2 (${y}%)`,
      width: plotWidth,
      height: Math.round(plotWidth * 0.8),
    });
    const svg = mapBox.querySelector('svg');
    svg?.setAttribute('role', 'group');
    for (const point of mapBox.querySelectorAll<SVGGElement>('.point')) {
      point.setAttribute('aria-label', `${visible(map.labels[Number(point.dataset.i)])}: show its nearest neighbours`);
      point.setAttribute('tabindex', '-1'); // a tap focuses it; the keyboard picks tokens with the list beside the map
    }
    byId('embeddings-caption').textContent =
      `The two axes keep ${x}% and ${y}% of the variance of the ${map.labels.length} vectors, so the map is a flattened picture: ` +
      'neighbours and distances are measured in all dimensions. Hover or tap a point to draw lines to its 5 nearest.';
    if (tokenSelect.value !== '') showNeighbours(Number(tokenSelect.value)); // its lines stay drawn after a redraw
  }

  const pointOf = (event: Event) => (event.target as Element | null)?.closest?.('.point') as SVGGElement | null;
  for (const type of ['mouseover', 'focusin', 'click']) {
    mapBox.addEventListener(type, (event) => {
      const point = pointOf(event);
      if (point) showNeighbours(Number(point.dataset.i));
    });
  }
  tokenSelect.addEventListener('change', () => showNeighbours(Number(tokenSelect.value)));

  /** Shows the controls `model` needs: the nouns/all choice for the coreference model, a text for a large vocabulary. */
  function showControls(model: PickedModel | null): void {
    const kind = model ? embeddingSubset(model, 'nouns') : 'all';
    subsetField.hidden = kind !== 'nouns';
    textField.hidden = kind !== 'text';
    if (kind === 'text') showPreview(byId('embeddings-text-preview'), byId('embeddings-text-report'), textInput.value, model);
  }

  async function run(): Promise<void> {
    const model = await picker.require();
    showControls(model);
    if (!model) return;
    const kind = embeddingSubset(model, subset.value);
    if (kind === 'text' && textInput.value.trim() === '') {
      textError.show('Type a text: its tokens and their nearest neighbours are mapped.');
      textInput.focus();
      return;
    }
    runButton.disabled = true;
    status.textContent = 'Projecting the embeddings…';
    try {
      const reply = await client.request({ type: 'embeddings', source: model.source, subset: kind, text: kind === 'text' ? textInput.value : undefined });
      shown = reply;
      result.hidden = false;
      tokenSelect.replaceChildren(...reply.map.labels.map((label, i) => el('option', { value: String(i) }, visible(label))));
      draw();
      showNeighbours(0);
      const separation = describeSeparation(reply);
      byId('embeddings-separation-panel').hidden = separation === '';
      byId('embeddings-separation').textContent = separation;
      if (reply.map.separation) byId('embeddings-separation').dataset.ratio = String(reply.map.separation.ratio);
      const of = `${vocabularyUnit(model.vocabulary)} embeddings of ${picker.describe()}`;
      status.textContent =
        kind === 'text'
          ? `The ${reply.typed} distinct tokens of the text (the first ${EMBEDDING_TEXT_TOKENS}) and their 5 nearest in all ${vocabularySize(model.vocabulary).toLocaleString('en')}: ${reply.map.labels.length} ${of}, projected to 2-D.`
          : `${reply.map.labels.length} ${of}, projected to 2-D.`;
      runError.clear();
      textError.clear();
    } catch (err) {
      status.textContent = '';
      (kind === 'text' ? textError : runError).show(messageOf(err));
    } finally {
      runButton.disabled = false;
    }
  }

  /** The chosen model changed (or the page's model did): its example text, then its map. */
  async function reload(): Promise<void> {
    shown = null;
    result.hidden = true;
    const model = await picker.refresh();
    textInput.value = (model && exampleText(model.source, 'attention', shared.pageModel, models.userModel)) ?? textInput.value;
    textError.clear();
    showControls(model);
    if (model) await run();
  }

  modelSelect.addEventListener('change', () => void reload());
  subset.addEventListener('change', () => void run());
  textInput.addEventListener('input', () => {
    textError.clear();
    showControls(picker.current);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });
  redrawOnResize(result, () => {
    if (shown) draw();
  });

  return {
    refresh: () => {
      if (!shown) void reload();
    },
    redraw: draw,
  };
}
