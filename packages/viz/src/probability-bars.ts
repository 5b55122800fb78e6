// Next-token probabilities as bars: one row per candidate token, its bar as long as its
// probability. Tokens that sampling settings cut off (top-k, top-p, ...) are greyed and show
// the probability they had before the cut, dashed; the greedy choice is marked with ★.
import { colorScale, type Interpolator } from './color.js';
import { el, svgDocument, textWidth } from './svg.js';
import { escapeXml, formatValue, labelXml, truncate, visibleLabel } from './text.js';
import { checkFiniteNumber, describe, fail } from './validate.js';

export interface ProbabilityBar {
  /** The token as text. */
  label: string;
  /** The probability shown: what sampling draws from (0 when cut off). */
  prob: number;
  /** For a token that was cut off: the probability it had before (drawn greyed). */
  before?: number;
  /** Why it was cut off (e.g. "top-k(5)"); a bar with this set is drawn greyed. */
  cutBy?: string | null;
  /** Marks the greedy choice. */
  greedy?: boolean;
  /** Optional token id, in the tooltip. */
  id?: number;
}

export interface ProbabilityBarsOptions {
  bars: ProbabilityBar[];
  /** Heading (default "Next-token probabilities"). */
  title?: string;
  /** A line under the heading, e.g. the settings ("temperature 0.8 · top-k 5"). */
  subtitle?: string;
  /** Pixel length of a probability-1 bar (default 260). */
  barLength?: number;
  /** Colour map of the kept bars (default d3 `interpolateBlues`, as the heatmaps). */
  interpolator?: Interpolator;
  /** Labels are cut to this many characters (default 16). */
  maxLabelLength?: number;
}

const FN = 'probabilityBarsSvg';
const CUT_FILL = '#d9d9d9';

export function probabilityBarsSvg(options: ProbabilityBarsOptions): string {
  const bars = options.bars;
  if (!Array.isArray(bars) || bars.length === 0) fail(FN, `bars must be a non-empty array of { label, prob }, got ${describe(bars)}`);
  bars.forEach((b, i) => {
    if (b === null || typeof b !== 'object' || typeof b.label !== 'string') fail(FN, `bars[${i}] must be an object with a string "label", got ${describe(b)}`);
    checkFiniteNumber(FN, `bars[${i}].prob`, b.prob);
    if (b.prob < 0 || b.prob > 1 + 1e-9) fail(FN, `bars[${i}].prob must be a probability in [0, 1], got ${b.prob}`);
    if (b.before !== undefined) checkFiniteNumber(FN, `bars[${i}].before`, b.before);
  });
  const scale = colorScale([0, 1], options.interpolator);
  // Kept bars use the upper part of the colour map, so a small probability stays visible.
  const keptColor = (p: number) => scale.color(0.35 + 0.65 * p);
  const barLength = options.barLength ?? 260;
  const maxLabel = options.maxLabelLength ?? 16;
  const title = options.title ?? 'Next-token probabilities';
  const shown = bars.map((b) => truncate(visibleLabel(b.label), maxLabel));
  const rowHeight = 22;
  const left = 12 + 16 + Math.max(24, ...shown.map((l) => textWidth(l))) + 10; // 16 px for the ★
  const top = options.subtitle ? 56 : 40;
  const width = left + barLength + 140;
  const legendY = top + bars.length * rowHeight + 16;
  const height = legendY + 24;

  const parts: string[] = [el('text', { class: 'title', x: 12, y: 22, 'font-size': 14, 'font-weight': 'bold', fill: '#111111' }, escapeXml(title))];
  if (options.subtitle) parts.push(el('text', { class: 'subtitle', x: 12, y: 40, 'font-size': 11, fill: '#444444' }, escapeXml(options.subtitle)));
  bars.forEach((b, i) => {
    const y = top + i * rowHeight;
    const cut = b.cutBy !== undefined && b.cutBy !== null;
    const value = cut ? (b.before ?? 0) : b.prob;
    const tip = `${labelXml(b.label)}${b.id !== undefined ? ` (id ${b.id})` : ''}: ${cut ? `cut off by ${escapeXml(b.cutBy!)} (was ${formatValue(value)})` : formatValue(b.prob)}${b.greedy ? ', the greedy choice' : ''}`;
    parts.push(
      el(
        'g',
        { class: `bar-row${cut ? ' cut' : ''}${b.greedy ? ' greedy' : ''}`, 'data-i': i, 'data-prob': String(b.prob) },
        el('title', {}, tip),
        b.greedy ? el('text', { class: 'greedy-mark', x: 12, y: y + rowHeight / 2, 'dominant-baseline': 'middle', fill: '#b35900' }, '★') : '',
        el('text', { class: 'token-label', x: left - 8, y: y + rowHeight / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', fill: cut ? '#999999' : '#222222' }, escapeXml(shown[i])),
        el('rect', { class: 'track', x: left, y: y + 4, width: barLength, height: rowHeight - 8, fill: '#f4f4f4' }),
        el('rect', {
          class: 'bar',
          x: left,
          y: y + 4,
          width: Math.max(0, Math.min(1, value)) * barLength,
          height: rowHeight - 8,
          fill: cut ? CUT_FILL : keptColor(value),
          stroke: cut ? '#aaaaaa' : 'none',
          'stroke-dasharray': cut ? '3 2' : undefined,
        }),
        el('text', { class: 'bar-value', x: left + barLength + 6, y: y + rowHeight / 2, 'dominant-baseline': 'middle', 'font-size': 11, fill: cut ? '#999999' : '#222222' }, cut ? `cut (${formatValue(value, 3)})` : formatValue(b.prob, 3)),
      ),
    );
  });
  parts.push(
    el(
      'g',
      { class: 'legend' },
      el('rect', { x: 12, y: legendY, width: 12, height: 10, fill: keptColor(0.6) }),
      el('text', { x: 28, y: legendY + 5, 'dominant-baseline': 'middle', 'font-size': 10, fill: '#333333' }, 'sampled from'),
      el('rect', { x: 112, y: legendY, width: 12, height: 10, fill: CUT_FILL, stroke: '#aaaaaa', 'stroke-dasharray': '3 2' }),
      el('text', { x: 128, y: legendY + 5, 'dominant-baseline': 'middle', 'font-size': 10, fill: '#333333' }, 'cut off'),
      el('text', { x: 190, y: legendY + 5, 'dominant-baseline': 'middle', 'font-size': 10, fill: '#b35900' }, '★ greedy'),
    ),
  );
  return svgDocument(width, height, title, 'attn-probabilities', parts);
}
