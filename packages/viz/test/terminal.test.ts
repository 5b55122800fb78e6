import { describe, expect, it } from 'vitest';
import { SHADES, shouldUseColor, stripAnsi, terminalHeatmap, terminalTokens } from '../src/index.js';

/** Captures the channels of every 24-bit background escape ("ESC[48;2;r;g;bm"). */
const BACKGROUND = new RegExp(`${String.fromCharCode(27)}\\[48;2;(\\d+);(\\d+);(\\d+)m`, 'g');

const labels = ['The', ' cat', '<s>'];
const weights = [
  [1, 0, 0],
  [0.25, 0.75, 0],
  [0.5, 0, 0.5],
];

describe('terminalHeatmap without colour', () => {
  const text = terminalHeatmap(weights, labels, { color: false });
  const lines = text.trimEnd().split('\n');

  it('has no escape codes and uses shade characters by weight', () => {
    expect(text).not.toContain('\x1b');
    // Header: labels written vertically, 4 characters tall ("␣cat").
    const header = lines.slice(0, 4);
    expect(header[0]).toBe('      T  ␣  <');
    expect(header[1]).toBe('      h  c  s');
    const rows = lines.slice(4, 7);
    expect(rows[0]).toBe('The  ███      ');
    // 0.25 → ░ (t·4 = 1), 0.75 → ▓ (t·4 = 3), 0.5 → ▒.
    expect(rows[1]).toBe('␣cat ░░░▓▓▓   ');
    expect(rows[2]).toBe('<s>  ▒▒▒   ▒▒▒');
    expect(lines[7]).toContain(SHADES.slice(0, 5).map((s) => s + s).join(''));
  });
});

describe('terminalHeatmap with colour', () => {
  const text = terminalHeatmap(weights, labels, { color: true });

  it('emits a 24-bit background per cell, darker for more attention', () => {
    const backgrounds = [...text.matchAll(BACKGROUND)].map((m) => Number(m[1]) + Number(m[2]) + Number(m[3]));
    // 9 cells + 5 legend swatches.
    expect(backgrounds).toHaveLength(14);
    const cells = backgrounds.slice(0, 9);
    expect(cells[0]).toBeLessThan(cells[1]); // 1 darker than 0
    expect(cells[4]).toBeLessThan(cells[3]); // 0.75 darker than 0.25
    expect(cells[3]).toBeGreaterThan(cells[6]); // 0.25 lighter than 0.5
  });

  it('prints two-digit weights in the cells and reads as the plain layout once stripped', () => {
    const rows = stripAnsi(text).split('\n').slice(4, 7);
    expect(rows[0]).toBe('The   1       ');
    expect(rows[1]).toBe('␣cat 25 75    ');
    expect(rows[2]).toBe('<s>  50    50 ');
  });
});

describe('colour detection', () => {
  it('honours NO_COLOR, then FORCE_COLOR, then the TTY', () => {
    expect(shouldUseColor({ env: { NO_COLOR: '1', FORCE_COLOR: '1' }, isTTY: true })).toBe(false);
    expect(shouldUseColor({ env: { NO_COLOR: '' }, isTTY: true })).toBe(true);
    expect(shouldUseColor({ env: { FORCE_COLOR: '1' }, isTTY: false })).toBe(true);
    expect(shouldUseColor({ env: {}, isTTY: false })).toBe(false);
    expect(shouldUseColor({ env: {}, isTTY: true })).toBe(true);
  });

  it('terminalHeatmap falls back to shades under NO_COLOR unless colour is forced by the caller', () => {
    expect(terminalHeatmap(weights, labels, { env: { NO_COLOR: '1' }, isTTY: true })).toBe(terminalHeatmap(weights, labels, { color: false }));
    expect(terminalHeatmap(weights, labels, { env: { NO_COLOR: '1' }, color: true })).toContain('\x1b[48;2;');
  });
});

describe('terminalTokens', () => {
  const pieces = [{ text: 'dough' }, { text: 'nuts' }, { text: ' \x1b[31m' }];
  it('brackets tokens without colour and neutralises escape characters in tokens', () => {
    expect(terminalTokens(pieces, { color: false })).toBe('[dough][nuts][␣␛[31m]');
  });
  it('colours tokens with alternating backgrounds', () => {
    const text = terminalTokens(pieces, { color: true });
    const bgs = [...text.matchAll(BACKGROUND)].map((m) => m.slice(1).join(';'));
    expect(bgs).toHaveLength(3);
    expect(bgs[0]).not.toBe(bgs[1]);
    expect(stripAnsi(text)).toBe('doughnuts␣␛[31m');
  });
});

describe('input errors', () => {
  it('names the function and argument', () => {
    expect(() => terminalHeatmap([[1, 0]], ['a'])).toThrow(/terminalHeatmap: weights\[0\] has 2 values but 1 were expected/);
    expect(() => terminalTokens([{ text: 1 } as unknown as { text: string }])).toThrow(/terminalTokens: pieces\[0\] must be an object with a string "text"/);
  });
});
