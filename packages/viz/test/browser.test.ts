// Renders the SVGs in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core; nothing is downloaded), takes screenshots and checks that
// they are not blank, that labels render as text and that nothing is clipped.
// Screenshots are kept in test/output/ (gitignored) for a human to look at.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HeadlessChromium, launchChromium, type Page } from '@attn/chromium-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attentionGridSvg,
  attentionHeatmapSvg,
  attentionRowSvg,
  embeddingMapSvg,
  htmlReport,
  lossCurveSvg,
  pca2d,
  terminalHeatmap,
  tokenViewSvg,
} from '../src/index.js';

const outputDir = fileURLToPath(new URL('./output/', import.meta.url));

let browser: HeadlessChromium;
let page: Page;

beforeAll(async () => {
  mkdirSync(outputDir, { recursive: true });
  browser = await launchChromium({ name: 'viz', viewport: { width: 1200, height: 900 } });
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
});

/** Decode a PNG in the page with a canvas; count distinct colours and dark pixels. */
async function pixelStats(png: Buffer): Promise<{ width: number; height: number; colours: number; dark: number }> {
  return page.evaluate(async (base64) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(image, 0, 0);
    const data = ctx.getImageData(0, 0, image.width, image.height).data;
    const colours = new Set<number>();
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) {
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      if (data[i] + data[i + 1] + data[i + 2] < 300) dark++;
    }
    return { width: image.width, height: image.height, colours: colours.size, dark };
  }, png.toString('base64'));
}

/** Text elements whose rendered box sticks out of their SVG (clipped labels). */
async function clippedText(): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const svg of Array.from(document.querySelectorAll('svg'))) {
      const frame = svg.getBoundingClientRect();
      for (const text of Array.from(svg.querySelectorAll('text'))) {
        const box = text.getBoundingClientRect();
        const inside = box.left >= frame.left - 0.5 && box.right <= frame.right + 0.5 && box.top >= frame.top - 0.5 && box.bottom <= frame.bottom + 0.5;
        if (!inside) out.push(`${svg.getAttribute('class')}: ${text.textContent}`);
      }
    }
    return out;
  });
}

const sentence = ['The', ' animal', ' didn', "'t", ' cross', ' the', ' street', ' because', ' it', ' was', ' too', ' tired', '<script>', ' &', '\n'];

/** Causal attention that prefers recent tokens, and " it" looks back at " animal". */
function exampleWeights(n: number): number[][] {
  return Array.from({ length: n }, (_, q) => {
    const scores = Array.from({ length: n }, (_, k) => (k > q ? Number.NEGATIVE_INFINITY : -0.6 * (q - k) + (q === 8 && k === 1 ? 4 : 0)));
    const exps = scores.map((s) => Math.exp(s));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  });
}

describe('heatmap in headless Chromium', () => {
  it('renders a non-blank heatmap whose labels are text and whose tooltips hold the values', async () => {
    const weights = exampleWeights(sentence.length);
    const svg = attentionHeatmapSvg({ weights, queryLabels: sentence, title: 'layer 0 · head 0' });
    await page.setContent(`<!doctype html><meta charset="utf-8"><body style="margin:0;background:#fff">${svg}</body>`);

    const dom = await page.evaluate(() => ({
      scripts: document.querySelectorAll('script').length,
      cells: document.querySelectorAll('rect.cell').length,
      labels: Array.from(document.querySelectorAll('text.query-label')).map((t) => t.childNodes[1]?.textContent),
      tooltip: document.querySelector('rect.cell[data-q="8"][data-k="1"] > title')?.textContent,
    }));
    expect(dom.scripts).toBe(0);
    expect(dom.cells).toBe(sentence.length ** 2);
    expect(dom.labels[12]).toBe('<script>');
    expect(dom.labels[13]).toBe('␣&');
    expect(dom.labels[14]).toBe('↵');
    expect(dom.tooltip).toBe(`␣it → ␣animal: ${weights[8][1].toFixed(3)}`);
    expect(await clippedText()).toEqual([]);

    const png = await page.locator('svg').screenshot();
    writeFileSync(join(outputDir, 'heatmap.png'), png);
    const stats = await pixelStats(png);
    expect(stats.width).toBeGreaterThan(300);
    // A blank (or single-colour) render has 1 colour; a real heatmap has many
    // shades of blue plus anti-aliased text.
    expect(stats.colours).toBeGreaterThan(50);
    expect(stats.dark).toBeGreaterThan(500);
  });

  it('renders every figure of a report page without clipping', async () => {
    const n = 6;
    const labels = sentence.slice(0, n);
    const layers = [0, 1].map(() => [0, 1, 2, 3].map(() => exampleWeights(n)));
    const train = Array.from({ length: 200 }, (_, i) => ({ step: i * 5, loss: 3.5 * Math.exp(-i / 40) + 1.2 + 0.05 * Math.sin(i) }));
    const val = Array.from({ length: 11 }, (_, i) => ({ step: i * 100, loss: 3.5 * Math.exp(-i / 4) + 1.35 }));
    const vectors = ['king', 'queen', 'man', 'woman', 'apple', 'pear', 'dough', 'nuts'].map((_, i) => [i % 2, i < 4 ? 2 : -2, Math.sin(i), Math.cos(i * 0.5)]);
    const words = ['king', 'queen', 'man', 'woman', 'apple', 'pear', 'dough', 'nuts'];
    const html = htmlReport({
      title: 'attn report',
      sections: [
        { heading: 'Attention grid', svg: attentionGridSvg({ layers, labels }) },
        { heading: 'What does "it" look at', svg: attentionRowSvg({ weights: exampleWeights(9)[8], labels: sentence.slice(0, 9), queryLabel: ' it' }) },
        { heading: 'Loss', svg: lossCurveSvg({ train, val, logScale: true }) },
        { heading: 'Embeddings', svg: embeddingMapSvg({ points: pca2d(vectors).points, labels: words, groups: [0, 0, 0, 0, 1, 1, 2, 2] }) },
        { heading: 'Tokens', svg: tokenViewSvg([{ text: 'dough', id: 1 }, { text: 'nuts', id: 2 }, { text: ' are', id: 3 }, { text: ' tasty', id: 4 }, { text: '\n' }, { text: 'yes' }]) },
        { heading: 'Terminal view', text: terminalHeatmap(exampleWeights(n), labels, { color: true }) },
      ],
    });
    writeFileSync(join(outputDir, 'report.html'), html);
    await page.setContent(html);
    const sizes = await page.evaluate(() => Array.from(document.querySelectorAll('svg')).map((s) => s.getBoundingClientRect().width * s.getBoundingClientRect().height));
    expect(sizes).toHaveLength(5);
    for (const area of sizes) expect(area).toBeGreaterThan(10_000);
    expect(await clippedText()).toEqual([]);

    // The terminal heatmap keeps its colours in the report: one styled span per cell and legend swatch.
    const swatches = await page.evaluate(() => document.querySelectorAll('pre span[style*="background"]').length);
    expect(swatches).toBe(n * n + 5);
    writeFileSync(join(outputDir, 'report-terminal.png'), await page.locator('pre').screenshot());

    const png = await page.screenshot({ fullPage: true });
    writeFileSync(join(outputDir, 'report.png'), png);
    const stats = await pixelStats(png);
    expect(stats.colours).toBeGreaterThan(100);
  });
});
