// Figures sized to their box, shared by the views: a heatmap keeps readable cells (16 to
// 28 px) and scrolls inside its own box when even 16 px cells do not fit, so the page
// itself never scrolls sideways.
import { attentionHeatmapSvg, colorScale } from '@attn/viz';
import { attentionInterpolator } from './theme';

/** Width in pixels of an SVG string (its width attribute). */
export function svgWidth(svg: string): number {
  return Number(/width="(\d+)"/.exec(svg)?.[1] ?? 0);
}

/**
 * The width a figure can use in `box`: its own width, or, while it is empty (and so not
 * laid out: .figure-body:empty is display: none), its parent's inner width.
 */
export function boxWidth(box: HTMLElement): number {
  if (box.clientWidth > 0) return box.clientWidth;
  const parent = box.parentElement;
  if (!parent) return 0;
  const style = getComputedStyle(parent);
  return parent.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight);
}

/** Side of a heatmap cell that fits `room` pixels for `columns` keys besides `overhead` pixels of labels and legend. */
export function fittedCellSize(room: number, overhead: number, columns: number, largest = 28, smallest = 16): number {
  return Math.max(smallest, Math.min(largest, Math.floor((room - overhead) / Math.max(1, columns))));
}

export interface FittedHeatmap {
  weights: number[][];
  queryLabels: string[];
  keyLabels?: string[];
  title: string;
  /** Rows to outline (e.g. the query being explained). */
  highlightRow?: number;
  /** Smallest cell side before the box scrolls (default 16: values stay readable; smaller for maps without values). */
  smallestCell?: number;
}

/** Draws a heatmap into `box`, as large as fits (cells 16 to 28 px); returns the cell size used. */
export function drawFittedHeatmap(box: HTMLElement, options: FittedHeatmap): number {
  const interpolator = attentionInterpolator();
  const { highlightRow, smallestCell, ...heatmap } = options;
  const draw = (cellSize: number) => attentionHeatmapSvg({ ...heatmap, cellSize, interpolator });
  const columns = (options.keyLabels ?? options.queryLabels).length;
  const wide = draw(28);
  const cellSize = fittedCellSize(boxWidth(box), svgWidth(wide) - 28 * columns, columns, 28, smallestCell ?? 16);
  box.innerHTML = cellSize === 28 ? wide : draw(cellSize);
  box.dataset.cellSize = String(cellSize);
  if (highlightRow !== undefined) {
    for (const cell of box.querySelectorAll(`.row[data-q="${highlightRow}"]`)) cell.classList.add('highlight');
  }
  return cellSize;
}

/** Background and text colours for an attention weight in a table cell (the page's scale, per theme). */
export function weightColors(weight: number): { background: string; color: string } {
  const scale = colorScale([0, 1], attentionInterpolator());
  return { background: scale.color(weight), color: scale.textColor(weight) };
}

/**
 * Calls `draw` once per animation frame after `box` changes size (a rotated phone, a resized
 * window), so figures sized to their box are drawn again at the new width.
 */
export function redrawOnResize(box: HTMLElement, draw: () => void): void {
  let pending = false;
  new ResizeObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  }).observe(box);
}
