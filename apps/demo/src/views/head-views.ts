// The bertviz-style views of the Attention tab, drawn by @attn/viz: the model view (every
// layer × head as a thumbnail; picking one opens it) and the head view (the tokens in two
// columns, a line per weight; hovering or tapping a token leaves only its lines, which the
// SVG's own CSS does, so keyboard focus works the same).
import { headViewSvg, modelViewSvg } from '@attn/viz';
import { boxWidth } from '../figures';
import { attentionInterpolator } from '../theme';

/** The model view's fixed widths (@attn/viz model-view.ts): layer labels, gaps, legend. */
const MODEL_VIEW_LEFT = 70;
const MODEL_VIEW_GAP = 10;
const MODEL_VIEW_RIGHT = 24 + 64 + 12;

/**
 * Thumbnail side that fits `width` pixels, from 48 to 96 px. Below 48 the head labels would
 * overlap, so a narrow screen gets 48 px thumbnails and the figure scales down as a whole.
 */
export function modelViewCellSize(width: number, nHead: number): number {
  const room = (width - MODEL_VIEW_LEFT - MODEL_VIEW_RIGHT - (nHead - 1) * MODEL_VIEW_GAP) / nHead;
  return Math.max(48, Math.min(96, Math.floor(room)));
}

/**
 * Draws the model view into `box`; a click, Enter or Space on a thumbnail calls `pick`. The
 * chosen head is outlined and pressed (aria-pressed).
 */
export function drawModelView(
  box: HTMLElement,
  layers: number[][][][],
  labels: string[],
  selected: { layer: number; head: number },
  pick: (layer: number, head: number) => void,
): void {
  const nHead = layers[0]?.length ?? 1;
  box.innerHTML = modelViewSvg({
    layers,
    labels,
    title: `${layers.length} layers × ${nHead} heads`,
    cellSize: modelViewCellSize(boxWidth(box), nHead),
    href: null,
    idPrefix: 'model-view',
    interpolator: attentionInterpolator(),
  });
  const svg = box.querySelector('svg');
  svg?.setAttribute('role', 'group'); // it holds buttons, so it is no longer a plain image
  for (const cell of box.querySelectorAll<SVGGElement>('.cell')) {
    const layer = Number(cell.dataset.layer);
    const head = Number(cell.dataset.head);
    const isSelected = layer === selected.layer && head === selected.head;
    cell.setAttribute('role', 'button');
    cell.setAttribute('aria-label', `Open layer ${layer}, head ${head}`);
    cell.setAttribute('aria-pressed', String(isSelected));
    cell.classList.toggle('selected', isSelected);
    cell.addEventListener('click', () => pick(layer, head));
    cell.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      event.preventDefault();
      pick(layer, head);
    });
  }
}

/** Draws one head (or every head of the layer, overlaid in colours) as the head view into `box`. */
export function drawHeadView(box: HTMLElement, heads: number[][][], headIndex: number | null, layer: number, labels: string[], onToken: (index: number) => void): void {
  const T = labels.length;
  const overlay = headIndex === null;
  const chosen = overlay ? heads.map((weights, h) => ({ weights, label: `head ${h}` })) : [{ weights: heads[headIndex], label: `head ${headIndex}` }];
  box.innerHTML = headViewSvg({
    heads: chosen,
    labels,
    title: overlay ? `Layer ${layer}, every head` : `Layer ${layer}, head ${headIndex}`,
    rowHeight: T > 40 ? 16 : 20,
    linkWidth: Math.max(100, Math.min(220, boxWidth(box) - 220)),
    interpolator: attentionInterpolator(),
  });
  box.querySelector('svg')?.setAttribute('role', 'group');
  for (const token of box.querySelectorAll<SVGGElement>('.token')) {
    const i = Number(token.dataset.i);
    // A click or tap focuses a token (which leaves its lines alone), but the 2 × T tokens stay out of
    // the Tab order: the keyboard picks tokens with the token buttons above, which show the same row.
    token.setAttribute('tabindex', '-1');
    token.setAttribute('role', 'button');
    token.setAttribute('aria-label', `${token.classList.contains('query-token') ? 'query' : 'key'} token ${i}: ${JSON.stringify(labels[i])}, show only its lines`);
    // A tap focuses the token (its lines stay alone until the focus moves on); a query also picks the row below.
    if (token.classList.contains('query-token')) token.addEventListener('click', () => onToken(i));
  }
}
