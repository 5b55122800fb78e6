// The head view, model view, probability bars and embedding map in headless Chromium: hover
// (and tap focus) shows only a token's lines, a model-view cell opens its head, and every
// figure fits a report page at 1280x800 and 390x844 without page-level horizontal scroll or
// clipped labels. Screenshots go to test/output/ (gitignored) for a person to look at.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HeadlessChromium, launchChromium, type Page } from '@attn/chromium-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingMapSvg, headViewSvg, htmlReport, modelViewSvg, probabilityBarsSvg } from '../src/index.js';

const outputDir = fileURLToPath(new URL('./output/', import.meta.url));
let browser: HeadlessChromium;
let page: Page;

beforeAll(async () => {
  mkdirSync(outputDir, { recursive: true });
  browser = await launchChromium({ name: 'viz-views', viewport: { width: 1280, height: 800 } });
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
});

const tokens = ['The', ' cat', ' sat', ' on', ' the', ' mat', ' because', ' it', ' was', ' tired', '.'];
const T = tokens.length;

/** A causal row with extra score on chosen keys: rows sum to 1. */
function pattern(boost: (q: number, k: number) => number): number[][] {
  return Array.from({ length: T }, (_, q) => {
    const e = Array.from({ length: T }, (_, k) => (k > q ? 0 : Math.exp(boost(q, k))));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / z);
  });
}
const previous = pattern((q, k) => (k === q - 1 ? 4 : 0));
const first = pattern((_q, k) => (k === 0 ? 3 : 0));
const itToCat = pattern((q, k) => (q === 7 && k === 1 ? 5 : k === q ? 1 : 0));
const uniform = pattern(() => 0);
const layers = [
  [previous, first, uniform, itToCat],
  [itToCat, previous, first, uniform],
];

function figures(): { name: string; svg: string }[] {
  const words = ['trophy', 'ball', 'lamp', 'vase', 'suitcase', 'box', 'bag', 'drawer'];
  const points: [number, number][] = words.map((_, i) => (i < 4 ? [-1 + 0.1 * i, 0.3 * Math.sin(i)] : [1 - 0.1 * i, 0.3 * Math.cos(i)]));
  return [
    { name: 'head-view', svg: headViewSvg({ heads: [{ weights: itToCat }], labels: tokens, title: 'layer 0 · head 3' }) },
    { name: 'head-view-overlay', svg: headViewSvg({ heads: layers[0].map((weights, h) => ({ weights, label: `head ${h}` })), labels: tokens, title: 'layer 0, every head' }) },
    { name: 'model-view', svg: modelViewSvg({ layers, labels: tokens }) },
    {
      name: 'probabilities',
      svg: probabilityBarsSvg({
        subtitle: 'temperature 0.8 · top-k 3',
        bars: [
          { label: ' cat', prob: 0.62, greedy: true },
          { label: ' dog', prob: 0.27 },
          { label: ' mat', prob: 0.11 },
          { label: ' hat', prob: 0, before: 0.05, cutBy: 'top-k(3)' },
          { label: '\n', prob: 0, before: 0.02, cutBy: 'top-k(3)' },
        ],
      }),
    },
    {
      name: 'embedding',
      svg: embeddingMapSvg({
        points,
        labels: words,
        groups: words.map((_, i) => (i < 4 ? 0 : 1)),
        groupNames: ['can be too big', 'containers'],
        neighbours: words.map((_, i) => [{ index: i < 4 ? (i + 1) % 4 : 4 + ((i - 3) % 4), similarity: 0.8 }]),
      }),
    },
  ];
}

async function visibleLinks(selector: string): Promise<{ q: string | null; k: string | null; from: string | null }[]> {
  return page.evaluate((sel) => {
    return Array.from(document.querySelectorAll(`${sel} .link`))
      .filter((l) => Number(getComputedStyle(l).opacity) > 0.5)
      .map((l) => ({ q: l.getAttribute('data-q'), k: l.getAttribute('data-k'), from: l.getAttribute('data-from') }));
  }, selector);
}

