// Attention heatmap of one head: queries as rows, keys as columns, one cell per
// (query, key) weight. Each row of a causal self-attention matrix is a
// probability distribution over the keys, so the default colour domain is the
// fixed [0, 1]: the same colour means the same weight in every head and layer.
import { type Interpolator, colorScale } from './color.js';
import { LEGEND_WIDTH, verticalLegend } from './legend.js';
import { el, num, svgDocument, textWidth } from './svg.js';
import { escapeXml, formatValue, labelXml, truncate, visibleLabel } from './text.js';
import { checkDomain, checkLabels, checkMatrix } from './validate.js';

export interface HeatmapOptions {
  /** Attention weights, [query][key]: row i is what query i attends to. */
  weights: number[][];
  /** One label per row (the query tokens). */
  queryLabels: string[];
  /** One label per column (the key tokens); defaults to `queryLabels` (self-attention). */
  keyLabels?: string[];
  /** Heading drawn above the map and used as the SVG's accessible name. */
  title?: string;
  /** Side of one cell in pixels (default 28). */
  cellSize?: number;
  /** Print each value inside its cell (default: when cells are at least 24 px). */
  showValues?: boolean;
  /** Values mapped to the lightest and darkest colours; outside values are clamped (default [0, 1]). */
  domain?: [number, number];
  /** Colour map from t in [0, 1] to CSS colour (default d3 `interpolateBlues`). */
  interpolator?: Interpolator;
  /** Labels longer than this many characters are cut with "…" (default 16). */
  maxLabelLength?: number;
}

/** Cell-level layout shared by the single heatmap and the grid. */
export interface CellLayout {
  x: number;
  y: number;
  cell: number;
}

const FN = 'attentionHeatmapSvg';

/** Render one head's attention matrix as a standalone SVG string. */
export function attentionHeatmapSvg(options: HeatmapOptions): string {
  const queryLabels = checkLabels(FN, 'queryLabels', options.queryLabels);
  const keyLabels = checkLabels(FN, 'keyLabels', options.keyLabels ?? queryLabels);
  const weights = checkMatrix(FN, 'weights', options.weights, queryLabels.length, keyLabels.length);
  const domain = checkDomain(FN, options.domain ?? [0, 1]);
  const cell = options.cellSize ?? 28;
  const maxLabel = options.maxLabelLength ?? 16;
  const showValues = options.showValues ?? cell >= 24;
  const title = options.title ?? 'Attention weights';
  const scale = colorScale(domain, options.interpolator);

  const shownQuery = queryLabels.map((l) => truncate(visibleLabel(l), maxLabel));
  const shownKey = keyLabels.map((l) => truncate(visibleLabel(l), maxLabel));
  const rowLabelWidth = Math.max(24, ...shownQuery.map((l) => textWidth(l))) + 10;
  // Key labels are rotated -45°, so their vertical extent is width·sin(45°).
  const colLabelHeight = (Math.max(24, ...shownKey.map((l) => textWidth(l))) + 10) * Math.SQRT1_2 + 10;
  const titleHeight = 28;
  const left = 12 + rowLabelWidth;
  const top = titleHeight + colLabelHeight;
  const gridWidth = keyLabels.length * cell;
  const gridHeight = queryLabels.length * cell;
  const legendX = left + gridWidth + 24;
  // The last key label leans right past the grid; leave room for it and the legend.
  const width = Math.max(legendX + LEGEND_WIDTH, left + gridWidth + colLabelHeight) + 12;
  const height = top + Math.max(gridHeight, 120) + 28;

  const parts: string[] = [
    el('text', { class: 'title', x: 12, y: 20, 'font-size': 14, 'font-weight': 'bold', fill: '#111111' }, escapeXml(title)),
    el('text', { class: 'axis-caption', x: left, y: height - 10, 'font-size': 10, fill: '#555555' }, 'rows: queries · columns: keys'),
  ];

  // Column (key) labels, rotated so long tokens fit above narrow columns.
  keyLabels.forEach((label, k) => {
    const x = left + k * cell + cell / 2;
    const y = top - 6;
    parts.push(
      el(
        'text',
        { class: 'key-label', x, y, transform: `rotate(-45 ${num(x)} ${num(y)})`, 'data-k': k, fill: '#222222' },
        el('title', {}, labelXml(label)),
        escapeXml(shownKey[k]),
      ),
    );
  });

  // Rows: label on the left, then one rect per key.
  queryLabels.forEach((label, q) => {
    const y = top + q * cell;
    parts.push(
      el(
        'text',
        {
          class: 'query-label',
          x: left - 8,
          y: y + cell / 2,
          'text-anchor': 'end',
          'dominant-baseline': 'middle',
          'data-q': q,
          fill: '#222222',
        },
        el('title', {}, labelXml(label)),
        escapeXml(shownQuery[q]),
      ),
    );
    parts.push(
      heatmapRow(weights[q], q, label, keyLabels, { x: left, y, cell }, scale, { showValues, tooltips: true }),
    );
  });
  parts.push(el('rect', { x: left, y: top, width: gridWidth, height: gridHeight, fill: 'none', stroke: '#999999', 'stroke-width': 0.5 }));
  parts.push(verticalLegend(scale, legendX, top + 14, Math.max(100, Math.min(gridHeight, 240) - 14), 'weight'));

  return svgDocument(width, height, title, 'attn-heatmap', parts);
}

/**
 * One row of cells as a `<g class="row">`. Each cell carries `data-q`, `data-k`
 * and the exact `data-value`, and (with `tooltips`) a `<title>` "query → key: value".
 */
export function heatmapRow(
  row: ArrayLike<number>,
  q: number,
  queryLabel: string,
  keyLabels: string[],
  layout: CellLayout,
  scale: ReturnType<typeof colorScale>,
  marks: { showValues: boolean; tooltips: boolean },
): string {
  const cells: string[] = [];
  for (let k = 0; k < row.length; k++) {
    const value = row[k];
    const x = layout.x + k * layout.cell;
    const tooltip = marks.tooltips ? [el('title', {}, `${labelXml(queryLabel)} → ${labelXml(keyLabels[k])}: ${formatValue(value)}`)] : [];
    cells.push(
      el(
        'rect',
        {
          class: 'cell',
          x,
          y: layout.y,
          width: layout.cell,
          height: layout.cell,
          fill: scale.color(value),
          'data-q': q,
          'data-k': k,
          'data-value': String(value),
        },
        ...tooltip,
      ),
    );
    // Weights that round to zero stay blank, so the masked (future) half of a
    // causal map reads as empty rather than as a wall of zeros.
    if (marks.showValues && Math.abs(value) >= 0.005) {
      cells.push(
        el(
          'text',
          {
            class: 'cell-value',
            x: x + layout.cell / 2,
            y: layout.y + layout.cell / 2,
            'text-anchor': 'middle',
            'dominant-baseline': 'central',
            'font-size': Math.min(10, layout.cell / 3),
            fill: scale.textColor(value),
            'pointer-events': 'none',
          },
          // Two digits of a probability: "0.42" → ".42", "1.00" → "1".
          shortValue(value),
        ),
      );
    }
  }
  return el('g', { class: 'row', 'data-q': q }, ...cells);
}

function shortValue(value: number): string {
  const s = value.toFixed(2);
  if (s === '1.00') return '1';
  if (s === '0.00' || s === '-0.00') return '0';
  return s.replace(/^0\./, '.').replace(/^-0\./, '-.');
}
