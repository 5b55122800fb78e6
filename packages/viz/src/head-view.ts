// The head view (after bertviz's): the tokens twice, queries on the left and keys on the
// right, with a line from each query to each key it attends to, as strong as the weight.
// One head is drawn in the heatmaps' colour scale (light = little, dark = a lot, with the same
// legend); several heads are overlaid in one colour each. Hovering (or focusing, e.g. by a tap)
// a token shows only its lines: a query's lines out, or a key's lines in.
import { interpolateSinebow, schemeTableau10 } from 'd3-scale-chromatic';
import { colorScale, type Interpolator } from './color.js';
import { active, styleElement } from './hover.js';
import { LEGEND_WIDTH, verticalLegend } from './legend.js';
import { el, svgDocument, textWidth } from './svg.js';
import { escapeXml, formatValue, labelXml, truncate, visibleLabel } from './text.js';
import { checkDomain, checkLabels, checkMatrix, describe, fail } from './validate.js';

export interface HeadViewHead {
  /** Attention weights [query][key], T x T. */
  weights: number[][];
  /** Name in the legend and tooltips (default "head <index>"). */
  label?: string;
}

export interface HeadViewOptions {
  /** One head, or several to overlay in one colour each. */
  heads: HeadViewHead[];
  /** The T token labels (queries and keys alike). */
  labels: string[];
  /** Heading (default "Attention head view"). */
  title?: string;
  /** Pixels per token row (default 20). */
  rowHeight?: number;
  /** Horizontal room for the lines, in pixels (default 180). */
  linkWidth?: number;
  /** Lines lighter than this weight are left out, which keeps long sequences small (default 0.01). */
  minWeight?: number;
  /** Weight range of the colour scale for one head (default [0, 1], as the heatmaps). */
  domain?: [number, number];
  /** Colour map for one head (default d3 `interpolateBlues`, as the heatmaps). */
  interpolator?: Interpolator;
  /** Labels longer than this many characters are cut with "…" (default 14). */
  maxLabelLength?: number;
}

const FN = 'headViewSvg';

/** One colour per head: Tableau 10 for up to 10 heads, evenly spaced hues beyond. */
export function headColors(count: number): string[] {
  if (count <= schemeTableau10.length) return schemeTableau10.slice(0, count);
  return Array.from({ length: count }, (_, h) => interpolateSinebow(h / count));
}

/** Per-token hover rules for a figure whose root has class `root` and whose lines carry data-q / data-k. */
export function linkHoverCss(root: string, count: number): string {
  const rules = [
    `.${root} .link { transition: opacity 0.1s; }`,
    `.${root} .token { cursor: pointer; outline: none; }`,
    `.${root} ${active('.token')} .token-box { fill: #fff3bf; }`,
    `.${root}:has(${active('.token')}) .link { opacity: 0; }`,
  ];
  for (let i = 0; i < count; i++) {
    rules.push(`.${root}:has(${active(`.query-token[data-i="${i}"]`)}) .link[data-q="${i}"], .${root}:has(${active(`.key-token[data-i="${i}"]`)}) .link[data-k="${i}"] { opacity: 1; }`);
  }
  return rules.join('\n');
}

