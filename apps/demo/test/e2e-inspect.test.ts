// End to end, the views that look inside a trained model: the site built by the global setup
// (test/global-setup.ts) is served on 127.0.0.1 and driven in headless Debian Chromium at
// 1280x800 and 390x844. The numbers the page shows are compared with the same computations
// run here in Node on the shipped checkpoint (@attn/inspect on the TypeScript backend, the
// page runs WebAssembly), and the explained head's output with the model's own forward pass.
import { join } from 'node:path';
import { createCorefLanguage } from '@attn/datasets';
import { type HostTensor, attentionMaps, corefScore, embeddingMap, explainHead, gptHooks, headRows, positionRow, readActivations, samplingView, tokenEmbeddings, workedExample } from '@attn/inspect';
import { type GPT, loadPretrained } from '@attn/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attr, closeSite, expectNoPageScroll, openPage, output, type Page, root, showView, SIZES, startSite, text, watchRunControls } from './browser';

const INSPECT_VIEWS = ['sampling', 'explore', 'heads', 'embeddings', 'seq2seq', 'explain'] as const;
const COREF_SENTENCE = 'the trophy did not fit in the suitcase because too big was it';

/** The shipped coreference checkpoint, read here the way the CLI reads it. */
let coref: { model: GPT; words: string[] };
/** Characters of the shipped Shakespeare checkpoint. */
let shakespeareVocabulary: number;

beforeAll(async () => {
  await startSite();
  const loaded = await loadPretrained(join(root, 'public', 'models', 'coref'));
  coref = { model: loaded.model.eval(), words: [...(loaded.tokenizer as unknown as { words: string[] }).words] };
  shakespeareVocabulary = (await loadPretrained(join(root, 'public', 'models', 'shakespeare'))).tokenizer.vocabSize;
});

afterAll(closeSite);

const encode = (words: readonly string[]) => words.map((w) => coref.words.indexOf(w));
/** The data-value of every match, as numbers. */
const values = (page: Page, selector: string) => page.locator(selector).evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.value)));

function expectClose(actual: number[], expected: ArrayLike<number>, tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(tolerance);
}

/** Focuses a slider and presses keys on it (how a keyboard user moves it). */
async function slide(page: Page, id: string, ...keys: string[]): Promise<void> {
  await page.focus(`#${id}`);
  for (const key of keys) await page.keyboard.press(key);
}

