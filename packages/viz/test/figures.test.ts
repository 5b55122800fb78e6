// Grid, row, loss curve, embedding map, token view and HTML report: each SVG
// parses as XML, has the expected marks and labels, and carries the input data.
import { describe, expect, it } from 'vitest';
import {
  ansiToHtml,
  attentionGridSvg,
  attentionRowSvg,
  embeddingMapSvg,
  htmlReport,
  lossCurveSvg,
  tokenViewSvg,
} from '../src/index.js';
import { byClass, parseSvg, titleOf } from './xml.js';

function uniformCausal(n: number): number[][] {
  return Array.from({ length: n }, (_, q) => Array.from({ length: n }, (_, k) => (k <= q ? 1 / (q + 1) : 0)));
}

describe('attentionGridSvg', () => {
  it('draws layers x heads maps of T x T cells with the right values', () => {
    const labels = ['a', 'b', 'c'];
    // [layer][head][q][k]: make every head different so a mix-up would show.
    const layers = [0, 1].map((l) => [0, 1, 2].map((h) => uniformCausal(3).map((row) => row.map((v) => v * (1 - 0.1 * (l + h))))));
    const svg = parseSvg(attentionGridSvg({ layers, labels }));
    const heads = byClass(svg, 'head');
    expect(heads).toHaveLength(6);
    expect(byClass(svg, 'cell')).toHaveLength(6 * 9);
    expect(byClass(svg, 'layer-label').map((e) => e.ownText)).toEqual(['layer 0', 'layer 1']);
    expect(byClass(svg, 'head-label').map((e) => e.ownText)).toEqual(['head 0', 'head 1', 'head 2']);
    for (const head of heads) {
      const l = Number(head.attrs['data-layer']);
      const h = Number(head.attrs['data-head']);
      const values = byClass(head, 'row').map((row) => byClass(row, 'cell').map((c) => Number(c.attrs['data-value'])));
      expect(values).toEqual(layers[l][h]);
    }
  });

  it('puts a tooltip on every cell of a small grid, and none when turned off', () => {
    const layers = [[uniformCausal(3)]];
    const withTips = parseSvg(attentionGridSvg({ layers, labels: ['a', 'b', 'c'] }));
    expect(byClass(withTips, 'cell').map((c) => titleOf(c))).toContain('c → a: 0.333');
    const without = parseSvg(attentionGridSvg({ layers, labels: ['a', 'b', 'c'], tooltips: false }));
    expect(byClass(without, 'cell').every((c) => titleOf(c) === undefined)).toBe(true);
  });

  it('rejects ragged layers with a clear error', () => {
    expect(() => attentionGridSvg({ layers: [[uniformCausal(2)], []], labels: ['a', 'b'] })).toThrow(/attentionGridSvg: layers\[1\] must hold 1 heads/);
    expect(() => attentionGridSvg({ layers: [[uniformCausal(2)]], labels: ['a', 'b', 'c'] })).toThrow(/layers\[0\]\[0\] has 2 rows but 3/);
  });
});

describe('attentionRowSvg', () => {
  it('draws one bar per key, proportional to the weight', () => {
    const weights = [0.1, 0.6, 0.05, 0.25];
    const labels = ['The', ' animal', ' was', ' it'];
    const svg = parseSvg(attentionRowSvg({ weights, labels, queryLabel: ' it', barLength: 200 }));
    const bars = byClass(svg, 'bar');
    expect(bars).toHaveLength(4);
    bars.forEach((bar, k) => {
      expect(Number(bar.attrs['data-value'])).toBe(weights[k]);
      expect(Number(bar.attrs.width)).toBeCloseTo(weights[k] * 200, 1);
      expect(titleOf(bar)).toBe(`␣it → ${labels[k].replace(/ /g, '␣')}: ${weights[k].toFixed(3)}`);
    });
    expect(byClass(svg, 'key-label').map((e) => e.ownText)).toEqual(['The', '␣animal', '␣was', '␣it']);
    expect(byClass(svg, 'title')[0].ownText).toBe('what does "␣it" look at');
  });

  it('rejects a length mismatch', () => {
    expect(() => attentionRowSvg({ weights: [1], labels: ['a', 'b'], queryLabel: 'a' })).toThrow(/attentionRowSvg: weights has 1 values but labels has 2/);
  });
});

