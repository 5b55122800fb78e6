// The model view (after bertviz's): every layer and head at once, as a grid of small head
// views (layers as rows, heads as columns) drawn in the heatmaps' colour scale. Each cell is a
// link with a stable id (`<idPrefix>-<layer>-<head>`), so a page can scroll to a head or
// open it: by default it links to `#head-<layer>-<head>`.
import { colorScale, type Interpolator } from './color.js';
import { LEGEND_WIDTH, verticalLegend } from './legend.js';
import { el, svgDocument } from './svg.js';
import { escapeXml } from './text.js';
import { checkDomain, checkLabels, checkMatrix, describe, fail } from './validate.js';

export interface ModelViewOptions {
  /** Attention weights [layer][head][query][key]; every head is T x T. */
  layers: number[][][][];
  /** The T token labels (every head is T x T). */
  labels: string[];
  /** Heading (default "Attention: every layer and head"). */
  title?: string;
  /** Side of one thumbnail in pixels (default 84). */
  cellSize?: number;
  /** Where each cell links to; null for no link (default `#head-<layer>-<head>`). */
  href?: ((layer: number, head: number) => string) | null;
  /** Prefix of each cell's id (default "model-view"): ids are `<prefix>-<layer>-<head>`. */
  idPrefix?: string;
  /** Lines lighter than this weight are left out (default 0.02). */
  minWeight?: number;
  /** Colour domain (default [0, 1], as the heatmaps). */
  domain?: [number, number];
  interpolator?: Interpolator;
  /** Optional highlight: a short note per head shown in its tooltip, e.g. a detector score. */
  notes?: (layer: number, head: number) => string | undefined;
}

const FN = 'modelViewSvg';

export function modelViewSvg(options: ModelViewOptions): string {
  const labels = checkLabels(FN, 'labels', options.labels);
  const T = labels.length;
  const layers = options.layers;
  if (!Array.isArray(layers) || layers.length === 0) fail(FN, `layers must be a non-empty array [layer][head][query][key], got ${describe(layers)}`);
  const nHead = Array.isArray(layers[0]) ? layers[0].length : 0;
  if (nHead === 0) fail(FN, 'layers[0] must be a non-empty array of heads');
  layers.forEach((layer, l) => {
    if (!Array.isArray(layer) || layer.length !== nHead) fail(FN, `layers[${l}] must hold ${nHead} heads like layers[0], got ${describe(layer)}`);
    for (const [h, head] of layer.entries()) checkMatrix(FN, `layers[${l}][${h}]`, head, T, T);
  });
  const domain = checkDomain(FN, options.domain ?? [0, 1]);
  const scale = colorScale(domain, options.interpolator);
  const cell = options.cellSize ?? 84;
  const minWeight = options.minWeight ?? 0.02;
  const idPrefix = options.idPrefix ?? 'model-view';
  const href = options.href === undefined ? (l: number, h: number) => `#head-${l}-${h}` : options.href;
  const title = options.title ?? 'Attention: every layer and head';

  const gap = 10;
  const left = 70;
  const top = 52;
  const gridWidth = nHead * (cell + gap) - gap;
  const width = left + gridWidth + 24 + LEGEND_WIDTH + 12;
  const height = top + layers.length * (cell + gap) + 24;
  const pad = 6; // inside each cell, between the frame and the token columns
  const rowY = (y: number, i: number) => y + pad + ((i + 0.5) * (cell - 2 * pad)) / T;

  const parts: string[] = [
    `<style><![CDATA[.attn-model-view .cell:is(:hover, :focus) .frame { stroke: #111111; stroke-width: 2; } .attn-model-view a { cursor: pointer; }]]></style>`,
    el('text', { class: 'title', x: 12, y: 20, 'font-size': 14, 'font-weight': 'bold', fill: '#111111' }, escapeXml(title)),
  ];
  for (let h = 0; h < nHead; h++) {
    parts.push(el('text', { class: 'head-label', x: left + h * (cell + gap) + cell / 2, y: top - 8, 'text-anchor': 'middle', fill: '#222222' }, `head ${h}`));
  }
  layers.forEach((layer, l) => {
    const y = top + l * (cell + gap);
    parts.push(el('text', { class: 'layer-label', x: left - 10, y: y + cell / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', fill: '#222222' }, `layer ${l}`));
    layer.forEach((weights, h) => {
      const x = left + h * (cell + gap);
      const lines: string[] = [];
      for (let q = 0; q < T; q++) {
        for (let k = 0; k < T; k++) {
          const w = weights[q][k];
          if (!(w >= minWeight)) continue;
          lines.push(
            el('line', {
              x1: x + pad,
              y1: rowY(y, q),
              x2: x + cell - pad,
              y2: rowY(y, k),
              stroke: scale.color(w),
              'stroke-width': 1,
              'stroke-opacity': Math.max(0.1, scale.t(w)),
            }),
          );
        }
      }
      const note = options.notes?.(l, h);
      const body = el(
        'g',
        { class: 'cell', id: `${idPrefix}-${l}-${h}`, 'data-layer': l, 'data-head': h, tabindex: href ? undefined : 0 },
        el('title', {}, escapeXml(`layer ${l}, head ${h}${note ? `: ${note}` : ''}`)),
        el('rect', { class: 'frame', x, y, width: cell, height: cell, fill: '#ffffff', stroke: '#bbbbbb', 'stroke-width': 1 }),
        ...lines,
      );
      parts.push(href ? el('a', { href: href(l, h), class: 'cell-link', 'data-layer': l, 'data-head': h }, body) : body);
    });
  });
  parts.push(verticalLegend(scale, left + gridWidth + 24, top + 14, Math.max(80, Math.min(200, layers.length * (cell + gap) - gap - 14)), 'weight'));
  return svgDocument(width, height, title, 'attn-model-view', parts);
}