describe('views in headless Chromium', () => {
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    it(`every figure fits a report page at ${viewport.width}x${viewport.height}`, async () => {
      await page.setViewportSize(viewport);
      const html = htmlReport({ title: 'attn views', sections: figures().map((f) => ({ heading: f.name, svg: f.svg })) });
      await page.setContent(html);
      const layout = await page.evaluate(() => ({
        pageScroll: document.documentElement.scrollWidth - window.innerWidth,
        svgs: Array.from(document.querySelectorAll('svg')).map((s) => s.getBoundingClientRect().width),
      }));
      expect(layout.pageScroll).toBeLessThanOrEqual(0);
      expect(layout.svgs).toHaveLength(5);
      for (const f of figures()) {
        const locator = page.locator(`svg.attn-${f.name.startsWith('head-view') ? 'head-view' : f.name === 'probabilities' ? 'probabilities' : f.name === 'model-view' ? 'model-view' : 'embedding'}`).first();
        expect(await locator.count()).toBe(1);
      }
      writeFileSync(join(outputDir, `views-${viewport.width}x${viewport.height}.png`), await page.screenshot({ fullPage: true }));
      for (const f of figures()) {
        await page.setContent(`<!doctype html><meta charset="utf-8"><body style="margin:0">${f.svg}</body>`);
        const clipped = await page.evaluate(() => {
          const svg = document.querySelector('svg')!;
          const frame = svg.getBoundingClientRect();
          return Array.from(svg.querySelectorAll('text'))
            .filter((t) => {
              const b = t.getBoundingClientRect();
              return b.width > 0 && (b.left < frame.left - 0.5 || b.right > frame.right + 0.5 || b.top < frame.top - 0.5 || b.bottom > frame.bottom + 0.5);
            })
            .map((t) => t.textContent);
        });
        expect(clipped, f.name).toEqual([]);
        writeFileSync(join(outputDir, `${f.name}-${viewport.width}.png`), await page.locator('svg').screenshot());
      }
    });
  }

  it('head view: hovering a query shows only its lines; hovering a key only the lines into it', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const [single, overlay] = figures();
    await page.setContent(`<!doctype html><meta charset="utf-8"><body>${single.svg}${overlay.svg}</body>`);
    const first = 'svg.attn-head-view >> nth=0';
    const all = await visibleLinks('svg.attn-head-view:nth-of-type(1)');
    expect(all.length).toBeGreaterThan(T); // nothing hovered: every line
    await page.locator(first).locator('.query-token[data-i="7"]').hover();
    await page.waitForTimeout(250); // the 0.1 s fade
    const fromIt = await visibleLinks('svg.attn-head-view:nth-of-type(1)');
    expect(fromIt.length).toBeGreaterThan(0);
    expect(new Set(fromIt.map((l) => l.q))).toEqual(new Set(['7']));
    // The other figure on the page is not affected.
    expect((await visibleLinks('svg.attn-head-view:nth-of-type(2)')).length).toBeGreaterThan(T);
    writeFileSync(join(outputDir, 'head-view-hover.png'), await page.locator(first).screenshot());
    await page.locator(first).locator('.key-token[data-i="1"]').hover();
    await page.waitForTimeout(250);
    const intoCat = await visibleLinks('svg.attn-head-view:nth-of-type(1)');
    expect(new Set(intoCat.map((l) => l.k))).toEqual(new Set(['1']));
    expect(intoCat.length).toBe(T - 1); // cat (position 1) is seen by itself and every later token
  });

  it('head view: a tap (focus) works like a hover, for touch screens', async () => {
    await page.setContent(`<!doctype html><meta charset="utf-8"><body>${figures()[0].svg}</body>`);
    await page.mouse.move(0, 0); // the pointer still rests where the last test hovered
    await page.locator('.query-token[data-i="4"]').focus();
    await page.waitForTimeout(250);
    expect(new Set((await visibleLinks('svg')).map((l) => l.q))).toEqual(new Set(['4']));
  });

  it('model view: clicking a cell opens that head (its link)', async () => {
    await page.setContent(`<!doctype html><meta charset="utf-8"><body>${figures()[2].svg}<div id="head-1-2" style="margin-top:1500px">layer 1 head 2</div></body>`);
    await page.locator('#model-view-1-2').click();
    expect(await page.evaluate(() => location.hash)).toBe('#head-1-2');
  });

  it('embedding map: hovering a point shows the lines to its neighbours only', async () => {
    await page.setContent(`<!doctype html><meta charset="utf-8"><body>${figures()[4].svg}</body>`);
    expect(await visibleLinks('svg')).toEqual([]);
    await page.locator('.point[data-i="5"]').hover();
    await page.waitForTimeout(250);
    expect((await visibleLinks('svg')).map((l) => l.from)).toEqual(['5']);
    writeFileSync(join(outputDir, 'embedding-hover.png'), await page.locator('svg').screenshot());
  });
});