describe('lossCurveSvg', () => {
  const train = Array.from({ length: 50 }, (_, i) => ({ step: i * 10, loss: 4 * Math.exp(-i / 15) + 0.5 }));
  const val = [0, 100, 200, 300, 400].map((step) => ({ step, loss: 4 * Math.exp(-step / 150) + 0.7 }));

  it('draws both series with one vertex per point and hover values', () => {
    const svg = parseSvg(lossCurveSvg({ train, val }));
    const trainPath = byClass(svg, 'series-train')[0];
    const valPath = byClass(svg, 'series-val')[0];
    expect(trainPath.attrs.d.match(/[ML]/g)).toHaveLength(50);
    expect(valPath.attrs.d.match(/[ML]/g)).toHaveLength(5);
    const valPoints = byClass(svg, 'point-val');
    expect(valPoints.map((p) => Number(p.attrs['data-loss']))).toEqual(val.map((p) => p.loss));
    expect(titleOf(valPoints[1])).toBe(`val step 100: ${val[1].loss.toFixed(4)}`);
    expect(byClass(svg, 'series-label').map((e) => e.ownText)).toEqual(['train', 'val']);
  });

  it('puts lower losses higher up the plot, on a linear and a log axis', () => {
    for (const logScale of [false, true]) {
      const svg = parseSvg(lossCurveSvg({ train, logScale }));
      const ys = byClass(svg, 'point-train').map((p) => Number(p.attrs.cy));
      for (let i = 1; i < ys.length; i++) expect(ys[i]).toBeGreaterThanOrEqual(ys[i - 1]);
    }
  });

  it('on a log axis equal ratios are equal distances', () => {
    const points = [1, 10, 100].map((loss, i) => ({ step: i, loss }));
    const svg = parseSvg(lossCurveSvg({ train: points, logScale: true }));
    const ys = byClass(svg, 'point-train').map((p) => Number(p.attrs.cy));
    expect(ys[0] - ys[1]).toBeCloseTo(ys[1] - ys[2], 1);
    expect(byClass(svg, 'y-tick').map((t) => t.ownText)).toEqual(['1', '2', '5', '10', '20', '50', '100']);
  });

  it('leaves a gap at a non-finite loss', () => {
    const svg = parseSvg(lossCurveSvg({ train: [{ step: 0, loss: 3 }, { step: 1, loss: 2 }, { step: 2, loss: Number.NaN }, { step: 3, loss: 1 }] }));
    expect(byClass(svg, 'series-train')[0].attrs.d.match(/[ML]/g)).toEqual(['M', 'L', 'M']);
  });

  it('rejects bad input clearly', () => {
    expect(() => lossCurveSvg({ train: [{ step: 0, loss: 0 }], logScale: true })).toThrow(/lossCurveSvg: logScale needs every loss > 0, got 0 at step 0/);
    expect(() => lossCurveSvg({ train: [] })).toThrow(/at least one point with a finite loss/);
    expect(() => lossCurveSvg({ train: [{ step: 'a', loss: 1 } as unknown as { step: number; loss: number }] })).toThrow(/train\[0\]\.step must be a finite number/);
  });
});

describe('embeddingMapSvg', () => {
  it('draws one labelled point per input, escaped', () => {
    const points: [number, number][] = [[0, 0], [1, 2], [-3, 0.5]];
    const labels = ['king', '<queen>', ' &'];
    const svg = parseSvg(embeddingMapSvg({ points, labels, groups: [0, 1, 1] }));
    const marks = byClass(svg, 'point');
    expect(marks).toHaveLength(3);
    expect(marks.map((m) => [Number(m.attrs['data-x']), Number(m.attrs['data-y'])])).toEqual(points);
    expect(byClass(svg, 'point-label').map((e) => e.ownText)).toEqual(['king', '<queen>', '␣&']);
    // Higher y is drawn higher up (smaller SVG y).
    const cy = marks.map((m) => Number(m.children.find((c) => c.tag === 'circle')!.attrs.cy));
    expect(cy[1]).toBeLessThan(cy[0]);
  });

  it('rejects a label count mismatch', () => {
    expect(() => embeddingMapSvg({ points: [[0, 0]], labels: [] })).toThrow(/embeddingMapSvg: labels has 0 labels but the data has 1/);
  });
});

