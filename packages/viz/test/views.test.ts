// Head view, model view, probability bars and the embedding map's neighbours: each SVG parses
// as XML and carries the input data on its marks (hover behaviour is tested in Chromium).
import { describe, expect, it } from 'vitest';
import { embeddingMapSvg, headColors, headViewSvg, modelViewSvg, probabilityBarsSvg, stackSvgs } from '../src/index.js';
import { all, byClass, parseSvg, titleOf } from './xml.js';

function causal(n: number, sharp = 0): number[][] {
  return Array.from({ length: n }, (_, q) => {
    const s = Array.from({ length: n }, (_, k) => (k > q ? Number.NEGATIVE_INFINITY : sharp * (k === q - 1 ? 1 : 0)));
    const e = s.map(Math.exp);
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / z);
  });
}

describe('headViewSvg', () => {
  const labels = ['The', ' cat', ' sat', ' it'];

  it('draws one line per weight above minWeight, from query row to key row, with the weight on it', () => {
    const weights = causal(4);
    const svg = parseSvg(headViewSvg({ heads: [{ weights }], labels }));
    const links = byClass(svg, 'link');
    expect(links).toHaveLength(10); // the causal lower triangle of 4 x 4
    for (const link of links) {
      const q = Number(link.attrs['data-q']);
      const k = Number(link.attrs['data-k']);
      expect(Number(link.attrs['data-value'])).toBe(weights[q][k]);
      expect(Number(link.attrs['stroke-opacity'])).toBeCloseTo(weights[q][k], 2);
      // Rows 20 px apart from y = 44: each line leaves its query's row and ends at its key's row.
      expect([Number(link.attrs.y1), Number(link.attrs.y2)]).toEqual([54 + 20 * q, 54 + 20 * k]);
    }
    expect(byClass(svg, 'query-token').map((t) => byClass(t, 'token-label')[0].ownText)).toEqual(['The', '␣cat', '␣sat', '␣it']);
    expect(byClass(svg, 'key-token')).toHaveLength(4);
    expect(titleOf(byClass(svg, 'query-token')[3])).toBe('␣it → The 0.25, ␣cat 0.25, ␣sat 0.25, ␣it 0.25');
    // One head: the heatmaps' weight legend.
    expect(byClass(svg, 'legend-caption')[0].ownText).toBe('weight');
  });

  it('has one hover rule per token in its own <style>, scoped by :has()', () => {
    const svg = headViewSvg({ heads: [{ weights: causal(3) }], labels: ['a', 'b', 'c'] });
    const css = all(parseSvg(svg)).find((e) => e.tag === 'style')!;
    expect(svg).toContain('.attn-head-view:has(.query-token[data-i="2"]:is(:hover, :focus)) .link[data-q="2"]');
    expect(svg).toContain('.attn-head-view:has(.key-token[data-i="0"]:is(:hover, :focus)) .link[data-k="0"]');
    expect(css).toBeDefined();
  });

  it('overlays several heads, one colour each, with a legend of head names; drops light lines', () => {
    const heads = [causal(4, 5), causal(4)].map((weights, i) => ({ weights, label: `L0 H${i}` }));
    const svg = parseSvg(headViewSvg({ heads, labels, minWeight: 0.05 }));
    const colors = headColors(2);
    const links = byClass(svg, 'link');
    for (const link of links) expect(link.attrs.stroke).toBe(colors[Number(link.attrs['data-head'])]);
    const expected = heads.reduce((n, h) => n + h.weights.flat().filter((w) => w >= 0.05).length, 0);
    expect(links).toHaveLength(expected);
    expect(byClass(svg, 'head-swatch').map((s) => s.children[1].ownText)).toEqual(['L0 H0', 'L0 H1']);
  });

  it('gives distinct colours to 12 heads and rejects a mismatched head', () => {
    expect(new Set(headColors(12)).size).toBe(12);
    expect(() => headViewSvg({ heads: [{ weights: causal(3) }], labels: ['a', 'b'] })).toThrow(/headViewSvg: heads\[0\].weights has 3 rows but 2 were expected/);
    expect(() => headViewSvg({ heads: [], labels: ['a'] })).toThrow(/heads must be a non-empty array/);
  });
});

describe('modelViewSvg', () => {
  it('draws a layer x head grid of thumbnails, each a link with a stable id', () => {
    const layers = [0, 1, 2].map(() => [0, 1].map((h) => causal(4, 4 * h)));
    const svg = parseSvg(modelViewSvg({ layers, labels: ['a', 'b', 'c', 'd'] }));
    const cells = byClass(svg, 'cell');
    expect(cells).toHaveLength(6);
    expect(cells.map((c) => c.attrs.id)).toEqual(['model-view-0-0', 'model-view-0-1', 'model-view-1-0', 'model-view-1-1', 'model-view-2-0', 'model-view-2-1']);
    expect(byClass(svg, 'cell-link').map((a) => a.attrs.href)).toEqual(['#head-0-0', '#head-0-1', '#head-1-0', '#head-1-1', '#head-2-0', '#head-2-1']);
    expect(byClass(svg, 'layer-label').map((e) => e.ownText)).toEqual(['layer 0', 'layer 1', 'layer 2']);
    expect(titleOf(cells[3])).toBe('layer 1, head 1');
  });

  it('takes custom links, ids and notes, or no links at all', () => {
    const layers = [[causal(2), causal(2)]];
    const svg = parseSvg(modelViewSvg({ layers, labels: ['a', 'b'], href: (l, h) => `?layer=${l}&head=${h}`, idPrefix: 'mv', notes: (_l, h) => (h === 1 ? 'induction 0.91' : undefined) }));
    expect(byClass(svg, 'cell-link')[1].attrs.href).toBe('?layer=0&head=1');
    expect(byClass(svg, 'cell')[1].attrs.id).toBe('mv-0-1');
    expect(titleOf(byClass(svg, 'cell')[1])).toBe('layer 0, head 1: induction 0.91');
    const plain = parseSvg(modelViewSvg({ layers, labels: ['a', 'b'], href: null }));
    expect(byClass(plain, 'cell-link')).toHaveLength(0);
    expect(byClass(plain, 'cell')[0].attrs.tabindex).toBe('0');
  });
});

