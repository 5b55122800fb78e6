// End to end: serve the built site (dist/, built once by test/global-setup.ts) on
// 127.0.0.1 (cross-origin isolated, as vite.config.ts serves it, and once without the
// headers), drive it in headless Debian Chromium at 1280x800 and 390x844, and write a
// screenshot of every view, light and dark, to test/output/ for review.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attr, checkView, closeSite, expectKeyboardReachable, openPage, output, type Page, showView, SIZES, startSite, text, trainedFor } from './browser';

const VIEWS = ['train', 'generate', 'sampling', 'explore', 'heads', 'embeddings', 'seq2seq', 'explain', 'models'] as const;

beforeAll(() => startSite());
afterAll(closeSite);

for (const size of SIZES) {
  describe(`at ${size.width}x${size.height}`, () => {
    let page: Page;
    let errors: string[];
    beforeAll(async () => {
      ({ page, errors } = await openPage(size.width, size.height));
    });
    afterAll(async () => {
      await page?.close();
    });

    it('the first screen says what the page does, with buttons to train, generate and explore; WebAssembly on 2 threads is shown', async () => {
      expect(await text(page, 'h1')).toMatch(/^Train a small GPT on any text right here in your browser/);
      for (const action of ['Train a model', 'Generate text', 'Explore attention']) {
        const box = await page.getByRole('button', { name: action, exact: true }).boundingBox();
        expect(box && box.y + box.height <= size.height).toBe(true);
      }
      expect(await attr(page, '#engine-badge', 'data-engine')).toBe('wasm');
      expect(await attr(page, '#engine-badge', 'data-threads')).toBe('2');
      expect(await text(page, '#engine-badge')).toBe('Engine: WebAssembly SIMD · 2 threads');
      for (const view of VIEWS) {
        await checkView(page, view);
        await expectKeyboardReachable(page);
      }
      // Enter submits: every text and number input sits in a form with a submit button (the flows below press Enter in them)
      const withoutSubmit = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLInputElement>('input[type="text"], input[type="number"]')]
          .filter((input) => !input.form?.querySelector('button[type="submit"]'))
          .map((input) => input.id),
      );
      expect(withoutSubmit).toEqual([]);
      expect(errors).toEqual([]);
    });

    it('without a trained model, Show attention and Generate say so instead of training', async () => {
      await showView(page, 'explore');
      await page.selectOption('#explore-model', 'page');
      await page.click('#explore-run');
      await expect.poll(() => text(page, '#explore-model-error')).toContain('No model has been trained in this page yet');
      await page.selectOption('#explore-model', 'shakespeare');
      await expect.poll(() => page.locator('#explore-model-error').isHidden()).toBe(true); // cleared by the next success
      await showView(page, 'generate');
      await page.selectOption('#gen-model', 'page');
      await page.click('#gen-start');
      await expect.poll(() => text(page, '#gen-model-error')).toContain('No model has been trained in this page yet');
      await page.selectOption('#gen-model', 'shakespeare');
      await expect.poll(() => page.locator('#gen-model-error').isHidden()).toBe(true);
      expect(await text(page, '#train-step')).toBe('0');
      expect(await text(page, '#train-status')).toBe('No model yet. Press Train to start one.');
    });

    it('explores a shipped checkpoint: marks characters outside the vocabulary, reports them, and the figures stay in their boxes', async () => {
      await showView(page, 'explore');
      // the default sentence fits the model's context
      await expect.poll(() => text(page, '#explore-input-report')).toBe('The model reads 42 characters of at most 64.');
      await page.fill('#explore-input', '');
      await page.press('#explore-input', 'Enter');
      await expect.poll(() => text(page, '#explore-input-error')).toBe('Type some text to see its attention.');
      await page.fill('#explore-input', 'To be 😀 or 猫 not to be §');
      expect(await page.locator('#explore-input-preview .mark-unknown').allTextContents()).toEqual(['😀', '猫', '§']);
      expect(await text(page, '#explore-input-report')).toContain('3 characters are not in this model\'s vocabulary and left out ("😀" U+1F600, "猫" U+732B, "§" U+00A7)');
      // typing cleared the error; Enter in the box submits
      expect(await page.locator('#explore-input-error').isHidden()).toBe(true);
      await page.press('#explore-input', 'Enter');
      await expect.poll(() => page.locator('#explore-tokens button').count(), { timeout: 60_000 }).toBe(21);
      expect(await page.locator('#explore-layer option').count()).toBe(2);
      expect(await page.locator('#explore-head option').count()).toBe(4);
      expect(await text(page, '#explore-status')).toBe('Attention of 21 characters in 2 layers × 4 heads.');
      await page.locator('#explore-tokens button').nth(3).click();
      await expect.poll(() => text(page, '#explore-row')).toContain('(token 3)');
      // a long text: the heatmap scrolls inside its own box, never the page
      const long = 'To be, or not to be, that is the question: whether tis nobler in the mind';
      const beyond = long.length - 64;
      await page.fill('#explore-input', long);
      expect(await text(page, '#explore-input-report')).toContain(`so the first ${beyond} are left out`);
      expect(await page.locator('#explore-input-preview .mark-beyond').count()).toBe(beyond);
      await page.click('#explore-run');
      await expect.poll(() => page.locator('#explore-tokens button').count(), { timeout: 60_000 }).toBe(64);
      await checkView(page, 'explore');
      expect(errors).toEqual([]);
    });

    it('validates every number with a message next to its field, clears them on success, and Enter generates', async () => {
      await showView(page, 'generate');
      await page.fill('#gen-temperature', '0');
      await page.fill('#gen-topk', '-5');
      await page.fill('#gen-topp', '2');
      await page.fill('#gen-max', '5000');
      await page.click('#gen-start');
      expect(await text(page, '#gen-temperature-error')).toBe('Temperature must be a number greater than 0 and at most 3, not 0.');
      expect(await text(page, '#gen-topk-error')).toBe('Top-k must be a whole number from 1 to 200, not -5.');
      expect(await text(page, '#gen-topp-error')).toBe('Top-p must be a number greater than 0 and at most 1, not 2.');
      expect(await text(page, '#gen-max-error')).toBe('Max tokens must be a whole number from 1 to 2,000, not 5000.');
      expect(await attr(page, '#gen-topp', 'aria-invalid')).toBe('true');
      await checkView(page, 'generate');
      await page.fill('#gen-temperature', '0.8');
      await page.fill('#gen-topk', '20');
      await page.fill('#gen-topp', '0.9');
      await page.fill('#gen-max', '60');
      await page.fill('#gen-prompt', 'KING 🙂:');
      expect(await page.locator('#gen-prompt-preview .mark-unknown').allTextContents()).toEqual(['🙂']);
      await page.press('#gen-max', 'Enter');
      await expect.poll(() => attr(page, '#gen-output', 'data-done'), { timeout: 60_000 }).toBe('maxNewTokens');
      const out = await text(page, '#gen-output');
      expect(out.startsWith('KING 🙂:')).toBe(true);
      expect(Array.from(out).length).toBe(Array.from('KING 🙂:').length + 60); // one character per token
      for (const id of ['gen-temperature', 'gen-topk', 'gen-topp', 'gen-max']) {
        expect(await page.locator(`#${id}-error`).isHidden()).toBe(true);
        expect(await attr(page, `#${id}`, 'aria-invalid')).toBe(null);
      }
      expect(await text(page, '#gen-status')).toBe('Wrote 60 tokens.');
      expect(errors).toEqual([]);
    });

    it('trains on WebAssembly: steps are validated, controls lock while training, Stop tells the true step count, validation loss is plotted', async () => {
      await showView(page, 'train');
      await page.fill('#train-steps', '-5');
      await page.press('#train-steps', 'Enter');
      expect(await text(page, '#train-steps-error')).toBe('Steps must be a whole number from 1 to 100,000, not -5.');
      expect(await text(page, '#train-step')).toBe('0');
      await page.fill('#train-steps', '100000');
      await page.press('#train-steps', 'Enter'); // Enter submits
      await expect.poll(() => page.locator('#train-steps-error').isHidden()).toBe(true);
      await expect.poll(async () => Number((await text(page, '#train-step')).replace(/,/g, '')), { timeout: 60_000 }).toBeGreaterThan(30);
      for (const selector of ['input[name="corpus"][value="emma"]', '#train-config', '#train-steps', '#train-reset', '#train-start', 'input[name="engine"][value="cpu"]']) {
        expect(await page.locator(selector).isDisabled()).toBe(true);
      }
      await checkView(page, 'train');
      await page.click('#train-stop');
      await expect.poll(() => text(page, '#train-status'), { timeout: 60_000 }).toMatch(/^Stopped\./);
      const steps = Number(await attr(page, '#train-status', 'data-steps'));
      expect(steps).toBeGreaterThan(30);
      expect(await text(page, '#train-status')).toMatch(new RegExp(`^Stopped\\. Trained for ${steps} steps on Shakespeare, tiny model; validation loss \\d\\.\\d{3}\\.`));
      expect(await text(page, '#train-step')).toBe(steps.toLocaleString('en'));
      const losses = JSON.parse((await attr(page, '#train-curve', 'data-losses')) ?? '[]') as number[];
      const val = JSON.parse((await attr(page, '#train-curve', 'data-val-losses')) ?? '[]') as Array<[number, number]>;
      expect(losses).toHaveLength(steps);
      expect(val[0][0]).toBe(0); // the untrained model, measured before the first step
      expect(val[0][1]).toBeGreaterThan(3.5); // about ln(vocabulary size)
      expect(val.at(-1)?.[0]).toBe(steps); // a run ends on a measured point
      expect(val.at(-1)?.[1]).toBeLessThan(val[0][1] - 0.5);
      expect(await page.locator('#train-curve svg .series-val').count()).toBe(1);
      expect(await page.locator('#train-start').textContent()).toBe('Continue');
      for (const selector of ['#train-config', '#train-steps', '#train-reset', 'input[name="corpus"][value="emma"]']) {
        expect(await page.locator(selector).isEnabled()).toBe(true);
      }
      expect(errors).toEqual([]);
    });

    it('after a corpus change, Train starts a new model on the new choice', async () => {
      const before = Number(await attr(page, '#train-status', 'data-steps'));
      await page.check('input[name="corpus"][value="emma"]');
      expect(await text(page, '#train-start')).toBe('Train new model');
      expect(await text(page, '#train-status')).toContain(`Train starts a new model (the current one, Shakespeare, tiny model, has trained for ${before} steps)`);
      await page.fill('#train-steps', '30');
      await page.click('#train-start');
      await trainedFor(page, 30);
      expect(await text(page, '#train-status')).toMatch(/^Trained for 30 steps on Austen's Emma, tiny model; validation loss/);
      expect(await text(page, '#train-start')).toBe('Continue');
      await page.check('input[name="corpus"][value="shakespeare"]');
      expect(await text(page, '#train-start')).toBe('Train new model');
      await page.check('input[name="corpus"][value="emma"]');
      expect(await text(page, '#train-start')).toBe('Continue');
    });

    it('switches the engine to TypeScript and back; the model keeps training across the switch', async () => {
      await page.check('input[name="engine"][value="cpu"]');
      await expect.poll(() => attr(page, '#engine-badge', 'data-engine')).toBe('cpu');
      expect(await text(page, '#engine-badge')).toBe('Engine: TypeScript · 1 thread');
      await page.fill('#train-steps', '5');
      await page.click('#train-start');
      await trainedFor(page, 35);
      const losses = JSON.parse((await attr(page, '#train-curve', 'data-losses')) ?? '[]') as number[];
      for (const loss of losses.slice(30)) expect(loss).toBeLessThan(losses[0]); // the trained weights carried over
      await page.check('input[name="engine"][value="wasm"]');
      await expect.poll(() => text(page, '#engine-badge')).toBe('Engine: WebAssembly SIMD · 2 threads');
      await page.click('#train-start');
      await trainedFor(page, 40);
      expect(errors).toEqual([]);
    });

    it('trains on your own text: errors for short, binary, invalid UTF-8 and oversized input, each next to its control', async () => {
      await page.check('input[name="corpus"][value="own"]');
      await expect.poll(() => page.locator('#own-paste').isVisible()).toBe(true);
      await page.setInputFiles('#own-file', { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]) });
      await expect.poll(() => text(page, '#own-file-error')).toBe('photo.png looks like a binary file, not text (a NUL byte at byte 4); choose a UTF-8 text file.');
      await page.setInputFiles('#own-file', { name: 'latin1.txt', mimeType: 'text/plain', buffer: Buffer.from([0x63, 0x61, 0x66, 0xe9]) });
      await expect.poll(() => text(page, '#own-file-error')).toContain('latin1.txt: not valid UTF-8 (first invalid byte 0xe9 at byte offset 3)');
      await page.setInputFiles('#own-file', { name: 'huge.txt', mimeType: 'text/plain', buffer: Buffer.alloc(2_000_001, 0x61) });
      await expect.poll(() => text(page, '#own-file-error')).toBe('huge.txt is 2 MB (2,000,001 bytes); the limit is 2 MB (2,000,000 bytes).');
      await page.fill('#own-paste', 'far too short');
      await page.click('#train-start');
      await expect.poll(() => text(page, '#own-paste-error')).toContain('The pasted text has 13 characters; a model reading 32 at a time needs at least 330');
      await checkView(page, 'train');
      // a good file fills the box and clears both errors
      const story = Array.from({ length: 40 }, (_, i) => `The fox ${i % 2 ? 'ran' : 'sat'} by the river and the owl watched it. `).join('\n');
      await page.setInputFiles('#own-file', { name: 'story.txt', mimeType: 'text/plain', buffer: Buffer.from(story, 'utf8') });
      await expect.poll(() => page.inputValue('#own-paste')).toBe(story);
      expect(await page.locator('#own-file-error').isHidden()).toBe(true);
      await page.fill('#train-steps', '40');
      await page.click('#train-start');
      expect(await page.locator('#own-paste-error').isHidden()).toBe(true);
      await trainedFor(page, 40);
      expect(await text(page, '#train-status')).toMatch(/^Trained for 40 steps on story\.txt, tiny model/);
      // pasted text (typed into the box) trains too, and the explorer's default sentence comes from it
      await page.fill('#own-paste', story.replace(/fox/g, 'cat'));
      await page.click('#train-start');
      await trainedFor(page, 40);
      expect(await text(page, '#train-status')).toMatch(/^Trained for 40 steps on your pasted text/);
      await showView(page, 'explore');
      await page.selectOption('#explore-model', 'page');
      expect(await page.inputValue('#explore-input')).toBe('The cat sat by the river and');
      await page.click('#explore-run');
      await expect.poll(() => page.locator('#explore-head option').count(), { timeout: 60_000 }).toBe(2);
      expect(await text(page, '#explore-model-info')).toBe('Trained in this page on your pasted text for 40 steps; reads 32 characters at a time.');
      expect(errors).toEqual([]);
    });

    it('the hero buttons train, generate and explore', async () => {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.click('.hero-actions [data-action="explore"]'); // the page model and its sentence are still chosen
      await expect.poll(() => page.locator('#view-explore').isVisible()).toBe(true);
      await expect.poll(() => text(page, '#explore-status'), { timeout: 60_000 }).toBe('Attention of 28 characters in 2 layers × 2 heads.');
      await showView(page, 'generate');
      await page.selectOption('#gen-model', 'page');
      await page.fill('#gen-prompt', 'The owl ');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.click('.hero-actions [data-action="generate"]');
      await expect.poll(() => text(page, '#gen-output'), { timeout: 60_000 }).toMatch(/^The owl /);
      await expect.poll(() => attr(page, '#gen-output', 'data-done'), { timeout: 60_000 }).toBe('maxNewTokens');
      await showView(page, 'train');
      await page.fill('#train-steps', '10');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.click('.hero-actions [data-action="train"]');
      await trainedFor(page, 50);
      expect(errors).toEqual([]);
    });

    it('every view, light and dark: no page scroll, and a screenshot for review', async () => {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const view of VIEWS) {
          await checkView(page, view);
          await page.evaluate(() => window.scrollTo(0, 0));
          await page.screenshot({ path: join(output, `${size.name}-${scheme}-${view}.png`), fullPage: true });
        }
      }
      await page.emulateMedia({ colorScheme: 'light' });
      expect(errors).toEqual([]);
    });
  });
}

