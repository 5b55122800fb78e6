// The WebGPU backend in headless Chromium: Debian's /usr/bin/chromium through
// tools/chromium with --enable-unsafe-webgpu, which exposes SwiftShader's
// WebGPU adapter (a CPU implementation) even with --disable-gpu. WebGPU needs a
// secure context, so the page is served from http://127.0.0.1. This checks
// correctness on a real WebGPU implementation, not speed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser, type HeadlessChromium, launchChromium, type LocalServer, serveLocally } from '@attn/chromium-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let server: LocalServer;
let origin: string;
let browser: HeadlessChromium;

beforeAll(async () => {
  const bundle = bundleForBrowser(path.join(pkg, 'test/browser/entry.ts'));
  server = await serveLocally((pathname) =>
    pathname.endsWith('/entry.js')
      ? { body: bundle, type: 'text/javascript' }
      : { body: '<!doctype html><title>attn webgpu</title>', type: 'text/html' },
  );
  origin = server.origin;
  browser = await launchChromium({ name: 'webgpu' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Runs `body` (an async function body with the bundle as `m`) in a fresh page and returns its result. */
async function inPage(body: string): Promise<unknown> {
  const page = await browser.context.newPage();
  try {
    await page.goto(`${origin}/index.html`);
    return await page.evaluate(`(async () => { const m = await import(${JSON.stringify(`${origin}/entry.js`)}); ${body} })()`);
  } finally {
    await page.close();
  }
}

describe('@attn/webgpu in headless Chromium (SwiftShader)', () => {
  it('passes the shared conformance suite with every kernel on the device', async () => {
    const result = (await inPage(`
      const handle = await m.registerWebGPUBackend();
      const conformance = await m.runConformance('webgpu');
      const stats = handle.stats();
      const adapter = handle.adapter;
      handle.dispose();
      return { ...conformance, stats, adapter };`)) as { passed: string[]; failed: string[]; stats: Record<string, number>; adapter: Record<string, unknown> };
    console.log(JSON.stringify(result, null, 1));
    expect(result.failed).toEqual([]);
    expect(result.passed.length).toBeGreaterThanOrEqual(13);
  }, 120_000);
});
