// Small text-layout helpers shared by the inspection commands' terminal output.
import { visibleLabel } from '@attn/viz';

/** A token as the terminal shows it: whitespace made visible (␣ ↵), cut to `max` characters. */
export function tokenText(label: string, max = 12): string {
  const chars = Array.from(visibleLabel(label));
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

/** Pads (or cuts) to exactly `width` display characters. */
export function cell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const chars = Array.from(text);
  const cut = chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : text;
  const pad = ' '.repeat(Math.max(0, width - Array.from(cut).length));
  return align === 'left' ? cut + pad : pad + cut;
}

/** A number with `digits` decimals and no "-0.00". */
export function fixed(x: number, digits = 2): string {
  const s = x.toFixed(digits);
  return Number(s) === 0 ? (0).toFixed(digits) : s;
}

/** A vector as "[a, b, c, … (n values)]", at most `max` values shown. */
export function vector(xs: readonly number[], max = 8, digits = 2): string {
  const shown = xs.slice(0, max).map((x) => fixed(x, digits));
  return `[${shown.join(', ')}${xs.length > max ? `, … (${xs.length} values)` : ''}]`;
}

/** A bar of `width` cells for a probability. */
export function bar(p: number, width = 20): string {
  const n = Math.round(Math.max(0, Math.min(1, p)) * width);
  return '█'.repeat(n) + '·'.repeat(width - n);
}