for (const size of SIZES) {
  const desktop = size.name === 'desktop';
  describe(`the views inside a model, at ${size.width}x${size.height}`, () => {
    let page: Page;
    let errors: string[];
    beforeAll(async () => {
      ({ page, errors } = await openPage(size.width, size.height));
    });
    afterAll(async () => {
      await page?.close();
    });

    it('How it works opens on the seed example and steps through it with the buttons and the arrow keys', async () => {
      await showView(page, 'explain');
      expect(await attr(page, '#explain-stepper', 'data-source')).toBe('seed worked example');
      expect(await text(page, '#explain-step-title')).toBe('1. Embeddings');
      expect(await page.locator('#explain-prev').isDisabled()).toBe(true);
      for (let i = 0; i < 4; i++) await page.click('#explain-next');
      expect(await attr(page, '#explain-stepper', 'data-step')).toBe('softmax');
      expect(await text(page, '#explain-step-count')).toBe('Step 5 of 6');
      // The weights shown are the library's, to the last digit; they read 0.248, 0.248, 0.503.
      const e = workedExample();
      expect(await values(page, '#explain-step-body td.weight .num')).toEqual(e.weights);
      expect(await page.locator('#explain-step-body td.weight').allTextContents()).toEqual(['0.248', '0.248', '0.503']);
      await page.keyboard.press('ArrowRight'); // the focus is on Next, in the stepper
      expect(await attr(page, '#explain-stepper', 'data-step')).toBe('output');
      expect(await page.locator('#explain-next').isDisabled()).toBe(true);
      expect(await values(page, '#explain-step-body [data-kind="vectors"] .num')).toEqual(e.output);
      await page.focus('#explain-prev');
      await page.keyboard.press('ArrowLeft');
      expect(await attr(page, '#explain-stepper', 'data-step')).toBe('softmax');
      await page.click('#explain-step-nav li:first-child button');
      expect(await attr(page, '#explain-stepper', 'data-step')).toBe('embeddings');
      expect(await text(page, '#explainer-output')).toBe('Output for "it": [1.25, 2]');
      await expectNoPageScroll(page);
    });

    it('explains a trained head with the numbers the model computes', async () => {
      await page.selectOption('#explain-model', 'coref');
      await expect.poll(() => attr(page, '#explain-stepper', 'data-source'), { timeout: 60_000 }).toBe('checkpoint');
      expect(await page.inputValue('#explain-text')).toBe(COREF_SENTENCE);
      await page.selectOption('#explain-layer', '1');
      await expect.poll(() => text(page, '#explain-status'), { timeout: 30_000 }).toMatch(/^Layer 1, head 0/);
      await page.selectOption('#explain-head', '1');
      await expect.poll(() => text(page, '#explain-status'), { timeout: 30_000 }).toBe('Layer 1, head 1 of 2 × 4, for "it" (token 12 of 13).');
      const words = COREF_SENTENCE.split(' ');
      const ids = encode(words);
      const e = await explainHead(coref.model, ids, { layer: 1, head: 1, query: 12, labels: words });
      const tolerance = 2e-4; // WebAssembly in the page, TypeScript here: float32 sums in another order
      const step = async (n: number) => {
        await page.click(`#explain-step-nav li:nth-child(${n}) button`);
        expect(await text(page, '#explain-step-count')).toBe(`Step ${n} of 6`);
      };
      await step(1);
      expectClose(await values(page, '#explain-step-body [data-kind="vectors"]:first-child tr:nth-child(3) .num'), e.embeddings.sum[12], tolerance);
      await step(2);
      const wq = await values(page, '#explain-step-body .matrices > :first-child .num');
      expectClose(wq, e.projections.query.values.flat(), 1e-6); // weights are read, not computed: equal
      expect(await page.locator('#explain-step-body table.matrix caption').first().textContent()).toBe('W_Q (layer 1 head 1): 64 × 16, the first 4 × 6');
      await step(3);
      expectClose(await values(page, '#explain-step-body [data-kind="vectors"]:first-child .num'), e.q, tolerance);
      await step(4);
      expectClose(await values(page, '#explain-step-body tbody td:nth-child(2) .num'), e.scores, 1e-3);
      expect(await text(page, '#explain-step-body .block-caption')).toContain('1/√16 = 0.2500');
      await step(5);
      const weights = await values(page, '#explain-step-body td.weight .num');
      expectClose(weights, e.weights, tolerance);
      expect(weights.indexOf(Math.max(...weights))).toBe(1); // "it" looks at the trophy
      // The whole map: every row of the head's pattern, as attentionMaps gives it.
      const maps = await attentionMaps(coref.model, ids);
      expectClose(await values(page, '#explain-step-body .attn-heatmap rect.cell'), maps[1][1].flat(), tolerance);
      await step(6);
      // The head's output equals the forward pass's hook_z row for "it" (not only explainHead's own sum).
      const { values: hooked } = await readActivations(coref.model, ids, [gptHooks.z(1)]);
      const z = headRows(hooked.get(gptHooks.z(1)) as HostTensor, 1)[12];
      expectClose(await values(page, '#explain-step-body [data-kind="vectors"]:nth-child(2) .num'), z, tolerance);
      expectClose(await values(page, '#explain-step-body [data-kind="vectors"]:last-child .num'), e.projection?.contribution ?? [], tolerance);
      await page.locator('#explain-step-body details.vec-more summary').last().click(); // the 64 numbers, unfolded
      await expectNoPageScroll(page);
      expect(errors).toEqual([]);
    });

    it('explains what the page cannot read next to the sentence', async () => {
      await page.fill('#explain-text', 'zebra ' + '😀');
      await page.press('#explain-text', 'Enter');
      await expect.poll(() => text(page, '#explain-text-error')).toBe('None of this sentence is in the model’s vocabulary (marked in red below the box).');
      await page.fill('#explain-text', COREF_SENTENCE);
      expect(await page.locator('#explain-text-error').isHidden()).toBe(true);
    });

    it('Next token: the bars are the library’s distribution, sliders reshape them, and writing streams with them', async () => {
      await showView(page, 'sampling');
      await expect.poll(() => attr(page, '#sampling-bars', 'data-kept'), { timeout: 60_000 }).toBe('130');
      const { logits } = await readActivations(coref.model, encode(COREF_SENTENCE.split(' ')), []);
      const last = positionRow(logits, 12);
      const expected = samplingView(last, { temperature: 1, topK: 130, topP: 1 }, { show: 12 });
      expectClose(await page.locator('#sampling-bars .bar-row').evaluateAll((rows) => rows.map((r) => Number((r as SVGGElement).dataset.prob))), expected.tokens.map((t) => t.prob), 1e-4);
      expect(await page.locator('#sampling-bars .bar-row .token-label').first().textContent()).toBe('trophy');
      expect(await page.locator('#sampling-bars .bar-row.greedy').count()).toBe(1);
      // Top-k to 1 with the keyboard (Home), then up to 3: the rest are cut off and greyed.
      await slide(page, 'sampling-topk', 'Home', 'ArrowRight', 'ArrowRight');
      await expect.poll(() => attr(page, '#sampling-bars', 'data-kept')).toBe('3');
      expect(await text(page, '#sampling-topk-value')).toBe('3');
      expect(await page.locator('#sampling-bars .bar-row.cut').count()).toBe(9);
      const topK3 = samplingView(last, { temperature: 1, topK: 3, topP: 1 }, { show: 12 });
      expectClose(await page.locator('#sampling-bars .bar-row').evaluateAll((rows) => rows.map((r) => Number((r as SVGGElement).dataset.prob))), topK3.tokens.map((t) => t.prob), 1e-4);
      // Temperature 0 is greedy: one token left.
      await slide(page, 'sampling-temperature', 'Home');
      await expect.poll(() => attr(page, '#sampling-bars', 'data-kept')).toBe('1');
      expect(await text(page, '#sampling-temperature-value')).toBe('0 (greedy)');
      await slide(page, 'sampling-temperature', 'End');
      await expect.poll(() => text(page, '#sampling-bars-subtitle')).toMatch(/^temperature 2\.00 · top-k 3 · top-p 1\.00: 3 of 130 tokens can be drawn\.$/);
      // Writing: a bad count is refused next to its field; Enter in the prompt writes.
      await page.fill('#sampling-max', '0');
      await page.press('#sampling-prompt', 'Enter');
      expect(await text(page, '#sampling-max-error')).toBe('Tokens to write must be a whole number from 1 to 500, not 0.');
      await page.fill('#sampling-max', '2');
      await page.press('#sampling-prompt', 'Enter');
      await expect.poll(() => attr(page, '#sampling-output', 'data-done'), { timeout: 30_000 }).toBe('maxNewTokens');
      expect(await page.locator('#sampling-max-error').isHidden()).toBe(true);
      expect(await page.locator('#sampling-output .out-token').count()).toBe(2);
      expect(await text(page, '#sampling-bars-title')).toBe('What token 2 was drawn from');
      expect(await page.locator('#sampling-bars .bar-row.chosen').count()).toBe(1);
      await page.click('#sampling-earlier');
      expect(await text(page, '#sampling-bars-title')).toBe('What token 1 was drawn from');
      expect(await text(page, '#sampling-bars-subtitle')).toMatch(/^It drew "\w+" \(p = 0\.\d{3}\); 3 of 130 tokens could be drawn\.$/);
      // A long run on Shakespeare: the controls that set it are locked until Stop.
      await page.selectOption('#sampling-model', 'shakespeare');
      await expect.poll(() => page.inputValue('#sampling-max'), { timeout: 60_000 }).toBe('40');
      expect(await page.inputValue('#sampling-prompt')).toBe('To be, or not to b');
      await expect.poll(() => text(page, '#sampling-bars-subtitle'), { timeout: 60_000 }).toBe(`temperature 2.00 · top-k 3 · top-p 1.00: 3 of ${shakespeareVocabulary} tokens can be drawn.`);
      await page.fill('#sampling-max', '500');
      // 500 characters take well under a second here, so a watcher notes what is locked while they stream, and presses Stop.
      await page.evaluate(() => {
        const ids = ['sampling-temperature', 'sampling-topk', 'sampling-topp', 'sampling-prompt', 'sampling-model', 'sampling-start', 'sampling-max'];
        const seen = new Set<string>();
        const stop = document.getElementById('sampling-stop') as HTMLButtonElement;
        new MutationObserver(() => {
          if (stop.disabled) return;
          for (const id of ids) if ((document.getElementById(id) as HTMLInputElement).disabled) seen.add(id);
          stop.click();
        }).observe(stop, { attributes: true, attributeFilter: ['disabled'] });
        (window as unknown as { lockedWhileWriting: Set<string> }).lockedWhileWriting = seen;
      });
      await page.click('#sampling-start');
      await expect.poll(() => text(page, '#sampling-status'), { timeout: 30_000 }).toMatch(/^Stopped after \d+ tokens?;/);
      expect(await page.evaluate(() => [...(window as unknown as { lockedWhileWriting: Set<string> }).lockedWhileWriting].sort())).toEqual(
        ['sampling-max', 'sampling-model', 'sampling-prompt', 'sampling-start', 'sampling-temperature', 'sampling-topk', 'sampling-topp'],
      );
      expect(await page.locator('#sampling-output .out-token').count()).toBeLessThan(500);
      expect(await page.locator('#sampling-temperature').isEnabled()).toBe(true);
      await expectNoPageScroll(page);
      expect(errors).toEqual([]);
    });

    it('Attention: the model view opens a head; the head view shows one token’s lines and can overlay every head', async () => {
      await showView(page, 'explore');
      await page.selectOption('#explore-model', 'coref');
      await page.fill('#explore-input', COREF_SENTENCE);
      await page.click('#explore-run');
      await expect.poll(() => page.locator('#explore-grid .cell').count(), { timeout: 60_000 }).toBe(8);
      expect(await attr(page, '#model-view-0-0', 'aria-pressed')).toBe('true');
      await page.click('#model-view-1-1');
      expect(await page.inputValue('#explore-layer')).toBe('1');
      expect(await page.inputValue('#explore-head')).toBe('1');
      expect(await attr(page, '#model-view-1-1', 'aria-pressed')).toBe('true');
      expect(await page.locator('#explore-heatmap .title').textContent()).toBe('Layer 1, head 1');
      expect(await page.locator('#explore-headview .title').textContent()).toBe('Layer 1, head 1');
      // Keyboard: Enter on a thumbnail opens it too.
      await page.focus('#model-view-0-2');
      await page.keyboard.press('Enter');
      expect(await page.inputValue('#explore-head')).toBe('2');
      await page.click('#model-view-1-1');
      // The head view's lines are the heatmap's weights; a tap on "it" (query side) leaves only its lines.
      const heatmap = await values(page, '#explore-heatmap rect.cell');
      const maps = await attentionMaps(coref.model, encode(COREF_SENTENCE.split(' ')));
      expectClose(heatmap, maps[1][1].flat(), 2e-4);
      await page.click('#explore-headview .query-token[data-i="12"]');
      const opacity = (selector: string) => page.locator(selector).first().evaluate((l) => getComputedStyle(l).opacity);
      // (the lines fade in 0.1 s)
      await expect.poll(() => opacity('#explore-headview .link[data-q="12"]')).toBe('1');
      await expect.poll(() => opacity('#explore-headview .link[data-q="5"]')).toBe('0');
      expect(await page.locator('#explore-tokens button[aria-pressed="true"]').textContent()).toBe('it');
      await page.check('#explore-overlay');
      expect(await page.locator('#explore-headview .head-swatch').count()).toBe(4);
      expect(await page.locator('#explore-headview .title').textContent()).toBe('Layer 1, every head');
      await expectNoPageScroll(page);
      expect(errors).toEqual([]);
    });

    it('Named heads: the coreference head is named with its held-out score, the same as in Node', async () => {
      await showView(page, 'heads');
      await expect.poll(() => attr(page, '#coref-verdict', 'data-share'), { timeout: 60_000 }).not.toBe(null);
      const lang = createCorefLanguage({ seed: 0 });
      const score = await corefScore(coref.model, lang.generate('heldout', 200, 11), encode);
      expect(await text(page, '#coref-verdict')).toMatch(new RegExp(`^Layer ${score.layer}, head ${score.head} tracks who "it" refers to: on 200 held-out sentences`));
      expect(Number(await attr(page, '#coref-verdict', 'data-share'))).toBe(score.share);
      expect(score.share).toBeGreaterThan(0.9);
      expect(await page.locator('#coref-table td.named').getAttribute('data-layer')).toBe(String(score.layer));
      expect(await values(page, '#coref-table td')).toEqual(score.perHead.flat());
      await page.click('#coref-next');
      expect(await text(page, '#coref-example-title')).toBe('Held-out sentence 2 of 8');
      // A bad count is refused next to its field.
      await page.fill('#coref-sentences', '0');
      await page.press('#coref-sentences', 'Enter');
      expect(await text(page, '#coref-sentences-error')).toBe('Sentences must be a whole number from 1 to 2,000, not 0.');
      await page.fill('#coref-sentences', '200');
      // The named head, step by step.
      await page.click('#coref-explain');
      await expect.poll(() => page.locator('#view-explain').isVisible()).toBe(true);
      await expect.poll(() => text(page, '#explain-status'), { timeout: 30_000 }).toMatch(new RegExp(`^Layer ${score.layer}, head ${score.head} of 2 × 4, for "it"`));
      expect(await text(page, '#explain-step-count')).toBe('Step 1 of 6');
      await showView(page, 'heads');
      await expectNoPageScroll(page);
      expect(errors).toEqual([]);
    });

    it('Named heads: an induction model trains here and grows an induction head (desktop: 600 steps), scored against its ceiling on repeated random tokens it never trained on', async () => {
      await page.fill('#induction-steps', '-1');
      await page.click('#induction-train');
      expect(await text(page, '#induction-steps-error')).toBe('Steps must be a whole number from 1 to 5,000, not -1.');
      // The phone only checks the flow and the layout: a few steps.
      await page.fill('#induction-steps', desktop ? '600' : '10');
      const stopWasOffered = await watchRunControls(page, '#induction-stop', '#induction-steps');
      await page.press('#induction-steps', 'Enter');
      await expect.poll(() => attr(page, '#induction-status', 'data-steps'), { timeout: 120_000 }).toBe(desktop ? '600' : '10');
      expect(await stopWasOffered()).toBe(true); // while it trained, Stop was on and the steps field off
      const score = Number(await attr(page, '#induction-verdict', 'data-score'));
      const ceiling = Number(await attr(page, '#induction-verdict', 'data-ceiling'));
      expect(ceiling).toBeCloseTo(8 / 17, 12); // BOS + 8 + 8 tokens: the 8 of the second half each have an earlier copy
      expect(score).toBeLessThanOrEqual(ceiling);
      const verdict = await text(page, '#induction-verdict');
      expect(verdict).toContain(`on 20 sequences of random tokens repeated after 8 tokens (a kind of sequence it never trained on), where a perfect induction head would score ${ceiling.toFixed(3)}`);
      expect(verdict).toContain('On sequences repeated after 5 tokens it scores');
      // The verdict follows the numbers: an induction head only in layer 1 at 80% of both ceilings.
      const layer = Number(/^Layer (\d)/.exec(verdict)?.[1]);
      const shorter = Number(await attr(page, '#induction-verdict', 'data-shorter'));
      const named = layer >= 1 && score >= 0.8 * ceiling && shorter >= 0.8 * Number(/ceiling (0\.\d+)\)\. /.exec(verdict)?.[1]);
      expect(verdict.includes('an induction head, reading what the previous-token head')).toBe(named);
      // The recipe's 600 steps grow one (the same run as attn train --task induction: seed 1, the same schedule).
      expect(named).toBe(desktop);
      expect(await page.locator('#induction-table td').count()).toBe(4); // 2 layers x 1 head, two tables
      expect(await page.locator('#induction-view .link').count()).toBeGreaterThan(10);
      expect(await text(page, '#induction-train')).toBe('Continue');
      await expectNoPageScroll(page);
      expect(errors).toEqual([]);
    });

    it('Embeddings: the coreference nouns, coloured by role, with the measured separation and the nearest neighbours', async () => {
      await showView(page, 'embeddings');
      await expect.poll(() => page.locator('#embeddings-map .point').count(), { timeout: 60_000 }).toBe(20);
      expect(await page.locator('#embeddings-map .group-swatch').count()).toBe(2);
      const { things, containers } = fitNouns();
      const all = await tokenEmbeddings(coref.model);
      const nouns = [...things, ...containers];
      const map = embeddingMap(
        nouns.map((w) => all[coref.words.indexOf(w)]),
        nouns,
        { neighbours: 5, groups: [{ name: 'a', members: things.map((_, i) => i) }, { name: 'b', members: containers.map((_, i) => things.length + i) }] },
      );
      expect(Number(await attr(page, '#embeddings-separation', 'data-ratio'))).toBeCloseTo(map.separation?.ratio ?? 0, 4);
      expect(map.separation?.ratio).toBeGreaterThan(2); // the things and the containers lie apart
      expect(await text(page, '#embeddings-separation')).toMatch(/^Yes: things that can be too big and containers lie \d+\.\d\d× further apart/);
      const trophy = nouns.indexOf('trophy');
      await page.hover(`#embeddings-map .point[data-i="${trophy}"] circle`);
      await expect.poll(() => attr(page, '#embeddings-neighbours', 'data-token')).toBe('trophy');
      expect(await page.locator('#embeddings-neighbours li').evaluateAll((items) => items.map((li) => Number((li as HTMLElement).dataset.index)))).toEqual(map.neighbours[trophy].map((n) => n.index));
      // Picked from the list (the keyboard's way), a word's lines stay drawn on the map.
      const ball = nouns.indexOf('ball');
      await page.selectOption('#embeddings-token', String(ball));
      expect(await attr(page, '#embeddings-neighbours', 'data-token')).toBe('ball');
      await expect.poll(() => page.locator(`#embeddings-map .link[data-from="${ball}"]`).first().evaluate((l) => getComputedStyle(l).opacity)).toBe('1'); // (fades in 0.1 s)
      await page.selectOption('#embeddings-model', 'shakespeare');
      await expect.poll(() => page.locator('#embeddings-map .point').count(), { timeout: 60_000 }).toBe(shakespeareVocabulary);
      expect(await page.locator('#embeddings-subset-field').isHidden()).toBe(true);
      await page.selectOption('#embeddings-model', 'coref'); // back to the nouns, for the screenshots
      await expect.poll(() => page.locator('#embeddings-map .point').count(), { timeout: 60_000 }).toBe(20);
      expect(await page.locator('#embeddings-subset-field').isVisible()).toBe(true);
      await expectNoPageScroll(page);
      expect(errors).toEqual([]);
    });

    it('Encoder-decoder: trains on dates, measures held-out exact match, translates with greedy and beam search, shows cross-attention', async () => {
      await showView(page, 'seq2seq');
      expect(await page.locator('#seq2seq-run').isDisabled()).toBe(true); // nothing to translate with yet
      await page.fill('#seq2seq-steps', '0');
      await page.press('#seq2seq-steps', 'Enter');
      expect(await text(page, '#seq2seq-steps-error')).toBe('Steps must be a whole number from 1 to 5,000, not 0.');
      await page.fill('#seq2seq-steps', desktop ? '400' : '3000');
      await page.click('#seq2seq-train');
      await expect.poll(() => page.locator('#seq2seq-stop').isEnabled()).toBe(true);
      expect(await page.locator('#seq2seq-steps').isDisabled()).toBe(true);
      if (!desktop) {
        await expect.poll(() => text(page, '#seq2seq-status'), { timeout: 60_000 }).toMatch(/step [1-9]\d* of 3000, loss/);
        await page.click('#seq2seq-stop');
      }
      await expect.poll(() => attr(page, '#seq2seq-status', 'data-steps'), { timeout: 180_000 }).not.toBe(null);
      if (desktop) {
        expect(await text(page, '#seq2seq-status')).toMatch(/^Trained for 400 steps/);
        expect(Number(await attr(page, '#seq2seq-accuracy', 'data-greedy'))).toBeGreaterThan(0.9);
      } else {
        expect(await text(page, '#seq2seq-status')).toMatch(/^Stopped\. Trained for \d+ steps/);
      }
      expect(await text(page, '#seq2seq-accuracy')).toMatch(/^Exact match on 200 held-out dates it never saw: greedy \d+\.\d% \(\d+\), beam search with 4 beams \d+\.\d% \(\d+\)\./);
      await expect.poll(() => page.locator('#seq2seq-heatmap svg, #seq2seq-heatmap p').count(), { timeout: 30_000 }).toBe(1);
      const output = JSON.parse((await attr(page, '#seq2seq-heatmap', 'data-output')) ?? '[]') as string[]; // empty when the model wrote nothing
      if (desktop) {
        expect(await text(page, '#seq2seq-greedy')).toMatch(/^2026-11-23 \(log p -\d+\.\d\d\)$/);
        expect(output.join('')).toBe('2026-11-23');
      }
      // One row per output character, one column per input character; each row sums to 1.
      const cells = await values(page, '#seq2seq-heatmap rect.cell');
      const inputLength = '23 November 2026'.length;
      expect(cells.length).toBe(output.length * inputLength);
      for (let r = 0; r < cells.length / inputLength; r++) expect(cells.slice(r * inputLength, (r + 1) * inputLength).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      await page.selectOption('#seq2seq-decoding', 'beam');
      await page.selectOption('#seq2seq-head', '1');
      // The phone's model stopped after however many steps it reached, so its beam may write nothing: then the hint says so.
      const beamWroteNothing = (await page.locator('#seq2seq-heatmap p.hint').count()) === 1;
      if (desktop || !beamWroteNothing) expect(await page.locator('#seq2seq-heatmap .title').textContent()).toBe('Decoder layer 1, head 1 (beam search)');
      else expect(await text(page, '#seq2seq-heatmap p.hint')).toBe('The model wrote nothing (it ended at once), so there is no row to show.');
      // Input it cannot read, and a bad beam width, are refused next to their fields.
      await page.fill('#seq2seq-input', '23 November 2026 🙂');
      await page.press('#seq2seq-input', 'Enter');
      await expect.poll(() => text(page, '#seq2seq-input-error')).toBe('The date model reads only digits, spaces, commas and the letters of month names; it cannot read "🙂".');
      await page.fill('#seq2seq-input', '1 May 1999');
      await page.fill('#seq2seq-beam', '0');
      await page.press('#seq2seq-input', 'Enter');
      expect(await text(page, '#seq2seq-beam-error')).toBe('Beam width must be a whole number from 1 to 16, not 0.');
      await page.fill('#seq2seq-beam', '3');
      await page.press('#seq2seq-input', 'Enter');
      await expect.poll(() => text(page, '#seq2seq-beam-label')).toBe('beam search, 3 beams');
      expect(await page.locator('#seq2seq-input-error').isHidden()).toBe(true);
      if (desktop) expect(await text(page, '#seq2seq-greedy')).toMatch(/^1999-05-01 /);
      await expectNoPageScroll(page);
      expect(errors).toEqual([]);
    });

    it('every view inside a model, light and dark: no page scroll, and a screenshot for review', async () => {
      // How it works on its most telling page: the named head's softmax over the coreference sentence.
      await showView(page, 'explain');
      await page.click('#explain-step-nav li:nth-child(5) button');
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const view of INSPECT_VIEWS) {
          await showView(page, view);
          await expectNoPageScroll(page);
          await page.evaluate(() => window.scrollTo(0, 0));
          await page.screenshot({ path: join(output, `inspect-${size.name}-${scheme}-${view}.png`), fullPage: true });
        }
      }
      await page.emulateMedia({ colorScheme: 'light' });
      expect(errors).toEqual([]);
    });
  });
}

/** The 'fit' family's nouns of the coreference language, as the worker groups them. */
function fitNouns(): { things: string[]; containers: string[] } {
  const lang = createCorefLanguage({ seed: 0 });
  const pairs = [...lang.trainPairs, ...lang.heldOutPairs].filter((p) => p.family === 'fit');
  return { things: [...new Set(pairs.map((p) => p.a))], containers: [...new Set(pairs.map((p) => p.b))] };
}
