// "Your model" and the engine switch, end to end in headless Chromium at 1280x800 and
// 390x844: download the page's model as a checkpoint and load it back, continuing exactly
// where it stopped (the losses after the reload equal those of the uninterrupted run); load
// a checkpoint the CLI wrote (the shipped public/models/shakespeare) and continue it; load
// Hugging Face GPT-2 directories (packages/model/test/fixtures/hub, made by PyTorch) and
// check the greedy next token against PyTorch's; every bad upload gets its message next to
// the control; WebGPU (SwiftShader here) shows its adapter, trains, writes and shows
// attention. Every new state is checked for page-level horizontal scroll and screenshotted.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attentionMaps, embeddingMap, explainHead, gptHooks, headRows, type HostTensor, positionRow, readActivations, samplingView, tokenEmbeddings } from '@attn/inspect';
import { checkpointFromFiles, loadPretrained } from '@attn/model';
import { type BpeTokenizer, loadGpt2 } from '@attn/tokenizer';
import { visibleLabel } from '@attn/viz';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attr, checkView, closeSite, expectKeyboardReachable, expectNoPageScroll, openPage, output, type Page, root, showView, SIZES, startSite, text, trainedFor } from './browser';

const HUB = join(root, '../../packages/model/test/fixtures/hub');
const CLI_CHECKPOINT = join(root, 'public/models/shakespeare');
const golden = JSON.parse(readFileSync(join(HUB, 'golden.json'), 'utf8'));

beforeAll(() => startSite());
afterAll(closeSite);

/** The data-value of every match, as numbers. */
const values = (page: Page, selector: string) => page.locator(selector).evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.value)));
/** The probability of every bar of the Next token view. */
const barProbs = (page: Page) => page.locator('#sampling-bars .bar-row').evaluateAll((rows) => rows.map((r) => Number((r as SVGGElement).dataset.prob)));

function expectClose(actual: number[], expected: ArrayLike<number>, tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i] - expected[i]), `at ${i}`).toBeLessThan(tolerance);
}

/**
 * A BPE token as the page labels it: its text with spaces made visible, or its bytes in hex when it
 * is a control character or not whole UTF-8 (part of a character).
 */
function bpeLabel(tokenizer: BpeTokenizer, id: number): string {
  const bytes = tokenizer.tokenToBytes(id);
  let decoded: string | null = null;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {}
  const control = decoded !== null && Array.from(decoded).some((c) => (c < ' ' && c !== '\n' && c !== '\t') || c === '\x7f');
  if (decoded !== null && !control) return visibleLabel(decoded);
  return `<${Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')}>`;
}

/** WebAssembly in the page, TypeScript here: float32 sums in another order. */
const TOLERANCE = 2e-4;

/** Training losses the page has plotted so far. */
const lossesOf = async (page: Page) => JSON.parse((await attr(page, '#train-curve', 'data-losses')) ?? '[]') as number[];

/** A file for setInputFiles. */
const file = (name: string, bytes: Uint8Array | string) => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });

/** The files of a fixture directory, as setInputFiles takes them (for the "pick files" input). */
const filesOf = (dir: string) => readdirSync(dir).map((name) => file(name, readFileSync(join(dir, name))));

/** Opens files (or a folder) in the Your model view and waits for the result or the error. */
async function openModel(page: Page, input: '#models-folder' | '#models-files', files: string | ReturnType<typeof file>[]): Promise<void> {
  await showView(page, 'models');
  const before = Number((await attr(page, '#models-drop', 'data-attempts')) ?? 0);
  await page.setInputFiles(input, files);
  await expect.poll(async () => Number(await attr(page, '#models-drop', 'data-attempts')), { timeout: 180_000 }).toBe(before + 1);
}

