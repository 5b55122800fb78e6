// Token view: a text split into its tokens, each on its own coloured chip, so
// "doughnuts" shows up as "dough" + "nuts". Whitespace is made visible, and a
// token that ends in a newline also breaks the line, as it would in the text.
import { tokenColors } from './color.js';
import { el, svgDocument, textWidth } from './svg.js';
import { escapeXml, labelXml, visibleLabel } from './text.js';
import { describe, fail } from './validate.js';

export interface TokenPiece {
  /** The token's text (decoded). */
  text: string;
  /** Optional token id, shown on hover. */
  id?: number;
}

export interface TokenViewOptions {
  /** Heading (default "Tokens"). */
  title?: string;
  /** Wrap to a new line before exceeding this width in pixels (default 640). */
  maxWidth?: number;
}

const FN = 'tokenViewSvg';

export function tokenViewSvg(pieces: TokenPiece[], options: TokenViewOptions = {}): string {
  if (!Array.isArray(pieces)) fail(FN, `pieces must be an array of { text, id? }, got ${describe(pieces)}`);
  pieces.forEach((p, i) => {
    if (p === null || typeof p !== 'object' || typeof p.text !== 'string') {
      fail(FN, `pieces[${i}] must be an object with a string "text", got ${describe(p)}`);
    }
    if (p.id !== undefined && !Number.isInteger(p.id)) fail(FN, `pieces[${i}].id must be an integer, got ${describe(p.id)}`);
  });
  const title = options.title ?? 'Tokens';
  const maxWidth = options.maxWidth ?? 640;
  const left = 12;
  const top = 36;
  const lineHeight = 26;
  const padding = 4;
  const gap = 2;

  const chips: string[] = [];
  let x = left;
  let line = 0;
  let widest = 0;
  pieces.forEach((piece, i) => {
    const shown = visibleLabel(piece.text);
    const w = textWidth(shown) + 2 * padding;
    if (x > left && x + w > left + maxWidth) {
      x = left;
      line++;
    }
    const y = top + line * lineHeight;
    const hover = piece.id === undefined ? labelXml(piece.text) : `${labelXml(piece.text)} (id ${piece.id})`;
    chips.push(
      el(
        'g',
        { class: 'token', 'data-i': i, ...(piece.id === undefined ? {} : { 'data-id': piece.id }) },
        el('rect', { x, y, width: w, height: lineHeight - 6, rx: 3, fill: tokenColors[i % tokenColors.length], stroke: '#bbbbbb', 'stroke-width': 0.5 }, el('title', {}, hover)),
        el('text', { x: x + padding, y: y + (lineHeight - 6) / 2, 'dominant-baseline': 'central', fill: '#111111', 'pointer-events': 'none' }, escapeXml(shown)),
      ),
    );
    x += w + gap;
    widest = Math.max(widest, x);
    if (piece.text.endsWith('\n')) {
      x = left;
      line++;
    }
  });
  const lines = pieces.length === 0 ? 1 : line + (x > left ? 1 : 0);
  const width = Math.max(widest + 12, 200);
  const height = top + Math.max(1, lines) * lineHeight + 24;
  const caption = el(
    'text',
    { class: 'caption', x: left, y: height - 10, 'font-size': 10, fill: '#555555' },
    `${pieces.length} token${pieces.length === 1 ? '' : 's'} · ␣ = space, ↵ = newline`,
  );
  return svgDocument(width, height, title, 'attn-tokens', [
    el('text', { class: 'title', x: 12, y: 22, 'font-size': 14, 'font-weight': 'bold', fill: '#111111' }, escapeXml(title)),
    ...chips,
    caption,
  ]);
}
