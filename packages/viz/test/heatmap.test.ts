import { describe, expect, it } from 'vitest';
import { attentionHeatmapSvg } from '../src/index.js';
import { all, byClass, parseSvg, titleOf } from './xml.js';

/** A causal softmax of made-up scores, so every row is a distribution over its prefix. */
function causalWeights(n: number): number[][] {
  return Array.from({ length: n }, (_, q) => {
    const scores = Array.from({ length: n }, (_, k) => (k <= q ? Math.sin(q * 3 + k) * 2 : Number.NEGATIVE_INFINITY));
    const exps = scores.map((s) => Math.exp(s));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  });
}

describe('attentionHeatmapSvg', () => {
  const labels = ['The', ' cat', ' sat', ' on', ' it'];
  const weights = causalWeights(labels.length);

  it('parses as XML with one cell per weight and one label per row and column', () => {
    const svg = parseSvg(attentionHeatmapSvg({ weights, queryLabels: labels, title: 'layer 0 head 1' }));
    expect(byClass(svg, 'cell')).toHaveLength(25);
    expect(byClass(svg, 'row')).toHaveLength(5);
    expect(byClass(svg, 'query-label')).toHaveLength(5);
    expect(byClass(svg, 'key-label')).toHaveLength(5);
    expect(byClass(svg, 'legend')).toHaveLength(1);
    expect(svg.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(byClass(svg, 'title')[0].ownText).toBe('layer 0 head 1');
  });

  it('rows read back from data-value and the tooltips equal the input', () => {
    const svg = parseSvg(attentionHeatmapSvg({ weights, queryLabels: labels }));
    const rows = byClass(svg, 'row');
    rows.forEach((row, q) => {
      const cells = row.children.filter((c) => c.attrs.class === 'cell');
      expect(cells.map((c) => Number(c.attrs['data-value']))).toEqual(weights[q]);
      expect(cells.map((c) => Number(c.attrs['data-k']))).toEqual([0, 1, 2, 3, 4]);
      cells.forEach((cell, k) => {
        const tip = titleOf(cell)!;
        // "query → key: 0.123"
        const value = Number(tip.slice(tip.lastIndexOf(':') + 1));
        expect(value).toBeCloseTo(weights[q][k], 3);
        expect(tip.startsWith(`${labels[q].replace(/ /g, '␣')} → ${labels[k].replace(/ /g, '␣')}:`)).toBe(true);
      });
    });
  });

  it('colours darker for more attention, with a fixed [0, 1] domain', () => {
    const svg = parseSvg(attentionHeatmapSvg({ weights: [[0, 0.25, 0.75, 1]], queryLabels: ['q'], keyLabels: ['a', 'b', 'c', 'd'] }));
    const lightness = byClass(svg, 'cell').map((c) => {
      const [r, g, b] = c.attrs.fill.match(/\d+/g)!.map(Number);
      return r + g + b;
    });
    for (let i = 1; i < lightness.length; i++) expect(lightness[i]).toBeLessThan(lightness[i - 1]);
  });

  it('escapes markup in labels so it renders as text', () => {
    const xml = attentionHeatmapSvg({ weights: [[1, 0], [0.5, 0.5]], queryLabels: ['<script>', '&'], keyLabels: ['"x"', "a'b"] });
    expect(xml).not.toContain('<script>');
    expect(xml).toContain('&lt;script&gt;');
    const svg = parseSvg(xml);
    expect(byClass(svg, 'query-label').map((e) => e.ownText)).toEqual(['<script>', '&']);
    expect(byClass(svg, 'key-label').map((e) => e.ownText)).toEqual(['"x"', "a'b"]);
    expect(all(svg).some((e) => e.tag === 'script')).toBe(false);
  });

  it('shows spaces, newlines and control characters visibly and stays valid XML', () => {
    const labels = [' the', '\n', 'a\tb', '\u0000', ''];
    const n = labels.length;
    const uniform = Array.from({ length: n }, () => Array(n).fill(1 / n));
    const svg = parseSvg(attentionHeatmapSvg({ weights: uniform, queryLabels: labels }));
    expect(byClass(svg, 'query-label').map((e) => e.ownText)).toEqual(['␣the', '↵', 'a⇥b', '␀', '∅']);
  });

  it('keeps emoji intact and replaces lone surrogates, so the XML stays valid', () => {
    const labels = ['🍩', '\ud83c', 'é'];
    const svg = parseSvg(attentionHeatmapSvg({ weights: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], queryLabels: labels }));
    expect(byClass(svg, 'query-label').map((e) => e.ownText)).toEqual(['🍩', '�', 'é']);
  });

  it('cuts long labels but keeps the full label in the tooltip', () => {
    const long = 'supercalifragilisticexpialidocious';
    const svg = parseSvg(attentionHeatmapSvg({ weights: [[1]], queryLabels: [long], maxLabelLength: 8 }));
    const label = byClass(svg, 'query-label')[0];
    expect(label.ownText).toBe('superca…');
    expect(titleOf(label)).toBe(long);
  });

  it('rejects malformed input with a message naming the function and argument', () => {
    expect(() => attentionHeatmapSvg({ weights: [[1, 0]], queryLabels: ['a', 'b'] })).toThrow(
      /attentionHeatmapSvg: weights has 1 rows but 2 were expected/,
    );
    expect(() => attentionHeatmapSvg({ weights: [[1, 0], [1]], queryLabels: ['a', 'b'] })).toThrow(/weights\[1\] has 1 values but 2/);
    expect(() => attentionHeatmapSvg({ weights: [[Number.NaN]], queryLabels: ['a'] })).toThrow(/weights\[0\]\[0\] must be a finite number, got NaN/);
    expect(() => attentionHeatmapSvg({ weights: [[1]], queryLabels: [3 as unknown as string] })).toThrow(/queryLabels\[0\] must be a string/);
    expect(() => attentionHeatmapSvg({ weights: [[1]], queryLabels: ['a'], domain: [1, 1] })).toThrow(/domain must have high > low/);
  });
});
