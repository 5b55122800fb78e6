// End to end: build the site, serve dist/ on 127.0.0.1, drive it in headless Debian
// Chromium, and write a screenshot of each view to test/output/ for review.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HeadlessChromium, launchChromium, type LocalServer, type Page, serveDirectory, serveLocally } from '@attn/chromium-testing';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const output = join(root, 'test', 'output');

let server: LocalServer;
let browser: HeadlessChromium;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'error' });
  // dist/ is the whole site: a static server is all it needs
  server = await serveLocally(serveDirectory(dist));
  mkdirSync(output, { recursive: true });
  browser = await launchChromium({ name: 'demo-e2e', viewport: { width: 1200, height: 900 } });
  page = browser.page;
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(err.message));
  await page.goto(`${server.origin}/`);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('attn demo in headless Chromium', () => {
  it('loads and the explainer shows the worked example numbers', async () => {
    const steps = page.locator('#explainer-steps');
    await expect.poll(() => steps.locator('.step').count()).toBe(6);
    const text = await steps.innerText();
    expect(text).toContain('[0.71, 0.71, 1.41]'); // scaled scores
    expect(text).toContain('[0.25, 0.25, 0.50]'); // softmax weights
    expect(await page.locator('#explainer-output').innerText()).toContain('[1.25, 2]');
    await page.locator('#explainer').screenshot({ path: join(output, 'explainer.png') });
    expect(consoleErrors).toEqual([]);
  });

  it('the explorer renders every layer x head heatmap of the shipped Shakespeare checkpoint', async () => {
    await page.selectOption('#explorer-model', 'shakespeare');
    await page.fill('#explorer-input', 'The cat sat on the mat.');
    await page.click('#explorer-run');
    await page.locator('#explorer-grid svg').waitFor({ timeout: 60_000 });
    // the CLI's tiny config: 2 layers x 4 heads; 23 characters -> 23 token buttons
    await expect.poll(() => page.locator('#explorer-tokens button').count()).toBe(23);
    expect(await page.locator('#explorer-layer option').count()).toBe(2);
    expect(await page.locator('#explorer-head option').count()).toBe(4);
    expect(await page.locator('#explorer-grid svg rect').count()).toBeGreaterThan(8 * 23);
    await page.locator('#explorer-tokens button').nth(4).click(); // "c" of "cat"
    await expect.poll(() => page.locator('#explorer-row').innerHTML()).toContain('<svg');
    expect(await page.locator('#explorer-row').innerText()).toContain('token 4');
    expect(await page.locator('#explorer-model-info').innerText()).toContain('300 steps');
    await page.locator('#explorer').screenshot({ path: join(output, 'explorer-shakespeare.png') });
    expect(consoleErrors).toEqual([]);
  });

  it('the coreference checkpoint reads its own words', async () => {
    await page.selectOption('#explorer-model', 'coref');
    expect(await page.inputValue('#explorer-input')).toBe('the ball did not fit in the cupboard because too tall was it');
    await page.click('#explorer-run');
    await expect.poll(() => page.locator('#explorer-tokens button').count(), { timeout: 60_000 }).toBe(13);
    await expect.poll(() => page.locator('#explorer-row').innerText()).toContain('"it" (token 12)');
    await page.locator('#explorer').screenshot({ path: join(output, 'explorer-coref.png') });
    expect(consoleErrors).toEqual([]);
  });

  it('20 training steps lower the loss, and the trained model can be explored', async () => {
    await page.fill('#train-steps', '20');
    await page.click('#train-start');
    await expect.poll(() => page.locator('#train-status').innerText(), { timeout: 60_000 }).toContain('steps done');
    const losses = JSON.parse((await page.locator('#train-curve').getAttribute('data-losses')) ?? '[]') as number[];
    expect(losses).toHaveLength(20);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(losses[0]).toBeGreaterThan(3.5); // about ln(vocab size) for an untrained model
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.3);
    expect(Number((await page.locator('#train-tps').innerText()).replace(/,/g, ''))).toBeGreaterThan(0);
    await page.locator('#train').screenshot({ path: join(output, 'train.png') });

    await page.selectOption('#explorer-model', 'page');
    await page.click('#explorer-run');
    await expect.poll(() => page.locator('#explorer-model-info').innerText()).toContain('20 steps');
    await expect.poll(() => page.locator('#explorer-head option').count()).toBe(2); // the page's tiny config
    expect(consoleErrors).toEqual([]);
  });

  it('generation streams text after the prompt', async () => {
    await page.selectOption('#gen-model', 'page');
    await page.fill('#gen-prompt', 'To be');
    await page.fill('#gen-max', '60');
    await page.click('#gen-start');
    await expect.poll(() => page.locator('#gen-output').getAttribute('data-done'), { timeout: 60_000 }).toBe('maxNewTokens');
    const text = await page.locator('#gen-output').innerText();
    expect(text.startsWith('To be')).toBe(true);
    expect(text.length).toBeGreaterThanOrEqual('To be'.length + 50); // 60 characters, some may be whitespace trimmed
    await page.locator('#generate').screenshot({ path: join(output, 'generate-page.png') });

    await page.selectOption('#gen-model', 'shakespeare');
    await page.fill('#gen-prompt', 'KING:');
    await page.click('#gen-start');
    await expect.poll(() => page.locator('#gen-output').getAttribute('data-done'), { timeout: 60_000 }).toBe('maxNewTokens');
    const verse = await page.locator('#gen-output').innerText();
    expect(verse.startsWith('KING:')).toBe(true);
    expect(verse.length).toBeGreaterThanOrEqual('KING:'.length + 50);
    await page.locator('#generate').screenshot({ path: join(output, 'generate-shakespeare.png') });
    expect(consoleErrors).toEqual([]);
  });

  it('GPU.js: a new model trains on gpu.js (mode shown, loss finite and falling), and switching back to the CPU works', async () => {
    await page.click('#train-reset');
    await expect.poll(() => page.locator('#train-status').innerText(), { timeout: 60_000 }).toContain('new model');
    await page.check('input[name="backend"][value="gpu"]');
    const mode = page.locator('#backend-mode');
    await expect.poll(() => mode.getAttribute('data-backend'), { timeout: 60_000 }).toBe('gpu');
    const chosen = await mode.getAttribute('data-mode');
    // Debian's Chromium with --disable-gpu still offers WebGL2 on SwiftShader; the self-test must not have failed over.
    expect(chosen).toBe('webgl2');
    expect(await page.locator('#backend-note').innerText()).not.toContain('fell back');

    await page.fill('#train-steps', '12');
    await page.click('#train-start');
    await expect.poll(() => page.locator('#train-status').innerText(), { timeout: 110_000 }).toContain('steps done');
    const losses = JSON.parse((await page.locator('#train-curve').getAttribute('data-losses')) ?? '[]') as number[];
    expect(losses).toHaveLength(12);
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(losses[0]).toBeGreaterThan(3.5); // a fresh model: about ln(vocab size)
    expect(mean(losses.slice(-3))).toBeLessThan(mean(losses.slice(0, 3)) - 0.1);
    expect(Number((await page.locator('#train-tps').innerText()).replace(/,/g, ''))).toBeGreaterThan(0);
    // The matmuls really ran on gpu.js (minFlops 0), not on the CPU fallback below the threshold.
    const note = await page.locator('#backend-note').innerText();
    const gpuCalls = Number(/([\d,]+) matmuls on gpu\.js/.exec(note)?.[1].replace(/,/g, '') ?? 'NaN');
    expect(gpuCalls).toBeGreaterThan(12 * 2 * 3); // several matmuls per layer, forward and backward, per step
    await page.locator('#train').screenshot({ path: join(output, 'train-gpu.png') });

    await page.check('input[name="backend"][value="cpu"]');
    await expect.poll(() => mode.getAttribute('data-backend'), { timeout: 30_000 }).toBe('cpu');
    await page.fill('#train-steps', '3');
    await page.click('#train-start');
    await expect.poll(() => page.locator('#train-step').innerText(), { timeout: 60_000 }).toBe('15');
    await expect.poll(() => page.locator('#train-status').innerText(), { timeout: 60_000 }).toContain('steps done');
    const after = JSON.parse((await page.locator('#train-curve').getAttribute('data-losses')) ?? '[]') as number[];
    expect(after).toHaveLength(15);
    for (const loss of after.slice(12)) expect(loss).toBeLessThan(losses[0]); // the weights trained on gpu.js carried over
    expect(await mode.innerText()).toContain('cpu');
    expect(consoleErrors).toEqual([]);
  });
});
