// The page's one colour scale for attention weights, per theme. Light: d3's
// ColorBrewer Blues as @attn/viz draws it (white = 0, navy = 1: darker means more
// attention). Dark: from the page's surface colour through the same Blues to their
// palest tint (surface = 0, near-white = 1: brighter means more attention), so the
// masked half of a causal map disappears into the page in both themes. Every
// heatmap, grid, bar and legend on the page takes its colours from here.
import { defaultInterpolator, type Interpolator } from '@attn/viz';
import { interpolateLab, piecewise } from 'd3-interpolate';

const darkQuery = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;

/** --surface of the dark theme (style.css), then Blues at 1, 0.75, 0.45 and 0.15. */
const darkScale: Interpolator = piecewise(interpolateLab, ['#151b23', '#08306b', '#2171b5', '#6baed6', '#deebf7']);

export function isDark(): boolean {
  return darkQuery?.matches ?? false;
}

export function attentionInterpolator(): Interpolator {
  return isDark() ? darkScale : defaultInterpolator;
}

/** Calls `redraw` when the system switches between light and dark. */
export function onThemeChange(redraw: () => void): void {
  darkQuery?.addEventListener('change', redraw);
}
