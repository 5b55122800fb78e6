// Loss curves: training and validation loss against the step, on a linear or
// logarithmic loss axis. Scales and tick positions come from d3-scale.
import { scaleLinear, scaleLog } from 'd3-scale';
import { seriesColors } from './color.js';
import { el, num, svgDocument } from './svg.js';
import { escapeXml, formatValue } from './text.js';
import { describe, fail } from './validate.js';

export interface LossPoint {
  /** Optimiser step (x axis). */
  step: number;
  /** Loss at that step; a non-finite loss (a divergence) leaves a gap in the line. */
  loss: number;
}

export interface LossCurveOptions {
  /** Training loss, usually one point per step or per logging interval. */
  train: LossPoint[];
  /** Validation loss, usually sparser (default none). */
  val?: LossPoint[];
  /** Logarithmic loss axis; needs every finite loss > 0 (default false). */
  logScale?: boolean;
  /** Heading (default "Loss"). */
  title?: string;
  /** Plot size in pixels, axes excluded (default 480 x 260). */
  width?: number;
  height?: number;
}

const FN = 'lossCurveSvg';

export function lossCurveSvg(options: LossCurveOptions): string {
  const train = checkSeries('train', options.train);
  const val = checkSeries('val', options.val ?? []);
  const logScale = options.logScale ?? false;
  const title = options.title ?? 'Loss';
  const plotWidth = options.width ?? 480;
  const plotHeight = options.height ?? 260;
  const all = [...train, ...val];
  const finite = all.filter((p) => Number.isFinite(p.loss));
  if (finite.length === 0) fail(FN, 'needs at least one point with a finite loss in train or val');
  if (logScale) {
    const bad = finite.find((p) => p.loss <= 0);
    if (bad) fail(FN, `logScale needs every loss > 0, got ${bad.loss} at step ${bad.step}`);
  }

  const left = 58;
  const top = 36;
  const right = 110; // the series legend sits right of the plot
  const bottom = 44;
  const width = left + plotWidth + right;
  const height = top + plotHeight + bottom;

  let minStep = Math.min(...all.map((p) => p.step));
  let maxStep = Math.max(...all.map((p) => p.step));
  if (minStep === maxStep) [minStep, maxStep] = [minStep - 1, maxStep + 1];
  let minLoss = Math.min(...finite.map((p) => p.loss));
  let maxLoss = Math.max(...finite.map((p) => p.loss));
  if (minLoss === maxLoss) [minLoss, maxLoss] = logScale ? [minLoss / 2, maxLoss * 2] : [minLoss - 1, maxLoss + 1];

  const x = scaleLinear().domain([minStep, maxStep]).range([left, left + plotWidth]);
  const y = (logScale ? scaleLog() : scaleLinear()).domain([minLoss, maxLoss]).range([top + plotHeight, top]).nice();

  const parts: string[] = [
    el('text', { class: 'title', x: 12, y: 22, 'font-size': 14, 'font-weight': 'bold', fill: '#111111' }, escapeXml(title)),
  ];

  // Axes, grid lines and ticks.
  const xTicks = x.ticks(6);
  const xFormat = x.tickFormat(6);
  for (const tick of xTicks) {
    parts.push(el('line', { class: 'grid', x1: x(tick), y1: top, x2: x(tick), y2: top + plotHeight, stroke: '#eeeeee' }));
    parts.push(el('text', { class: 'x-tick', x: x(tick), y: top + plotHeight + 16, 'text-anchor': 'middle', 'font-size': 10, fill: '#333333' }, escapeXml(xFormat(tick))));
  }
  const yTicks = logScale ? logTicks(y.domain() as [number, number]) : y.ticks(6);
  const yFormat = (v: number) => (logScale ? trimNumber(v) : y.tickFormat(6)(v));
  for (const tick of yTicks) {
    parts.push(el('line', { class: 'grid', x1: left, y1: y(tick), x2: left + plotWidth, y2: y(tick), stroke: '#eeeeee' }));
    parts.push(el('text', { class: 'y-tick', x: left - 6, y: y(tick), 'text-anchor': 'end', 'dominant-baseline': 'middle', 'font-size': 10, fill: '#333333' }, escapeXml(yFormat(tick))));
  }
  parts.push(el('rect', { x: left, y: top, width: plotWidth, height: plotHeight, fill: 'none', stroke: '#999999', 'stroke-width': 0.75 }));
  parts.push(el('text', { class: 'axis-caption', x: left + plotWidth / 2, y: height - 8, 'text-anchor': 'middle', fill: '#333333' }, 'step'));
  parts.push(
    el('text', { class: 'axis-caption', x: 14, y: top + plotHeight / 2, transform: `rotate(-90 14 ${top + plotHeight / 2})`, 'text-anchor': 'middle', fill: '#333333' }, logScale ? 'loss (log)' : 'loss'),
  );

  const series: [string, LossPoint[], string][] = [
    ['train', train, seriesColors[2]],
    ['val', val, seriesColors[1]],
  ];
  series.forEach(([name, points, color], i) => {
    if (points.length === 0) return;
    parts.push(
      el('path', { class: `series series-${name}`, d: linePath(points, x, y), fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'data-points': points.length }),
    );
    // Point markers with hover values: always for val (sparse), for train only when sparse too.
    if (name === 'val' || points.length <= 200) {
      const dots = points
        .filter((p) => Number.isFinite(p.loss))
        .map((p) =>
          el('circle', { class: `point point-${name}`, cx: x(p.step), cy: y(p.loss), r: name === 'val' ? 3 : 2, fill: color, 'data-step': String(p.step), 'data-loss': String(p.loss) }, el('title', {}, `${name} step ${p.step}: ${formatValue(p.loss, 4)}`)),
        );
      parts.push(el('g', { class: `points points-${name}` }, ...dots));
    }
    const ly = top + 10 + i * 20;
    parts.push(el('line', { x1: left + plotWidth + 14, y1: ly, x2: left + plotWidth + 34, y2: ly, stroke: color, 'stroke-width': 2 }));
    parts.push(el('text', { class: 'series-label', x: left + plotWidth + 40, y: ly, 'dominant-baseline': 'middle', fill: '#222222' }, name));
  });
  return svgDocument(width, height, title, 'attn-loss', parts);
}