describe('probabilityBarsSvg', () => {
  it('draws kept bars by probability, cut ones greyed at their old probability, and marks greedy', () => {
    const svg = parseSvg(
      probabilityBarsSvg({
        bars: [
          { label: ' the', prob: 0.7, greedy: true, id: 3 },
          { label: ' a', prob: 0.3 },
          { label: ' an', prob: 0, before: 0.08, cutBy: 'top-k(2)' },
        ],
        barLength: 200,
        subtitle: 'temperature 1 · top-k 2',
      }),
    );
    const rows = byClass(svg, 'bar-row');
    expect(rows.map((r) => r.attrs.class)).toEqual(['bar-row greedy', 'bar-row', 'bar-row cut']);
    const widths = rows.map((r) => Number(byClass(r, 'bar')[0].attrs.width));
    expect(widths).toEqual([140, 60, 16]);
    expect(byClass(rows[2], 'bar')[0].attrs.fill).toBe('#d9d9d9');
    expect(byClass(rows[2], 'bar-value')[0].ownText).toBe('cut (0.080)');
    expect(byClass(svg, 'greedy-mark')).toHaveLength(1);
    expect(titleOf(rows[0])).toBe('␣the (id 3): 0.700, the greedy choice');
    expect(titleOf(rows[2])).toBe('␣an: cut off by top-k(2) (was 0.080)');
    expect(byClass(svg, 'subtitle')[0].ownText).toBe('temperature 1 · top-k 2');
  });

  it('rejects probabilities outside [0, 1]', () => {
    expect(() => probabilityBarsSvg({ bars: [{ label: 'x', prob: 1.5 }] })).toThrow(/probabilityBarsSvg: bars\[0\].prob must be a probability in \[0, 1\], got 1.5/);
    expect(() => probabilityBarsSvg({ bars: [] })).toThrow(/non-empty/);
  });
});

describe('embeddingMapSvg with neighbours', () => {
  it('draws hidden links to each point’s neighbours, lists them in the tooltip, and names the groups', () => {
    const points: [number, number][] = [
      [0, 0],
      [1, 0],
      [0, 1],
    ];
    const svg = parseSvg(
      embeddingMapSvg({
        points,
        labels: ['cat', 'dog', 'box'],
        groups: [0, 0, 1],
        groupNames: ['animals', 'containers'],
        neighbours: [[{ index: 1, similarity: 0.9 }], [{ index: 0, similarity: 0.9 }], [{ index: 0 }]],
      }),
    );
    const links = byClass(svg, 'link');
    expect(links.map((l) => [l.attrs['data-from'], l.attrs['data-to']])).toEqual([
      ['0', '1'],
      ['1', '0'],
      ['2', '0'],
    ]);
    const point0 = byClass(svg, 'point')[0];
    expect(titleOf(point0.children.find((c) => c.tag === 'circle')!)).toBe('cat (0.000, 0.000); nearest: dog 0.90');
    expect(point0.attrs.tabindex).toBe('0');
    expect(byClass(svg, 'group-swatch').map((g) => g.children[1].ownText)).toEqual(['animals', 'containers']);
    expect(() => embeddingMapSvg({ points, labels: ['a', 'b', 'c'], neighbours: [[{ index: 5 }], [], []] })).toThrow(/neighbours\[0\]\[0\].index must be a point index in 0..2/);
  });
});

describe('stackSvgs', () => {
  it('nests figures one under the other in one valid SVG', () => {
    const a = headViewSvg({ heads: [{ weights: causal(2) }], labels: ['a', 'b'] });
    const b = probabilityBarsSvg({ bars: [{ label: 'x', prob: 1 }] });
    const height = (svg: string) => Number(/height="(\d+)"/.exec(svg)![1]);
    const width = (svg: string) => Number(/width="(\d+)"/.exec(svg)![1]);
    const stacked = parseSvg(stackSvgs([a, b], { gap: 10 }));
    expect(stacked.attrs.class).toBe('attn-stack');
    const inner = stacked.children.filter((c) => c.tag === 'svg');
    expect(inner.map((c) => [c.attrs.y, c.attrs.class])).toEqual([
      ['0', 'attn-head-view'],
      [String(height(a) + 10), 'attn-probabilities'],
    ]);
    expect(Number(stacked.attrs.height)).toBe(height(a) + 10 + height(b));
    expect(Number(stacked.attrs.width)).toBe(Math.max(width(a), width(b)));
    expect(stackSvgs([a])).toBe(a);
    expect(() => stackSvgs(['<div/>', a])).toThrow(/stackSvgs: svgs\[0\] must be an SVG string/);
  });
});
