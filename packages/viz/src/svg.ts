// A tiny SVG string builder. Attribute values are always escaped; children are
// strings the caller already built (escaped text or other elements).
import { escapeXml } from './text.js';

export type Attrs = Record<string, string | number | undefined>;

/** Round to 2 decimals so coordinates stay short and deterministic. */
export function num(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** `<name attrs>children</name>`, or self-closing when there are no children. */
export function el(name: string, attrs: Attrs, ...children: string[]): string {
  let open = '<' + name;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    const text = typeof value === 'number' ? num(value) : value;
    open += ` ${key}="${escapeXml(text)}"`;
  }
  if (children.length === 0) return open + '/>';
  return open + '>' + children.join('') + `</${name}>`;
}

/** The outer `<svg>` element with a root `<title>` for screen readers and tab tooltips. */
export function svgDocument(width: number, height: number, title: string, className: string, body: string[]): string {
  return el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      width: Math.ceil(width),
      height: Math.ceil(height),
      viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`,
      role: 'img',
      'aria-label': title,
      class: className,
      'font-family': FONT_FAMILY,
      'font-size': FONT_SIZE,
    },
    el('title', {}, escapeXml(title)),
    el('rect', { class: 'background', width: Math.ceil(width), height: Math.ceil(height), fill: '#ffffff' }),
    ...body,
  );
}

/**
 * Monospace so that label widths can be estimated without a font engine:
 * every character is about CHAR_WIDTH pixels wide at FONT_SIZE.
 */
export const FONT_FAMILY = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace';
export const FONT_SIZE = 12;
export const CHAR_WIDTH = 7.3;

/** Estimated pixel width of a (visible, unescaped) label. */
export function textWidth(text: string, fontSize = FONT_SIZE): number {
  return Array.from(text).length * CHAR_WIDTH * (fontSize / FONT_SIZE);
}