describe('engines beyond the default', () => {
  it('without COOP/COEP the page runs WebAssembly on 1 thread and says why', async () => {
    const { page, errors } = await openPage(1280, 800, '/plain/index.html');
    try {
      expect(await text(page, '#engine-badge')).toBe('Engine: WebAssembly SIMD · 1 thread');
      expect(await text(page, '#engine-note')).toContain('not cross-origin isolated');
      await page.fill('#train-steps', '10');
      await page.click('#train-start');
      await trainedFor(page, 10);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('GPU.js: a new model trains on gpu.js (mode shown, loss finite and falling), and the switch back works', async () => {
    const { page, errors } = await openPage(1280, 800);
    try {
      await page.check('input[name="engine"][value="gpu"]');
      await expect.poll(() => attr(page, '#engine-badge', 'data-engine'), { timeout: 60_000 }).toBe('gpu');
      // Debian's Chromium with --disable-gpu still offers WebGL2 on SwiftShader; the self-test must not have failed over.
      expect(await attr(page, '#engine-badge', 'data-mode')).toBe('webgl2');
      expect(await text(page, '#engine-badge')).toBe('Engine: GPU.js (webgl2) · other ops on 1 thread');
      await page.fill('#train-steps', '6');
      await page.click('#train-start');
      await trainedFor(page, 6);
      const losses = JSON.parse((await attr(page, '#train-curve', 'data-losses')) ?? '[]') as number[];
      for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
      expect(losses[0]).toBeGreaterThan(3.5);
      expect(losses.at(-1)).toBeLessThan(losses[0]);
      const note = await text(page, '#engine-note');
      const gpuCalls = Number(/([\d,]+) matmuls on gpu\.js/.exec(note)?.[1].replace(/,/g, '') ?? 'NaN');
      expect(gpuCalls).toBeGreaterThan(6 * 2 * 3); // several matmuls per layer, forward and backward, per step
      await page.check('input[name="engine"][value="wasm"]');
      await expect.poll(() => attr(page, '#engine-badge', 'data-engine'), { timeout: 30_000 }).toBe('wasm');
      await page.click('#train-start');
      await trainedFor(page, 12);
      const after = JSON.parse((await attr(page, '#train-curve', 'data-losses')) ?? '[]') as number[];
      for (const loss of after.slice(6)) expect(loss).toBeLessThan(losses[0]); // the weights trained on gpu.js carried over
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
