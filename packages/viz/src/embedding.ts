// Embedding map: 2-D points (for example from `pca2d`) as a labelled scatter,
// the "semantic map" where related tokens land near each other.
import { scaleLinear } from 'd3-scale';
import { seriesColors } from './color.js';
import { el, svgDocument } from './svg.js';
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
  const title = options.title ?? 'Embedding map';
  const plotWidth = options.width ?? 520;
  const plotHeight = options.height ?? 400;
  const maxLabel = options.maxLabelLength ?? 14;
  const left = 40;
  const top = 36;
  const width = left + plotWidth + 90; // labels may stick out to the right
  const height = top + plotHeight + 40;

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
    el('text', { class: 'axis-caption', x: left + plotWidth / 2, y: height - 10, 'text-anchor': 'middle', fill: '#333333' }, escapeXml(options.xLabel ?? 'PC 1')),
    el('text', { class: 'axis-caption', x: 14, y: top + plotHeight / 2, transform: `rotate(-90 14 ${top + plotHeight / 2})`, 'text-anchor': 'middle', fill: '#333333' }, escapeXml(options.yLabel ?? 'PC 2')),
  ];
  points.forEach(([px, py], i) => {
    const color = groups ? seriesColors[groups[i] % seriesColors.length] : '#3b6fb6';
    parts.push(
      el(
        'g',
        { class: 'point', 'data-i': i, 'data-x': String(px), 'data-y': String(py) },
        el('circle', { cx: x(px), cy: y(py), r: 3.5, fill: color, 'fill-opacity': 0.85 }, el('title', {}, `${labelXml(labels[i])} (${formatValue(px)}, ${formatValue(py)})`)),
        el('text', { class: 'point-label', x: x(px) + 6, y: y(py), 'dominant-baseline': 'middle', 'font-size': 11, fill: '#222222' }, escapeXml(truncate(visibleLabel(labels[i]), maxLabel))),
      ),
    );
  });
  return svgDocument(width, height, title, 'attn-embedding', parts);
}
