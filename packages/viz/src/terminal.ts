// Text renderings for terminals: a heatmap made of 24-bit ANSI background
// colours, or of shade characters (░▒▓█) when colour is off, and a token view.
//
// Colour is on when asked for explicitly (`color: true`), otherwise it follows
// the usual conventions: NO_COLOR (any non-empty value) turns it off,
// FORCE_COLOR turns it on, and otherwise it is on only for a TTY.
import { type Interpolator, colorScale, parseColor, tokenColors } from './color.js';
import { displayWidth, formatValue, truncate, visibleLabel } from './text.js';
import { checkDomain, checkLabels, checkMatrix, describe, fail } from './validate.js';

const RESET = '\x1b[0m';

/** Shades from empty to full, indexed by round(t * 4). */
export const SHADES = [' ', '░', '▒', '▓', '█'] as const;

export interface ColorEnvironment {
  /** Environment variables (default `process.env` when running in Node). */
  env?: Record<string, string | undefined>;
  /** Whether the output is a terminal (default `process.stdout.isTTY`). */
  isTTY?: boolean;
}

/** Decide whether to emit ANSI colour: NO_COLOR wins, then FORCE_COLOR, then "is it a TTY". */
export function shouldUseColor(environment: ColorEnvironment = {}): boolean {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; stdout?: { isTTY?: boolean } } }).process;
  const env = environment.env ?? proc?.env ?? {};
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return environment.isTTY ?? proc?.stdout?.isTTY === true;
}

export interface TerminalHeatmapOptions extends ColorEnvironment {
  /** true/false forces colour on/off; undefined decides with `shouldUseColor`. */
  color?: boolean;
  /** Key (column) labels when they differ from the query labels. */
  keyLabels?: string[];
  /** Characters per cell (default 3; in colour mode the cell shows the value as two digits when ≥ 3). */
  cellWidth?: number;
  /** Labels are cut to this many characters (default 10). */
  maxLabelLength?: number;
  /** Values mapped to the lightest and darkest shade (default [0, 1]). */
  domain?: [number, number];
  /** Colour map (default d3 `interpolateBlues`). */
  interpolator?: Interpolator;
}

const FN = 'terminalHeatmap';

/**
 * Attention weights [query][key] as lines of text. Query labels head the rows;
 * key labels are written vertically above the columns. Returns a string ending
 * in a newline, with a one-line legend at the bottom.
 */
export function terminalHeatmap(weights: number[][], labels: string[], options: TerminalHeatmapOptions = {}): string {
  const queryLabels = checkLabels(FN, 'labels', labels);
  const keyLabels = checkLabels(FN, 'keyLabels', options.keyLabels ?? queryLabels);
  checkMatrix(FN, 'weights', weights, queryLabels.length, keyLabels.length);
  const domain = checkDomain(FN, options.domain ?? [0, 1]);
  const scale = colorScale(domain, options.interpolator);
  const color = options.color ?? shouldUseColor(options);
  const cellWidth = options.cellWidth ?? 3;
  if (!Number.isInteger(cellWidth) || cellWidth < 1) fail(FN, `cellWidth must be a positive integer, got ${describe(cellWidth)}`);
  const maxLabel = options.maxLabelLength ?? 10;

  const rowNames = queryLabels.map((l) => truncate(visibleLabel(l), maxLabel));
  const colNames = keyLabels.map((l) => Array.from(truncate(visibleLabel(l), maxLabel)));
  const gutter = Math.max(0, ...rowNames.map(displayWidth)) + 1;
  const lines: string[] = [];

  // Key labels written top-down, one character per line, centred over each column.
  const headerHeight = Math.max(0, ...colNames.map((c) => c.length));
  const before = Math.floor((cellWidth - 1) / 2);
  for (let line = 0; line < headerHeight; line++) {
    let text = ' '.repeat(gutter);
    for (const chars of colNames) {
      text += ' '.repeat(before) + (chars[line] ?? ' ') + ' '.repeat(cellWidth - 1 - before);
    }
    lines.push(text.trimEnd());
  }

  weights.forEach((row, q) => {
    let text = rowNames[q] + ' '.repeat(gutter - displayWidth(rowNames[q]));
    for (const value of row) text += color ? colorCell(value, cellWidth, scale) : shadeCell(scale.t(value), cellWidth);
    lines.push(text);
  });

  lines.push(legend(domain, color, scale));
  return lines.join('\n') + '\n';
}

function colorCell(value: number, width: number, scale: ReturnType<typeof colorScale>): string {
  const [r, g, b] = parseColor(scale.color(value));
  const [fr, fg, fb] = parseColor(scale.textColor(value));
  // Two digits of the weight ("42" for 0.42) when there is room, centred.
  let body = ' '.repeat(width);
  // Weights that round to zero stay blank, so masked (future) positions read as empty.
  if (width >= 3 && Math.round(value * 100) !== 0) {
    const digits = value >= 0.995 ? '1' : Math.round(value * 100).toString().padStart(2, '0');
    const pad = width - digits.length;
    body = ' '.repeat(Math.floor(pad / 2)) + digits + ' '.repeat(Math.ceil(pad / 2));
  }
  return `\x1b[48;2;${r};${g};${b}m\x1b[38;2;${fr};${fg};${fb}m${body}${RESET}`;
}

function shadeCell(t: number, width: number): string {
  return SHADES[Math.round(t * (SHADES.length - 1))].repeat(width);
}

function legend(domain: [number, number], color: boolean, scale: ReturnType<typeof colorScale>): string {
  const [lo, hi] = domain;
  let bar = '';
  for (let i = 0; i < SHADES.length; i++) {
    const value = lo + (i / (SHADES.length - 1)) * (hi - lo);
    if (color) {
      const [r, g, b] = parseColor(scale.color(value));
      bar += `\x1b[48;2;${r};${g};${b}m  ${RESET}`;
    } else bar += SHADES[i].repeat(2);
  }
  return `${formatValue(lo, 2)} ${bar} ${formatValue(hi, 2)}  (rows: queries, columns: keys)`;
}

export interface TerminalTokensOptions extends ColorEnvironment {
  /** true/false forces colour on/off; undefined decides with `shouldUseColor`. */
  color?: boolean;
}

/**
 * A text split into its tokens: each token on an alternating pastel background
 * in colour mode, or wrapped in brackets without colour ("[dough][nuts]").
 * Whitespace is made visible (␣, ↵) so token boundaries are unambiguous.
 */
export function terminalTokens(pieces: { text: string }[], options: TerminalTokensOptions = {}): string {
  if (!Array.isArray(pieces)) fail('terminalTokens', `pieces must be an array of { text }, got ${describe(pieces)}`);
  const color = options.color ?? shouldUseColor(options);
  const out = pieces.map((piece, i) => {
    if (piece === null || typeof piece !== 'object' || typeof piece.text !== 'string') {
      fail('terminalTokens', `pieces[${i}] must be an object with a string "text", got ${describe(piece)}`);
    }
    const shown = visibleLabel(piece.text);
    if (!color) return `[${shown}]`;
    const [r, g, b] = parseColor(tokenColors[i % tokenColors.length]);
    return `\x1b[48;2;${r};${g};${b}m\x1b[38;2;17;17;17m${shown}${RESET}`;
  });
  return out.join('');
}

/** Remove ANSI escape sequences, e.g. to put terminal output into an HTML `<pre>`. */
export function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ESC is the point.
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