/** A screenshot of the state the page is in, light and dark, after checking it has no page-level horizontal scroll. */
async function screenshot(page: Page, name: string): Promise<void> {
  await expectNoPageScroll(page);
  await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header at the top, not mid-page
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(output, `models-${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

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
    const shot = (name: string) => screenshot(page, `${size.name}-${name}`);

    it('the Your model view says what it opens, every control is labelled and reachable, and no page scroll', async () => {
      await checkView(page, 'models');
      await expectKeyboardReachable(page);
      expect(await text(page, '#models-drop')).toContain('Hugging Face GPT-2 folder');
      expect(await page.locator('#models-result').isHidden()).toBe(true);
      // nothing to save before training
      await showView(page, 'train');
      expect(await page.locator('#save-zip').isDisabled()).toBe(true);
      await showView(page, 'models');
      await shot('empty');
      expect(errors).toEqual([]);
    });

    it('refuses wrong, partial and corrupt uploads with a message naming the file and what was expected', async () => {
      const hub = filesOf(join(HUB, 'gpt2-hub'));
      const without = (name: string) => hub.filter((f) => f.name !== name);
      const cases: Array<[ReturnType<typeof file>[], string | RegExp]> = [
        [[file('notes.txt', 'hello')], 'No config.json in notes.txt (1 file: notes.txt): a checkpoint directory holds config.json, the weights'],
        [without('model.safetensors'), /^No model\.safetensors \(or model\.safetensors\.index\.json with its shards\) in the picked files: it has config\.json, /],
        [[...without('model.safetensors'), file('pytorch_model.bin', 'x')], /it has pytorch_model\.bin, PyTorch's own format; convert it in Python with GPT2LMHeadModel/],
        [[file('model.zip', 'PK this is not a zip')], /^model\.zip is not a readable zip file \(/],
        [[...without('model.safetensors'), file('model.safetensors', readFileSync(join(HUB, 'gpt2-hub/model.safetensors')).subarray(0, 5000))], /^Could not open the picked files: safetensors: model\.safetensors: /],
        [without('merges.txt').filter((f) => f.name !== 'tokenizer.json'), /^Could not open the picked files: the picked files\/merges\.txt: missing \(the picked files\/vocab\.json is there; a byte-level BPE needs both\)/],
        [[...without('config.json'), file('config.json', '{"model_type": "bert"')], /^Could not open the picked files: the picked files\/config\.json: /],
        [[...without('config.json'), file('config.json', JSON.stringify({ ...JSON.parse(readFileSync(join(HUB, 'gpt2-hub/config.json'), 'utf8')), n_embd: 64 }))], /Could not open the picked files: model\.safetensors: tensor "wte\.weight" has shape \[312, 32\], expected \[312, 64\]/],
      ];
      for (const [files, message] of cases) {
        await openModel(page, '#models-files', files);
        const shown = await text(page, '#models-open-error');
        if (typeof message === 'string') expect(shown.startsWith(message), shown).toBe(true);
        else expect(shown).toMatch(message);
        expect(await attr(page, '#models-files', 'aria-invalid')).toBe('true');
        expect(await page.locator('#models-result').isHidden()).toBe(true);
      }
      await shot('error');
      // the next success clears the error
      await openModel(page, '#models-folder', join(HUB, 'gpt2-hub'));
      expect(await page.locator('#models-open-error').isHidden()).toBe(true);
      expect(await attr(page, '#models-files', 'aria-invalid')).toBe(null);
      expect(await page.locator('#gen-model option[value="user"]').count()).toBe(1);
      // a failed open after it: the worker dropped the old model first, so the lists drop it too
      await openModel(page, '#models-files', cases[4][0]);
      expect(await page.locator('#models-open-error').isVisible()).toBe(true);
      expect(await page.locator('#gen-model option[value="user"], #explore-model option[value="user"]').count()).toBe(0);
      expect(await page.locator('#models-result').isHidden()).toBe(true);
      expect(errors).toEqual([]);
    });

    it("opens files dropped on the box (a folder's files, as a file manager hands them over)", async () => {
      await showView(page, 'models');
      const before = Number((await attr(page, '#models-drop', 'data-attempts')) ?? 0);
      const files = filesOf(join(HUB, 'gpt2-saved-bf16')).map((f) => ({ name: f.name, bytes: Array.from(f.buffer) }));
      await page.evaluate((list) => {
        const transfer = new DataTransfer();
        for (const f of list) transfer.items.add(new File([Uint8Array.from(f.bytes)], f.name));
        const zone = document.getElementById('models-drop') as HTMLElement;
        zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }, files);
      await expect.poll(async () => Number(await attr(page, '#models-drop', 'data-attempts')), { timeout: 60_000 }).toBe(before + 1);
      expect(await page.locator('#models-open-error').isHidden()).toBe(true);
      expect(await text(page, '#models-facts')).toContain('BF16');
      expect(errors).toEqual([]);
    });

    it('loads a Hugging Face GPT-2 directory (sharded, F16): its facts, its attention, and the greedy next token PyTorch predicts', async () => {
      await openModel(page, '#models-folder', join(HUB, 'gpt2-sharded-f16'));
      expect(await text(page, '#models-name')).toBe('gpt2-sharded-f16 (Hugging Face GPT-2)');
      const facts = await text(page, '#models-facts');
      expect(facts).toContain('2 layers × 4 heads, width 32');
      expect(facts).toContain('312 byte-level BPE tokens');
      expect(facts).toContain('F16');
      expect(await text(page, '#models-training')).toContain('holds no training state');
      expect(await page.locator('#models-continue').isHidden()).toBe(true);
      await shot('hub-opened');

      // attention: every layer and head of the model
      await page.click('#models-explore');
      await expect.poll(() => text(page, '#explore-status'), { timeout: 60_000 }).toMatch(/^Attention of \d+ tokens in 2 layers × 4 heads\.$/);
      await checkView(page, 'explore');
      await shot('hub-explore');

      // byte-level BPE: every text is readable; an emoji is one piece of several tokens
      await showView(page, 'models');
      await page.click('#models-generate');
      expect(await page.inputValue('#gen-model')).toBe('user');
      await page.fill('#gen-prompt', 'the cat 😀 sat');
      expect(await page.locator('#gen-prompt-preview .mark-unknown').count()).toBe(0);
      // (this small vocabulary has no token for the emoji's bytes: 4 byte tokens, shown as one piece)
      expect(await page.locator('#gen-prompt-preview .mark').allTextContents()).toEqual(['the', ' cat', ' ', '😀', ' sat']);
      expect(await text(page, '#gen-prompt-report')).toMatch(/^The model reads \d+ tokens of at most 32\.$/);

      // greedy decoding (top-k 1) of PyTorch's prompt gives PyTorch's most likely next token
      const tokenizer = loadGpt2({ encoder: readFileSync(join(HUB, 'gpt2-sharded-f16/vocab.json'), 'utf8'), merges: readFileSync(join(HUB, 'gpt2-sharded-f16/merges.txt'), 'utf8') });
      expect(tokenizer.encode(golden.prompt)).toEqual(golden.ids);
      const expectedNext = tokenizer.decode([golden.weights.f16.top10[0].id]);
      await page.fill('#gen-prompt', golden.prompt);
      await page.fill('#gen-topk', '1');
      await page.fill('#gen-max', '1');
      await page.click('#gen-start');
      await expect.poll(() => attr(page, '#gen-output', 'data-done'), { timeout: 60_000 }).toBe('maxNewTokens');
      expect(await text(page, '#gen-output')).toBe(golden.prompt + expectedNext);
      // longer: tokens stream as text (a character split over tokens is held back until whole)
      await page.fill('#gen-topk', '20');
      await page.fill('#gen-max', '40');
      await page.click('#gen-start');
      await expect.poll(() => attr(page, '#gen-output', 'data-done'), { timeout: 60_000 }).toBe('maxNewTokens');
      expect(await text(page, '#gen-status')).toBe('Wrote 40 tokens.');
      await checkView(page, 'generate');
      await shot('hub-generate');
      expect(errors).toEqual([]);
    });

    it('the opened GPT-2 (byte-level BPE) in every view inside a model: its numbers are the ones Node computes, its tokens read as text', async () => {
      // (the model of the test above, gpt2-sharded-f16, is still open)
      const { model, tokenizer } = await loadPretrained(join(HUB, 'gpt2-sharded-f16'));
      model.eval();
      const sentence = 'the cat sat on the mat';
      const ids = tokenizer.encode(sentence);
      const labels = ids.map((id) => tokenizer.decode([id]));
      expect(labels).toEqual(['the', ' cat', ' sat', ' on', ' the', ' mat']);

      // Explain: layer 1, head 2 for " mat", every step's numbers as explainHead and the forward pass give them
      await showView(page, 'explain');
      await page.selectOption('#explain-model', 'user');
      await expect.poll(() => text(page, '#explain-model-info'), { timeout: 60_000 }).toMatch(/^gpt2-sharded-f16 \(Hugging Face GPT-2\): 2 layers × 4 heads, /);
      await page.fill('#explain-text', sentence);
      await page.selectOption('#explain-layer', '1');
      await page.selectOption('#explain-head', '2');
      await expect.poll(() => text(page, '#explain-status'), { timeout: 30_000 }).toBe('Layer 1, head 2 of 2 × 4, for " mat" (token 5 of 6).');
      expect(await page.locator('#explain-query option').allTextContents()).toEqual(labels.map((l, i) => `${i}: ${l.replace(' ', '␣')}`));
      const e = await explainHead(model, ids, { layer: 1, head: 2, query: 5, labels });
      await page.click('#explain-step-nav li:nth-child(5) button');
      expectClose(await values(page, '#explain-step-body td.weight .num'), e.weights, TOLERANCE);
      await page.click('#explain-step-nav li:nth-child(6) button');
      const { values: hooked, logits } = await readActivations(model, ids, [gptHooks.z(1)]);
      expectClose(await values(page, '#explain-step-body [data-kind="vectors"]:nth-child(2) .num'), headRows(hooked.get(gptHooks.z(1)) as HostTensor, 2)[5], TOLERANCE);
      await checkView(page, 'explain');
      await shot('hub-explain');

      // Next token: the bars are samplingView of the model's last logits; labels are the tokens' text
      await showView(page, 'sampling');
      await page.selectOption('#sampling-model', 'user');
      await page.fill('#sampling-prompt', sentence);
      await page.dispatchEvent('#sampling-prompt', 'input');
      const expected = samplingView(positionRow(logits, 5), { temperature: 1, topK: 312, topP: 1 }, { show: 12 });
      await expect.poll(() => barProbs(page), { timeout: 60_000 }).toHaveLength(12);
      await expect.poll(async () => Math.abs((await barProbs(page))[0] - expected.tokens[0].prob) < 1e-4, { timeout: 30_000 }).toBe(true);
      expectClose(await barProbs(page), expected.tokens.map((t) => t.prob), 1e-4);
      expect(await page.locator('#sampling-bars .bar-row .token-label').allTextContents()).toEqual(expected.tokens.map((t) => bpeLabel(tokenizer as BpeTokenizer, t.id)));
      expect((await page.locator('#sampling-bars .bar-row .token-label').allTextContents()).join('')).not.toContain('\uFFFD');
      await page.fill('#sampling-max', '5');
      await page.click('#sampling-start');
      await expect.poll(() => attr(page, '#sampling-output', 'data-done'), { timeout: 60_000 }).toBe('maxNewTokens');
      expect(await page.locator('#sampling-output .out-token').count()).toBe(5);
      await checkView(page, 'sampling');
      await shot('hub-sampling');

      // Attention: the heatmap of layer 1, head 3 is attentionMaps'; the token buttons show spaces as ␣, never Ġ
      await showView(page, 'explore');
      await page.selectOption('#explore-model', 'user');
      await page.fill('#explore-input', sentence);
      await page.click('#explore-run');
      // (the grid of the Your model test's run is up until this one's result replaces it)
      await expect.poll(() => text(page, '#explore-status'), { timeout: 60_000 }).toBe('Attention of 6 tokens in 2 layers × 4 heads.');
      expect(await page.locator('#explore-grid .cell').count()).toBe(8);
      await page.click('#model-view-1-3');
      const maps = await attentionMaps(model, ids);
      expectClose(await values(page, '#explore-heatmap rect.cell'), maps[1][3].flat(), TOLERANCE);
      expect(await page.locator('#explore-tokens button').allTextContents()).toEqual(['the', '␣cat', '␣sat', '␣on', '␣the', '␣mat']);

      // Embeddings: 312 tokens are too many to map at once; the text's 6 distinct tokens and the 5 nearest of each in the
      // whole vocabulary are mapped instead (nearestTokens in the page; here every pair, by embeddingMap over all 312)
      await showView(page, 'embeddings');
      await page.selectOption('#embeddings-model', 'user');
      await expect.poll(() => page.locator('#embeddings-text-field').isVisible(), { timeout: 60_000 }).toBe(true);
      expect(await page.locator('#embeddings-subset-field').isHidden()).toBe(true);
      // (it maps its example sentence first)
      await expect.poll(() => text(page, '#embeddings-status'), { timeout: 60_000 }).toMatch(/^The \d+ distinct tokens of the text/);
      await page.fill('#embeddings-text', sentence);
      await page.press('#embeddings-text', 'Enter');
      await expect.poll(() => text(page, '#embeddings-status'), { timeout: 60_000 }).toMatch(/^The 6 distinct tokens of the text \(the first 12\) and their 5 nearest in all 312: \d+ token embeddings of your model, projected to 2-D\.$/);
      const everyPair = embeddingMap(await tokenEmbeddings(model), Array.from({ length: 312 }, (_, id) => String(id)), { neighbours: 5 });
      const bpe = tokenizer as BpeTokenizer;
      const distinct = [...new Set(ids)];
      const expectedPoints = [...distinct];
      for (const id of distinct) for (const n of everyPair.neighbours[id]) if (!expectedPoints.includes(n.index)) expectedPoints.push(n.index);
      expect(await page.locator('#embeddings-token option').allTextContents()).toEqual(expectedPoints.map((id) => bpeLabel(bpe, id)));
      expect(await page.locator('#embeddings-map .point').count()).toBe(expectedPoints.length);
      for (const [i, id] of distinct.entries()) {
        await page.selectOption('#embeddings-token', String(i));
        const listed = await page.locator('#embeddings-neighbours li').allTextContents();
        expect(listed).toEqual(everyPair.neighbours[id].map((n) => `${bpeLabel(bpe, n.index)} (similarity ${n.similarity.toFixed(2)})`));
      }
      expect(await text(page, '#embeddings-neighbours')).not.toContain('Ġ');
      await checkView(page, 'embeddings');
      await shot('hub-embeddings');
      expect(errors).toEqual([]);
    });

    it('the CLI\'s checkpoint opened as your model: the next-token bars are the ones Node computes', async () => {
      await openModel(page, '#models-folder', CLI_CHECKPOINT);
      const { model, tokenizer } = await loadPretrained(CLI_CHECKPOINT);
      model.eval();
      const prompt = 'ROMEO: I';
      const ids = tokenizer.encode(prompt);
      const { logits } = await readActivations(model, ids, []);
      const expected = samplingView(positionRow(logits, ids.length - 1), { temperature: 1, topK: tokenizer.vocabSize, topP: 1 }, { show: 12 });
      await showView(page, 'sampling');
      await page.selectOption('#sampling-model', 'user');
      await expect.poll(() => text(page, '#sampling-model-info'), { timeout: 60_000 }).toMatch(/^shakespeare \(attn checkpoint\): 2 layers/);
      await page.fill('#sampling-prompt', prompt);
      await page.dispatchEvent('#sampling-prompt', 'input');
      await expect.poll(async () => Math.abs(((await barProbs(page))[0] ?? 0) - expected.tokens[0].prob) < 1e-4, { timeout: 60_000 }).toBe(true);
      expectClose(await barProbs(page), expected.tokens.map((t) => t.prob), 1e-4);
      expect(errors).toEqual([]);
    });

    it('loads the checkpoint the CLI wrote (public/models/shakespeare), writes with it, and continues its training on the bundled text', async () => {
      await openModel(page, '#models-folder', CLI_CHECKPOINT);
      expect(await text(page, '#models-name')).toBe('shakespeare (attn checkpoint)');
      expect(await text(page, '#models-training')).toMatch(/^Trained for 300 steps on shakespeare, last training loss \d\.\d{3}, validation loss \d\.\d{3}\.$/);
      await page.click('#models-generate');
      await page.fill('#gen-prompt', 'ROMEO:');
      await page.fill('#gen-topk', '20');
      await page.fill('#gen-max', '30');
      await page.click('#gen-start');
      await expect.poll(() => attr(page, '#gen-output', 'data-done'), { timeout: 60_000 }).toBe('maxNewTokens');
      expect(Array.from(await text(page, '#gen-output'))).toHaveLength('ROMEO:'.length + 30);

      await showView(page, 'models');
      await page.click('#models-continue');
      await expect.poll(() => page.locator('#view-train').isVisible(), { timeout: 60_000 }).toBe(true);
      expect(await text(page, '#train-status')).toMatch(/^Continued from shakespeare: trained for 300 steps on Shakespeare; validation loss \d\.\d{3}\. Press Continue to train more\.$/);
      expect(await text(page, '#train-start')).toBe('Continue');
      expect(await page.inputValue('#train-config')).toBe('checkpoint:Shakespeare');
      expect(await lossesOf(page)).toHaveLength(300); // the CLI's loss history
      await page.fill('#train-steps', '5');
      await page.click('#train-start');
      await trainedFor(page, 305);
      const losses = await lossesOf(page);
      expect(losses).toHaveLength(305);
      // it continued from trained weights: the new losses are near the old ones, far below an untrained model's ln(74) = 4.3
      for (const loss of losses.slice(300)) expect(loss).toBeLessThan(losses[0] - 1);
      await checkView(page, 'train');
      await shot('cli-continued');
      expect(errors).toEqual([]);
    });

    it('downloads the page model as a checkpoint zip, loads it back and continues exactly where it stopped', async () => {
      await showView(page, 'train');
      await page.check('input[name="corpus"][value="emma"]');
      await page.selectOption('#train-config', 'tiny');
      await page.fill('#train-steps', '20');
      await page.click('#train-start');
      await trainedFor(page, 20);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-zip')]);
      expect(download.suggestedFilename()).toBe('attn-emma-step-20.zip');
      await expect.poll(() => attr(page, '#save-status', 'data-steps')).toBe('20');
      const zipPath = join(output, `${size.name}-emma-step-20.zip`);
      await download.saveAs(zipPath);
      const entries = unzipSync(readFileSync(zipPath));
      expect(Object.keys(entries).sort()).toEqual(
        ['config.json', 'model.safetensors', 'attn-tokenizer.json', 'training-state.safetensors'].map((f) => `attn-emma-step-20/${f}`).sort(),
      );
      expect(JSON.parse(new TextDecoder().decode(entries['attn-emma-step-20/config.json'])).attn.tokenizer).toBe('char');
      expect(await page.locator('#save-files a').allTextContents()).toEqual(['attn-emma-step-20.zip', 'config.json', 'model.safetensors', 'attn-tokenizer.json', 'training-state.safetensors']);
      await checkView(page, 'train');
      await shot('saved');

      // the uninterrupted run: 10 more steps
      await page.fill('#train-steps', '10');
      await page.click('#train-start');
      await trainedFor(page, 30);
      // (the step count can show before the curve has drawn the last batch of losses)
      await expect.poll(async () => (await lossesOf(page)).length).toBe(30);
      const uninterrupted = await lossesOf(page);

      // load the zip back and continue from step 20: the same 10 steps, to the bit
      await openModel(page, '#models-files', [file('attn-emma-step-20.zip', readFileSync(zipPath))]);
      expect(await text(page, '#models-training')).toMatch(/^Trained for 20 steps on emma, last training loss/);
      await page.click('#models-continue');
      await expect.poll(() => text(page, '#train-status'), { timeout: 60_000 }).toMatch(/^Continued from attn-emma-step-20: trained for 20 steps on Austen's Emma/);
      expect(await lossesOf(page)).toEqual(uninterrupted.slice(0, 20));
      await page.click('#train-start');
      await trainedFor(page, 30);
      await expect.poll(async () => (await lossesOf(page)).length).toBe(30);
      expect(await lossesOf(page)).toEqual(uninterrupted);
      expect(errors).toEqual([]);
    });

    it("the page's model in every view inside a model: its numbers are the ones Node computes from its saved checkpoint", async () => {
      // (the Emma model of the test above, 30 steps) saved, and read here the way the CLI reads a checkpoint
      await showView(page, 'train');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-zip')]);
      const unzipped = unzipSync(readFileSync(await download.path()));
      const files = new Map(Object.entries(unzipped).map(([path, bytes]) => [path.replace(/^.*\//, ''), bytes] as const));
      const { model, tokenizer } = checkpointFromFiles(files, { source: 'page' });
      model.eval();
      const sentence = 'Emma was handsome';
      const ids = tokenizer.encode(sentence);
      const { values: hooked, logits } = await readActivations(model, ids, [gptHooks.z(1)]);

      await showView(page, 'explain');
      await page.selectOption('#explain-model', 'page');
      await expect.poll(() => text(page, '#explain-model-info'), { timeout: 60_000 }).toMatch(/^Trained in this page on Austen's Emma for 30 steps/);
      await page.fill('#explain-text', sentence);
      await page.selectOption('#explain-layer', '1');
      await page.selectOption('#explain-head', '1');
      await expect.poll(() => text(page, '#explain-status'), { timeout: 30_000 }).toBe(`Layer 1, head 1 of 2 × 2, for "e" (token ${ids.length - 1} of ${ids.length}).`);
      const e = await explainHead(model, ids, { layer: 1, head: 1, query: ids.length - 1 });
      await page.click('#explain-step-nav li:nth-child(5) button');
      expectClose(await values(page, '#explain-step-body td.weight .num'), e.weights, TOLERANCE);
      await page.click('#explain-step-nav li:nth-child(6) button');
      expectClose(await values(page, '#explain-step-body [data-kind="vectors"]:nth-child(2) .num'), headRows(hooked.get(gptHooks.z(1)) as HostTensor, 1)[ids.length - 1], TOLERANCE);
      // a space token is named ␣, not left blank
      expect(await page.locator('#explain-step-body th').allTextContents()).toContain('␣ (4)');

      await showView(page, 'sampling');
      await page.selectOption('#sampling-model', 'page');
      await page.fill('#sampling-prompt', sentence);
      await page.dispatchEvent('#sampling-prompt', 'input');
      const expected = samplingView(positionRow(logits, ids.length - 1), { temperature: 1, topK: tokenizer.vocabSize, topP: 1 }, { show: 12 });
      await expect.poll(async () => Math.abs(((await barProbs(page))[0] ?? 0) - expected.tokens[0].prob) < 1e-4, { timeout: 60_000 }).toBe(true);
      expectClose(await barProbs(page), expected.tokens.map((t) => t.prob), 1e-4);

      await showView(page, 'embeddings');
      await page.selectOption('#embeddings-model', 'page');
      await expect.poll(() => page.locator('#embeddings-map .point').count(), { timeout: 60_000 }).toBe(tokenizer.vocabSize);
      const chars = Array.from({ length: tokenizer.vocabSize }, (_, id) => tokenizer.decode([id]));
      const map = embeddingMap(await tokenEmbeddings(model), chars, { neighbours: 5 });
      const a = chars.indexOf('a');
      await page.selectOption('#embeddings-token', String(a));
      expect(await page.locator('#embeddings-neighbours li').evaluateAll((items) => items.map((li) => Number((li as HTMLElement).dataset.index)))).toEqual(map.neighbours[a].map((n) => n.index));
      await checkView(page, 'embeddings');
      await shot('page-embeddings');
      expect(errors).toEqual([]);
    });

    it('a checkpoint of your own text asks for that text, refuses another one, and continues on the same one', async () => {
      const story = Array.from({ length: 40 }, (_, i) => `The fox ${i % 2 ? 'ran' : 'sat'} by the river and the owl watched it. `).join('\n');
      await showView(page, 'train');
      await page.check('input[name="corpus"][value="own"]');
      await page.setInputFiles('#own-file', { name: 'story.txt', mimeType: 'text/plain', buffer: Buffer.from(story, 'utf8') });
      await expect.poll(() => page.inputValue('#own-paste')).toBe(story);
      await page.selectOption('#train-config', 'tiny');
      await page.fill('#train-steps', '15');
      await page.click('#train-start');
      await trainedFor(page, 15);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-zip')]);
      expect(download.suggestedFilename()).toBe('attn-story-step-15.zip');
      const zip = readFileSync(await download.path());
      await openModel(page, '#models-files', [file('attn-story-step-15.zip', zip)]);
      await page.click('#models-continue');
      await expect.poll(() => text(page, '#models-text-hint')).toBe(
        `It learned from story.txt (${story.length.toLocaleString('en')} characters), which this page does not have. Give it the same text, then press Continue training again.`,
      );
      const learnedFrom = `This is not the text attn-story-step-15 learned from (story.txt, ${story.length.toLocaleString('en')} characters)`;
      await page.fill('#models-text-paste', story.replace('owl', 'quiz'));
      await page.click('#models-continue');
      await expect.poll(() => text(page, '#models-continue-error'), { timeout: 60_000 }).toBe(`${learnedFrom}: it has characters the model has never seen ("q", "u", "z").`);
      await page.fill('#models-text-paste', `${story}\nthe fox.`);
      await page.click('#models-continue');
      await expect.poll(() => text(page, '#models-continue-error'), { timeout: 60_000 }).toBe(`${learnedFrom}: it has ${(story.length + 9).toLocaleString('en')} characters.`);
      await page.fill('#models-text-paste', story.replace('owl', 'fox'));
      await page.click('#models-continue');
      await expect.poll(() => text(page, '#models-continue-error'), { timeout: 60_000 }).toBe(`${learnedFrom}: the length matches but the characters differ.`);
      await checkView(page, 'models');
      await shot('wrong-text');
      await page.setInputFiles('#models-text-file', { name: 'story.txt', mimeType: 'text/plain', buffer: Buffer.from(story, 'utf8') });
      await page.click('#models-continue');
      await expect.poll(() => text(page, '#train-status'), { timeout: 60_000 }).toMatch(/^Continued from attn-story-step-15: trained for 15 steps on story\.txt/);
      expect(await page.inputValue('#own-paste')).toBe(story);
      await page.fill('#train-steps', '5');
      await page.click('#train-start');
      await trainedFor(page, 20);
      expect(errors).toEqual([]);
    });

    it('WebGPU: the switch shows the adapter, and a model trains, writes and shows its attention on it', async () => {
      await showView(page, 'train');
      // SwiftShader in headless Chromium, named once the worker has asked the browser
      await expect.poll(() => text(page, '#engine-webgpu-adapter'), { timeout: 30_000 }).toMatch(/^WebGPU adapter: .*swiftshader \(CPU emulation, not a GPU\)\.$/);
      const adapter = await text(page, '#engine-webgpu-adapter');
      await page.check('input[name="engine"][value="webgpu"]');
      await expect.poll(() => attr(page, '#engine-badge', 'data-engine'), { timeout: 60_000 }).toBe('webgpu');
      expect(await text(page, '#engine-badge')).toBe(`Engine: WebGPU · ${adapter.replace(/^WebGPU adapter: /, '').replace(/\.$/, '')}`);
      expect(await text(page, '#engine-note')).toContain('A software adapter computes on the CPU, so WebGPU is slower than WebAssembly here.');
      await page.check('input[name="corpus"][value="shakespeare"]');
      await page.selectOption('#train-config', 'tiny');
      await page.fill('#train-steps', '6');
      await page.click('#train-start'); // a new model, made and trained on WebGPU
      await trainedFor(page, 6);
      const losses = await lossesOf(page);
      for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
      expect(losses[0]).toBeGreaterThan(3.5);
      expect(losses.at(-1)).toBeLessThan(losses[0]);
      await checkView(page, 'train');
      await shot('webgpu');

      // generation and attention read the GPU asynchronously
      await showView(page, 'generate');
      await page.selectOption('#gen-model', 'page');
      await page.fill('#gen-prompt', 'The ');
      await page.fill('#gen-max', '12');
      await page.click('#gen-start');
      await expect.poll(() => attr(page, '#gen-output', 'data-done'), { timeout: 60_000 }).toBe('maxNewTokens');
      expect(Array.from(await text(page, '#gen-output'))).toHaveLength(4 + 12);
      await showView(page, 'explore');
      await page.selectOption('#explore-model', 'page');
      await page.click('#explore-run');
      await expect.poll(() => text(page, '#explore-status'), { timeout: 60_000 }).toMatch(/in 2 layers × 2 heads\.$/);

      // saving reads the weights back from the GPU; back on WebAssembly the weights carry over
      await showView(page, 'train');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-zip')]);
      expect(download.suggestedFilename()).toBe('attn-shakespeare-step-6.zip');
      await page.check('input[name="engine"][value="wasm"]');
      await expect.poll(() => attr(page, '#engine-badge', 'data-engine'), { timeout: 60_000 }).toBe('wasm');
      await page.fill('#train-steps', '4');
      await page.click('#train-start');
      await trainedFor(page, 10);
      for (const loss of (await lossesOf(page)).slice(6)) expect(loss).toBeLessThan(losses[0]);
      expect(errors).toEqual([]);
    });

    it('every new state, light and dark: no page scroll, and a screenshot for review', async () => {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const view of ['models', 'train', 'generate', 'explore']) {
          await checkView(page, view);
          await page.evaluate(() => window.scrollTo(0, 0));
          await page.screenshot({ path: join(output, `models-${size.name}-${scheme}-${view}.png`), fullPage: true });
        }
      }
      await page.emulateMedia({ colorScheme: 'light' });
      expect(errors).toEqual([]);
    });
  });
}
