// A vertical colour legend: a bar of stacked swatches (no gradient, so several
// SVGs can share one HTML page without clashing element ids) and tick labels.
import type { ColorScale } from './color.js';
import { el, num } from './svg.js';
import { escapeXml, formatValue } from './text.js';

export const LEGEND_WIDTH = 64;

/** Legend whose top-left corner is at (x, y), `height` pixels tall, highest value at the top. */
export function verticalLegend(scale: ColorScale, x: number, y: number, height: number, caption: string): string {
  const [lo, hi] = scale.domain;
  const steps = 32;
  const barWidth = 12;
  const parts: string[] = [];
  for (let i = 0; i < steps; i++) {
    // Swatch i covers the value at its centre; i = 0 is the top (highest value).
    const value = hi - ((i + 0.5) / steps) * (hi - lo);
    parts.push(
      el('rect', {
        x,
        y: y + (i * height) / steps,
        width: barWidth,
        height: height / steps + 0.5, // +0.5 hides hairline gaps between swatches
        fill: scale.color(value),
      }),
    );
  }
  parts.push(el('rect', { x, y, width: barWidth, height, fill: 'none', stroke: '#888888', 'stroke-width': 0.5 }));
  const ticks = 5;
  for (let i = 0; i < ticks; i++) {
    const value = lo + (i / (ticks - 1)) * (hi - lo);
    const ty = y + height - (i / (ticks - 1)) * height;
    parts.push(el('line', { x1: x + barWidth, y1: ty, x2: x + barWidth + 3, y2: ty, stroke: '#555555' }));
    parts.push(
      el(
        'text',
        { class: 'legend-tick', x: x + barWidth + 5, y: ty, 'dominant-baseline': 'middle', 'font-size': 10, fill: '#333333' },
        formatValue(value, 2),
      ),
    );
  }
  parts.push(
    el(
      'text',
      { class: 'legend-caption', x, y: y - 14, 'font-size': 10, fill: '#333333' },
      escapeXml(caption),
    ),
  );
  return el('g', { class: 'legend', 'data-min': num(lo), 'data-max': num(hi) }, ...parts);
}
