// Embedding map: 2-D points (for example from `pca2d`) as a labelled scatter,
// the "semantic map" where related tokens land near each other. Given each point's nearest
// neighbours (measured in the full space), hovering or tapping a point draws lines to them
// and its tooltip lists them; given group names, a legend names the colours.
import { scaleLinear } from 'd3-scale';
import { seriesColors } from './color.js';
import { active, styleElement } from './hover.js';
import { el, svgDocument, textWidth } from './svg.js';
import { escapeXml, formatValue, labelXml, truncate, visibleLabel } from './text.js';
import { checkLabels, checkMatrix, describe, fail } from './validate.js';

export interface EmbeddingMapOptions {
  /** One [x, y] per point, e.g. `pca2d(vectors).points`. */
  points: [number, number][];
  /** One label per point (drawn beside the dot and shown on hover). */
  labels: string[];
  /** Optional group index per point; each group gets its own colour. */
  groups?: number[];
  /** Heading (default "Embedding map"). */
  title?: string;
  /** Axis captions (default "PC 1" and "PC 2"). */
  xLabel?: string;
  yLabel?: string;
  /** Plot size in pixels (default 520 x 400). */
  width?: number;
  height?: number;
  /** Labels are cut to this many characters (default 14). */
  maxLabelLength?: number;
  /** Each point's nearest neighbours (indices into points, nearest first, with their similarity if known): drawn on hover. */
  neighbours?: { index: number; similarity?: number }[][];
  /** A name per group index, for a legend. */
  groupNames?: string[];
}

const FN = 'embeddingMapSvg';

