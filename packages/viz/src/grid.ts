// All heads of all layers at once: small multiples, one mini heatmap per
// (layer, head), layers as rows and heads as columns. Token labels are too long
// to print at this size, so they live in each cell's tooltip instead.
import { type Interpolator, colorScale } from './color.js';
import { heatmapRow } from './heatmap.js';
import { LEGEND_WIDTH, verticalLegend } from './legend.js';
import { el, svgDocument } from './svg.js';
import { escapeXml } from './text.js';
import { checkDomain, checkLabels, checkMatrix, describe, fail } from './validate.js';

export interface GridOptions {
  /** Attention weights, [layer][head][query][key]; every head is T x T for the same T. */
  layers: number[][][][];
  /** The T token labels (queries and keys alike). */
  labels: string[];
  /** Heading above the grid (default "Attention: layers × heads"). */
  title?: string;
  /** Side of one cell in pixels (default: fits each map into about 160 px, between 3 and 14). */
  cellSize?: number;
  /** Values mapped to the lightest and darkest colours (default [0, 1], shared by every head). */
  domain?: [number, number];
  /** Colour map from t in [0, 1] to CSS colour (default d3 `interpolateBlues`). */
  interpolator?: Interpolator;
  /**
   * A hover `<title>` on every cell. Each costs about 50 bytes, which adds up
   * (4 layers x 4 heads x 64² tokens is 65k cells), so the default is on only
   * up to 20,000 cells.
   */
  tooltips?: boolean;
}

const FN = 'attentionGridSvg';

export function attentionGridSvg(options: GridOptions): string {
  const labels = checkLabels(FN, 'labels', options.labels);
  const layers = options.layers;
  if (!Array.isArray(layers) || layers.length === 0) {
    fail(FN, `layers must be a non-empty array [layer][head][query][key], got ${describe(layers)}`);
  }
  const heads = Array.isArray(layers[0]) ? layers[0].length : 0;
  if (heads === 0) fail(FN, 'layers[0] must be a non-empty array of heads');
  layers.forEach((layer, l) => {
    if (!Array.isArray(layer) || layer.length !== heads) {
      fail(FN, `layers[${l}] must hold ${heads} heads like layers[0], got ${describe(layer)}`);
    }
    layer.forEach((head, h) => {
      checkMatrix(FN, `layers[${l}][${h}]`, head, labels.length, labels.length);
    });
  });
  const T = labels.length;
  const domain = checkDomain(FN, options.domain ?? [0, 1]);
  const scale = colorScale(domain, options.interpolator);
  const cell = options.cellSize ?? Math.max(3, Math.min(14, Math.floor(160 / Math.max(1, T))));
  const title = options.title ?? 'Attention: layers × heads';
  const tooltips = options.tooltips ?? layers.length * heads * T * T <= 20_000;

  const mapSize = T * cell;
  const gap = 14;
  const left = 70; // room for "layer N"
  const top = 56; // title + "head N"
  const width = left + heads * (mapSize + gap) + 12 + LEGEND_WIDTH + 12;
  const height = top + layers.length * (mapSize + gap) + 12;

  const parts: string[] = [
    el('text', { class: 'title', x: 12, y: 20, 'font-size': 14, 'font-weight': 'bold', fill: '#111111' }, escapeXml(title)),
  ];
  for (let h = 0; h < heads; h++) {
    parts.push(
      el('text', { class: 'head-label', x: left + h * (mapSize + gap) + mapSize / 2, y: top - 8, 'text-anchor': 'middle', fill: '#222222' }, `head ${h}`),
    );
  }
  layers.forEach((layer, l) => {
    const y = top + l * (mapSize + gap);
    parts.push(
      el('text', { class: 'layer-label', x: left - 10, y: y + mapSize / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', fill: '#222222' }, `layer ${l}`),
    );
    layer.forEach((head, h) => {
      const x = left + h * (mapSize + gap);
      const rows = head.map((row, q) =>
        heatmapRow(row, q, labels[q], labels, { x, y: y + q * cell, cell }, scale, { showValues: false, tooltips }),
      );
      parts.push(
        el('g', { class: 'head', 'data-layer': l, 'data-head': h }, ...rows),
        el('rect', { x, y, width: mapSize, height: mapSize, fill: 'none', stroke: '#999999', 'stroke-width': 0.5 }),
      );
    });
  });
  const legendHeight = Math.max(80, Math.min(200, layers.length * (mapSize + gap) - gap - 14));
  parts.push(verticalLegend(scale, left + heads * (mapSize + gap) + 12, top + 14, legendHeight, 'weight'));
  return svgDocument(width, height, title, 'attn-grid', parts);
}