export function headViewSvg(options: HeadViewOptions): string {
  const labels = checkLabels(FN, 'labels', options.labels);
  const T = labels.length;
  if (T === 0) fail(FN, 'labels must hold at least one token');
  if (!Array.isArray(options.heads) || options.heads.length === 0) fail(FN, `heads must be a non-empty array of { weights }, got ${describe(options.heads)}`);
  const heads = options.heads.map((h, i) => {
    if (h === null || typeof h !== 'object') fail(FN, `heads[${i}] must be an object { weights, label? }, got ${describe(h)}`);
    return { weights: checkMatrix(FN, `heads[${i}].weights`, h.weights, T, T), label: h.label ?? `head ${i}` };
  });
  const domain = checkDomain(FN, options.domain ?? [0, 1]);
  const scale = colorScale(domain, options.interpolator);
  const single = heads.length === 1;
  const colors = headColors(heads.length);
  const rowHeight = options.rowHeight ?? 20;
  const linkWidth = options.linkWidth ?? 180;
  const minWeight = options.minWeight ?? 0.01;
  const maxLabel = options.maxLabelLength ?? 14;
  const title = options.title ?? 'Attention head view';

  const shown = labels.map((l) => truncate(visibleLabel(l), maxLabel));
  const labelWidth = Math.max(24, ...shown.map((l) => textWidth(l))) + 12;
  const top = 44;
  const leftX = 12 + labelWidth; // right edge of the query labels
  const rightX = leftX + linkWidth; // left edge of the key labels
  const legendX = rightX + labelWidth + 20;
  const legendWidth = single ? LEGEND_WIDTH : Math.max(...heads.map((h) => textWidth(h.label))) + 30;
  const width = legendX + legendWidth + 12;
  const height = top + Math.max(T * rowHeight, single ? 140 : heads.length * 18) + 30;
  const rowY = (i: number) => top + i * rowHeight + rowHeight / 2;

  const parts: string[] = [
    styleElement(linkHoverCss('attn-head-view', T)),
    el('text', { class: 'title', x: 12, y: 20, 'font-size': 14, 'font-weight': 'bold', fill: '#111111' }, escapeXml(title)),
    el('text', { class: 'axis-caption', x: leftX, y: top - 10, 'text-anchor': 'end', 'font-size': 10, fill: '#555555' }, 'query'),
    el('text', { class: 'axis-caption', x: rightX, y: top - 10, 'font-size': 10, fill: '#555555' }, 'key'),
  ];
  const links: string[] = [];
  heads.forEach((head, h) => {
    for (let q = 0; q < T; q++) {
      for (let k = 0; k < T; k++) {
        const w = head.weights[q][k];
        if (!(w >= minWeight)) continue;
        links.push(
          el('line', {
            class: 'link',
            x1: leftX + 4,
            y1: rowY(q),
            x2: rightX - 4,
            y2: rowY(k),
            stroke: single ? scale.color(w) : colors[h],
            'stroke-width': 2,
            'stroke-opacity': Math.min(1, Math.max(0.05, scale.t(w))),
            'data-q': q,
            'data-k': k,
            'data-head': h,
            'data-value': String(w),
          }),
        );
      }
    }
  });
  parts.push(el('g', { class: 'links' }, ...links));
  const tooltip = (i: number, side: 'query' | 'key') => {
    // Where the query looks (or who looks at the key), strongest first, for the first head.
    const w = heads[0].weights;
    const entries = Array.from({ length: T }, (_, j) => ({ j, value: side === 'query' ? w[i][j] : w[j][i] }))
      .filter((e) => e.value >= 0.005)
      .sort((a, b) => b.value - a.value)
      .slice(0, 5);
    const verb = side === 'query' ? '→' : '←';
    const head = heads.length > 1 ? ` (${heads[0].label})` : '';
    return `${labelXml(labels[i])} ${verb} ${entries.map((e) => `${labelXml(labels[e.j])} ${formatValue(e.value, 2)}`).join(', ')}${head}`;
  };
  labels.forEach((_, i) => {
    for (const side of ['query', 'key'] as const) {
      const x = side === 'query' ? leftX : rightX;
      parts.push(
        el(
          'g',
          { class: `token ${side}-token`, 'data-i': i, tabindex: 0 },
          el('title', {}, tooltip(i, side)),
          el('rect', { class: 'token-box', x: side === 'query' ? x - labelWidth + 2 : x, y: rowY(i) - rowHeight / 2 + 1, width: labelWidth - 2, height: rowHeight - 2, rx: 3, fill: '#ffffff' }),
          el(
            'text',
            { class: 'token-label', x: side === 'query' ? x - 6 : x + 6, y: rowY(i), 'text-anchor': side === 'query' ? 'end' : 'start', 'dominant-baseline': 'middle', fill: '#222222' },
            escapeXml(shown[i]),
          ),
        ),
      );
    }
  });
  if (single) parts.push(verticalLegend(scale, legendX, top + 14, Math.max(100, Math.min(T * rowHeight, 240) - 14), 'weight'));
  else {
    const swatches = heads.map((head, h) =>
      el(
        'g',
        { class: 'head-swatch', 'data-head': h },
        el('rect', { x: legendX, y: top + h * 18, width: 14, height: 10, fill: colors[h] }),
        el('text', { x: legendX + 20, y: top + h * 18 + 5, 'dominant-baseline': 'middle', 'font-size': 11, fill: '#222222' }, escapeXml(head.label)),
      ),
    );
    parts.push(el('g', { class: 'legend' }, el('text', { class: 'legend-caption', x: legendX, y: top - 10, 'font-size': 10, fill: '#333333' }, 'heads'), ...swatches));
  }
  parts.push(el('text', { class: 'axis-caption', x: 12, y: height - 10, 'font-size': 10, fill: '#555555' }, 'hover or tap a token to see only its lines'));
  return svgDocument(width, height, title, 'attn-head-view', parts);
}