export function embeddingMapSvg(options: EmbeddingMapOptions): string {
  const points = checkMatrix(FN, 'points', options.points, undefined, 2) as [number, number][];
  const labels = checkLabels(FN, 'labels', options.labels, points.length);
  const groups = options.groups;
  if (groups !== undefined) {
    if (!Array.isArray(groups) || groups.length !== points.length) {
      fail(FN, `groups must hold one integer per point (${points.length}), got ${describe(groups)}`);
    }
    groups.forEach((g, i) => {
      if (!Number.isInteger(g) || g < 0) fail(FN, `groups[${i}] must be a non-negative integer, got ${describe(g)}`);
    });
  }
  const neighbours = options.neighbours;
  if (neighbours !== undefined) {
    if (!Array.isArray(neighbours) || neighbours.length !== points.length) fail(FN, `neighbours must hold one list per point (${points.length}), got ${describe(neighbours)}`);
    neighbours.forEach((list, i) => {
      if (!Array.isArray(list)) fail(FN, `neighbours[${i}] must be an array of { index }, got ${describe(list)}`);
      list.forEach((n, j) => {
        if (!n || !Number.isInteger(n.index) || n.index < 0 || n.index >= points.length) fail(FN, `neighbours[${i}][${j}].index must be a point index in 0..${points.length - 1}, got ${describe(n?.index)}`);
      });
    });
  }
  const groupNames = options.groupNames;
  if (groupNames !== undefined) checkLabels(FN, 'groupNames', groupNames);
  const title = options.title ?? 'Embedding map';
  const plotWidth = options.width ?? 520;
  const plotHeight = options.height ?? 400;
  const maxLabel = options.maxLabelLength ?? 14;
  const left = 40;
  const top = 36;
  // Group names are prose ("containers"), not tokens: shown as written, one per line under the plot.
  const legendNames = (groupNames ?? []).map((g) => truncate(g, 40));
  const legendTop = top + plotHeight + 44;
  const width = Math.max(left + plotWidth + 90, ...legendNames.map((g) => left + 16 + textWidth(g, 11) + 12)); // labels may stick out to the right
  const height = top + plotHeight + 40 + (legendNames.length > 0 ? legendNames.length * 18 + 10 : 0);

  const extent = (values: number[]): [number, number] => {
    const lo = Math.min(...values, 0);
    const hi = Math.max(...values, 0);
    if (lo === hi) return [lo - 1, hi + 1];
    // 6% padding so points (and their labels) do not sit on the frame.
    const pad = (hi - lo) * 0.06;
    return [lo - pad, hi + pad];
  };
  const x = scaleLinear().domain(extent(points.map((p) => p[0]))).range([left, left + plotWidth]).nice();
  const y = scaleLinear().domain(extent(points.map((p) => p[1]))).range([top + plotHeight, top]).nice();

  const parts: string[] = [
    el('text', { class: 'title', x: 12, y: 22, 'font-size': 14, 'font-weight': 'bold', fill: '#111111' }, escapeXml(title)),
    el('rect', { x: left, y: top, width: plotWidth, height: plotHeight, fill: 'none', stroke: '#999999', 'stroke-width': 0.75 }),
    // The origin lines: PCA output is centred, so they split the map through the mean.
    el('line', { class: 'origin', x1: x(0), y1: top, x2: x(0), y2: top + plotHeight, stroke: '#e4e4e4' }),
    el('line', { class: 'origin', x1: left, y1: y(0), x2: left + plotWidth, y2: y(0), stroke: '#e4e4e4' }),
    el('text', { class: 'axis-caption', x: left + plotWidth / 2, y: top + plotHeight + 30, 'text-anchor': 'middle', fill: '#333333' }, escapeXml(options.xLabel ?? 'PC 1')),
    el('text', { class: 'axis-caption', x: 14, y: top + plotHeight / 2, transform: `rotate(-90 14 ${top + plotHeight / 2})`, 'text-anchor': 'middle', fill: '#333333' }, escapeXml(options.yLabel ?? 'PC 2')),
  ];
  if (neighbours) {
    const css = [
      '.attn-embedding .link { opacity: 0; transition: opacity 0.1s; pointer-events: none; }',
      '.attn-embedding .point { cursor: pointer; outline: none; }',
      `.attn-embedding ${active('.point')} circle { stroke: #111111; stroke-width: 1.5; }`,
      ...points.map((_, i) => `.attn-embedding:has(${active(`.point[data-i="${i}"]`)}) .link[data-from="${i}"] { opacity: 1; }`),
    ];
    parts.push(styleElement(css.join('\n')));
    const links = neighbours.flatMap((list, i) =>
      list.map((n) => el('line', { class: 'link', x1: x(points[i][0]), y1: y(points[i][1]), x2: x(points[n.index][0]), y2: y(points[n.index][1]), stroke: '#e6550d', 'stroke-width': 1.5, 'data-from': i, 'data-to': n.index })),
    );
    parts.push(el('g', { class: 'links' }, ...links));
  }
  if (legendNames.length > 0) {
    const lx = left;
    parts.push(
      el(
        'g',
        { class: 'legend' },
        ...legendNames.map((name, g) =>
          el(
            'g',
            { class: 'group-swatch', 'data-group': g },
            el('circle', { cx: lx + 6, cy: legendTop + g * 18 + 6, r: 4.5, fill: seriesColors[g % seriesColors.length] }),
            el('text', { x: lx + 16, y: legendTop + g * 18 + 6, 'dominant-baseline': 'middle', 'font-size': 11, fill: '#222222' }, escapeXml(name)),
          ),
        ),
      ),
    );
  }
  points.forEach(([px, py], i) => {
    const color = groups ? seriesColors[groups[i] % seriesColors.length] : '#3b6fb6';
    const near = neighbours?.[i] ?? [];
    const nearText = near.length > 0 ? `; nearest: ${near.map((n) => `${labelXml(labels[n.index])}${n.similarity !== undefined ? ` ${formatValue(n.similarity, 2)}` : ''}`).join(', ')}` : '';
    parts.push(
      el(
        'g',
        { class: 'point', 'data-i': i, 'data-x': String(px), 'data-y': String(py), tabindex: neighbours ? 0 : undefined },
        el('circle', { cx: x(px), cy: y(py), r: 3.5, fill: color, 'fill-opacity': 0.85 }, el('title', {}, `${labelXml(labels[i])} (${formatValue(px)}, ${formatValue(py)})${nearText}`)),
        el('text', { class: 'point-label', x: x(px) + 6, y: y(py), 'dominant-baseline': 'middle', 'font-size': 11, fill: '#222222' }, escapeXml(truncate(visibleLabel(labels[i]), maxLabel))),
      ),
    );
  });
  return svgDocument(width, height, title, 'attn-embedding', parts);
}
