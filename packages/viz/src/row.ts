// One query's attention as horizontal bars: "what does `it` look at".
// A bar per key, its length proportional to the weight on a fixed 0..max axis.
import { type Interpolator, colorScale } from './color.js';
import { el, svgDocument, textWidth } from './svg.js';
import { escapeXml, formatValue, labelXml, truncate, visibleLabel } from './text.js';
import { checkDomain, checkFiniteNumber, checkLabels, describe, fail } from './validate.js';

export interface RowOptions {
  /** The query's weights over the keys, one per label. */
  weights: number[];
  /** The key labels, in sequence order. */
  labels: string[];
  /** The query token whose attention this is (shown in the heading). */
  queryLabel: string;
  /** Heading (default `what does "<query>" look at`). */
  title?: string;
  /** Value at the full bar length and the colour domain (default [0, 1]). */
  domain?: [number, number];
  /** Colour map from t in [0, 1] to CSS colour (default d3 `interpolateBlues`). */
  interpolator?: Interpolator;
  /** Length in pixels of a bar at the top of the domain (default 240). */
  barLength?: number;
  /** Labels longer than this are cut with "…" (default 20). */
  maxLabelLength?: number;
}

const FN = 'attentionRowSvg';

export function attentionRowSvg(options: RowOptions): string {
  const labels = checkLabels(FN, 'labels', options.labels);
  const weights = options.weights;
  if (!Array.isArray(weights) && !ArrayBuffer.isView(weights)) {
    fail(FN, `weights must be an array of numbers, got ${describe(weights)}`);
  }
  if (weights.length !== labels.length) {
    fail(FN, `weights has ${weights.length} values but labels has ${labels.length}`);
  }
  for (let i = 0; i < weights.length; i++) checkFiniteNumber(FN, `weights[${i}]`, weights[i]);
  if (typeof options.queryLabel !== 'string') fail(FN, `queryLabel must be a string, got ${describe(options.queryLabel)}`);
  const domain = checkDomain(FN, options.domain ?? [0, 1]);
  const scale = colorScale(domain, options.interpolator);
  const barLength = options.barLength ?? 240;
  const maxLabel = options.maxLabelLength ?? 20;
  const title = options.title ?? `what does "${visibleLabel(options.queryLabel)}" look at`;

  // Bars use the upper 65% of the colour map: the length already shows the
  // weight, and the palest colours would vanish against the track.
  const barColor = (value: number) => scale.color(domain[0] + (0.35 + 0.65 * scale.t(value)) * (domain[1] - domain[0]));
  const shown = labels.map((l) => truncate(visibleLabel(l), maxLabel));
  const rowHeight = 20;
  const left = 12 + Math.max(24, ...shown.map((l) => textWidth(l))) + 10;
  const top = 40;
  const width = left + barLength + 60;
  const height = top + labels.length * rowHeight + 16;

  const parts: string[] = [
    el('text', { class: 'title', x: 12, y: 22, 'font-size': 14, 'font-weight': 'bold', fill: '#111111' }, escapeXml(title)),
  ];
  labels.forEach((label, k) => {
    const value = weights[k];
    const y = top + k * rowHeight;
    const length = scale.t(value) * barLength;
    parts.push(
      el(
        'g',
        { class: 'bar-row', 'data-k': k },
        el('text', { class: 'key-label', x: left - 8, y: y + rowHeight / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', fill: '#222222' }, escapeXml(shown[k])),
        // A faint full-length track makes small weights comparable with large ones.
        el('rect', { class: 'track', x: left, y: y + 3, width: barLength, height: rowHeight - 6, fill: '#f2f2f2' }),
        el(
          'rect',
          { class: 'bar', x: left, y: y + 3, width: length, height: rowHeight - 6, fill: barColor(value), 'data-value': String(value) },
          el('title', {}, `${labelXml(options.queryLabel)} → ${labelXml(label)}: ${formatValue(value)}`),
        ),
        el('text', { class: 'bar-value', x: left + barLength + 6, y: y + rowHeight / 2, 'dominant-baseline': 'middle', 'font-size': 11, fill: '#333333' }, formatValue(value)),
      ),
    );
  });
  return svgDocument(width, height, title, 'attn-row', parts);
}
