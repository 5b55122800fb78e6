// Colour scales. We never hand-write colour maps: the sequential map comes from
// d3-scale-chromatic (ColorBrewer "Blues", perceptually ordered, light → dark)
// and d3-scale maps data values into it, clamping anything outside the domain.
import { scaleSequential } from 'd3-scale';
import { interpolateBlues, schemePastel1, schemeSet2 } from 'd3-scale-chromatic';

/** A function from t in [0, 1] to a CSS colour, like d3-scale-chromatic's `interpolate*`. */
export type Interpolator = (t: number) => string;

/** Default map for attention: near-white at 0, dark navy at 1, so darker = more attention. */
export const defaultInterpolator: Interpolator = interpolateBlues;

/** Colours for the two loss series and categorical marks (ColorBrewer Set2, readable on white). */
export const seriesColors: readonly string[] = schemeSet2;

/** Light backgrounds for token chips; dark text stays readable on every one (ColorBrewer Pastel1). */
export const tokenColors: readonly string[] = schemePastel1;

export interface ColorScale {
  /** CSS colour for a data value (clamped into the domain). */
  color(value: number): string;
  /** Position of a value in the domain, 0..1 (clamped): the "darkness". */
  t(value: number): number;
  /** Text colour that stays readable on top of `color(value)`. */
  textColor(value: number): string;
  domain: [number, number];
}

export function colorScale(domain: [number, number], interpolator: Interpolator = defaultInterpolator): ColorScale {
  const scale = scaleSequential(interpolator).domain(domain).clamp(true);
  const t = (value: number) => Math.min(1, Math.max(0, (value - domain[0]) / (domain[1] - domain[0])));
  return {
    color: (value) => scale(value),
    t,
    // Relative luminance decides the text colour, so this works for any map.
    textColor: (value) => (luminance(parseColor(scale(value))) > 0.45 ? '#111111' : '#ffffff'),
    domain,
  };
}

/** Parse the colour strings d3 produces ("rgb(r, g, b)" or "#rrggbb") into 0..255 channels. */
export function parseColor(css: string): [number, number, number] {
  const rgb = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/.exec(css);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])].map((c) => Math.round(c)) as [number, number, number];
  const hex = /^#([0-9a-f]{6})$/i.exec(css);
  if (hex) {
    const n = Number.parseInt(hex[1], 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const short = /^#([0-9a-f]{3})$/i.exec(css);
  if (short) {
    const [r, g, b] = Array.from(short[1], (c) => Number.parseInt(c + c, 16));
    return [r, g, b];
  }
  throw new Error(`parseColor: cannot read colour ${JSON.stringify(css)}; expected "rgb(r, g, b)" or "#rrggbb"`);
}

/** WCAG relative luminance of an sRGB colour, 0 (black) .. 1 (white). */
export function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