describe('tokenViewSvg', () => {
  it('draws one chip per token with visible whitespace and ids on hover', () => {
    const pieces = [{ text: 'dough', id: 812 }, { text: 'nuts', id: 77 }, { text: ' <b>' }, { text: '\n' }, { text: 'x' }];
    const svg = parseSvg(tokenViewSvg(pieces, { title: 'doughnuts' }));
    const tokens = byClass(svg, 'token');
    expect(tokens).toHaveLength(5);
    expect(tokens.map((t) => t.children.find((c) => c.tag === 'text')!.ownText)).toEqual(['dough', 'nuts', '␣<b>', '↵', 'x']);
    expect(titleOf(tokens[0].children[0])).toBe('dough (id 812)');
    // Adjacent tokens get different colours; the token after "\n" starts a new line.
    const rects = tokens.map((t) => t.children.find((c) => c.tag === 'rect')!);
    expect(rects[0].attrs.fill).not.toBe(rects[1].attrs.fill);
    expect(Number(rects[4].attrs.y)).toBeGreaterThan(Number(rects[3].attrs.y));
    expect(rects[4].attrs.x).toBe(rects[0].attrs.x);
  });

  it('wraps long texts within maxWidth', () => {
    const pieces = Array.from({ length: 40 }, (_, i) => ({ text: `tok${i}` }));
    const svg = parseSvg(tokenViewSvg(pieces, { maxWidth: 200 }));
    const rects = byClass(svg, 'token').map((t) => t.children.find((c) => c.tag === 'rect')!);
    for (const r of rects) expect(Number(r.attrs.x) + Number(r.attrs.width)).toBeLessThanOrEqual(12 + 200);
    expect(new Set(rects.map((r) => r.attrs.y)).size).toBeGreaterThan(1);
  });
});

describe('ansiToHtml', () => {
  it('keeps 24-bit colours as styles, drops other codes and stray escapes, escapes text', () => {
    const e = String.fromCharCode(27);
    expect(ansiToHtml(`a${e}[48;2;10;20;30m${e}[38;2;255;255;255m<b>${e}[0m&${e}[1mc${e}`)).toBe(
      'a<span style="color:rgb(255,255,255);background:rgb(10,20,30)">&lt;b&gt;</span>&amp;c',
    );
    expect(ansiToHtml(`${e}[48;2;1;2;3mx${e}[49my`)).toBe('<span style="background:rgb(1,2,3)">x</span>y');
  });
});

describe('htmlReport', () => {
  it('wraps SVGs and escaped text into one self-contained page', () => {
    const svg = attentionRowSvg({ weights: [1], labels: ['a'], queryLabel: 'a' });
    const html = htmlReport({
      title: 'Run <1>',
      sections: [
        { heading: 'Attention', svg, note: 'a & b' },
        { heading: 'Terminal', text: '\x1b[48;2;1;2;3m<x>\x1b[0m' },
      ],
    });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>Run &lt;1&gt;</title>');
    expect(html).toContain(svg);
    expect(html).toContain('<p>a &amp; b</p>');
    // The 24-bit background survives as an inline style; the text is escaped.
    expect(html).toContain('<pre><span style="background:rgb(1,2,3)">&lt;x&gt;</span></pre>');
    expect(html).not.toMatch(/<script|<link|src=|href=/);
    expect(html).not.toContain('\x1b');
  });

  it('rejects a section whose svg is not an SVG', () => {
    expect(() => htmlReport({ title: 't', sections: [{ heading: 'h', svg: '<img src=x>' }] })).toThrow(/htmlReport: sections\[0\]\.svg must be an SVG string/);
  });
});