/** An SVG path through the points in step order; a non-finite loss starts a new segment. */
function linePath(points: LossPoint[], x: (v: number) => number, y: (v: number) => number): string {
  const sorted = [...points].sort((a, b) => a.step - b.step);
  let d = '';
  let pen = 'M';
  for (const p of sorted) {
    if (!Number.isFinite(p.loss)) {
      pen = 'M';
      continue;
    }
    d += `${pen}${num(x(p.step))},${num(y(p.loss))}`;
    pen = 'L';
  }
  return d;
}

/** Ticks for a log axis: powers of ten, plus 2× and 5× when the range is narrow. */
function logTicks([lo, hi]: [number, number]): number[] {
  const ticks: number[] = [];
  const decades = Math.log10(hi) - Math.log10(lo);
  const mantissas = decades < 1.5 ? [1, 2, 3, 5, 7] : decades < 3 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of mantissas) {
      const v = m * 10 ** e;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks;
}

function trimNumber(v: number): string {
  return String(Number(v.toPrecision(3)));
}

function checkSeries(name: string, points: unknown): LossPoint[] {
  if (!Array.isArray(points)) fail(FN, `${name} must be an array of { step, loss }, got ${describe(points)}`);
  points.forEach((p, i) => {
    if (p === null || typeof p !== 'object') fail(FN, `${name}[${i}] must be { step, loss }, got ${describe(p)}`);
    const { step, loss } = p as LossPoint;
    if (typeof step !== 'number' || !Number.isFinite(step)) fail(FN, `${name}[${i}].step must be a finite number, got ${describe(step)}`);
    if (typeof loss !== 'number') fail(FN, `${name}[${i}].loss must be a number, got ${describe(loss)}`);
  });
  return points as LossPoint[];
}
