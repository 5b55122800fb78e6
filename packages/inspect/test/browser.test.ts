// The library in a browser: test/browser/entry.ts is bundled as an app would bundle it
// (esbuild, browser platform, node:* left out) and run in headless Chromium. Its numbers
// must match the same calls in Node, which the other tests check against the forward pass.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser, type HeadlessChromium, launchChromium, type LocalServer, serveLocally } from '@attn/chromium-testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BrowserResult, run } from './browser/entry.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let server: LocalServer;
let browser: HeadlessChromium;

beforeAll(async () => {
  const bundle = bundleForBrowser(path.join(here, 'browser/entry.ts'));
  server = await serveLocally((pathname) =>
    pathname.endsWith('/entry.js') ? { body: bundle, type: 'text/javascript' } : { body: '<!doctype html><title>attn inspect</title>', type: 'text/html' },
  );
  browser = await launchChromium({ name: 'inspect' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('runs in Chromium and gives the numbers it gives in Node', async () => {
  const page = browser.page;
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.origin}/`);
  // A string, not a function: Vitest would rewrite a dynamic import() inside a function.
  const inBrowser = (await page.evaluate(`import(${JSON.stringify(`${server.origin}/entry.js`)}).then((m) => m.run())`)) as BrowserResult;
  expect(errors).toEqual([]);
  const inNode = await run();
  expect(inBrowser.next.map((t) => t.id)).toEqual(inNode.next.map((t) => t.id));
  expect(inBrowser.lensTop).toEqual(inNode.lensTop);
  const close = (a: number[], b: number[]) => {
    expect(a).toHaveLength(b.length);
    for (const [i, x] of a.entries()) expect(x).toBeCloseTo(b[i], 6);
  };
  close(inBrowser.next.map((t) => t.prob), inNode.next.map((t) => t.prob));
  close(inBrowser.heads.flatMap((h) => [h.previousToken, h.induction]), inNode.heads.flatMap((h) => [h.previousToken, h.induction]));
  close(inBrowser.weights, inNode.weights);
  close(inBrowser.output, inNode.output);
  close(inBrowser.cross, inNode.cross);
  expect(inNode.weights).toHaveLength(7);
});

it('imports nothing from node: (so bundlers need no shims)', () => {
  const src = path.join(here, '..', 'src');
  for (const file of fs.readdirSync(src)) expect(fs.readFileSync(path.join(src, file), 'utf8'), file).not.toMatch(/from ['"]node:|require\(['"]node:/);
});
