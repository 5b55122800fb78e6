// The Blob reader in a real browser (Debian's headless Chromium): the Hub-layout
// fixtures are fetched into File objects, as a directory picker would hand them over,
// and read through openSafetensorsWeightsFromBlobs in small chunks. The checksums must
// equal PyTorch's (golden.json), and the bundle of the Blob reader must not pull in
// any Node module.
import fs from 'node:fs';
import path from 'node:path';
import { bundleForBrowser, type HeadlessChromium, launchChromium, type LocalServer, serveDirectory, serveLocally } from '@attn/chromium-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HUB = path.join(__dirname, 'fixtures/hub');
const golden = JSON.parse(fs.readFileSync(path.join(HUB, 'golden.json'), 'utf8'));
let bundle: Uint8Array;
let server: LocalServer;
let browser: HeadlessChromium;

beforeAll(async () => {
  bundle = bundleForBrowser(path.join(__dirname, '../src/safetensors/blob-source.ts'));
  const files = serveDirectory(HUB);
  server = await serveLocally((pathname) => {
    if (pathname === '/blob-source.js') return { body: bundle, type: 'text/javascript' };
    if (pathname === '/index.html') return { body: '<!doctype html><title>safetensors</title>', type: 'text/html' };
    return files(pathname);
  });
  browser = await launchChromium({ name: 'model-safetensors' });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** In the page: fetch a directory's files into Files, open the weights, checksum every float tensor. */
const pageScript = (origin: string, dir: string, names: string[]) => `(async () => {
  const m = await import(${JSON.stringify(`${origin}/blob-source.js`)});
  const files = new Map();
  for (const name of ${JSON.stringify(names)}) {
    const response = await fetch(${JSON.stringify(`${origin}/${dir}/`)} + name);
    files.set(name, new File([await response.blob()], name));
  }
  const source = await m.openSafetensorsWeightsFromBlobs(files, { chunkBytes: 4096 });
  const tensors = {};
  for (const info of source.tensors.values()) {
    if (/(^|\\.)attn\\.(masked_)?bias$/.test(info.name)) continue; // mask buffers, not parameters
    const data = await source.readFloat32(info.name);
    let sum = 0;
    for (const x of data) sum += x;
    tensors[info.name] = { dtype: info.dtype, sum, first: Array.from(data.subarray(0, 3)) };
  }
  await source.close();
  let error = '';
  try {
    const weights = files.get('model.safetensors') ?? files.get('model-00001-of-00002.safetensors');
    await m.openSafetensorsBlob(weights.slice(0, weights.size - 1), { name: 'cut.safetensors' });
  } catch (err) {
    error = err.name + ': ' + err.message;
  }
  return { tensors, error };
})()`;

describe('in Chromium', () => {
  it('bundles without Node modules', () => {
    expect(new TextDecoder().decode(bundle)).not.toMatch(/["']node:/);
  });

  for (const dir of ['gpt2-saved-bf16', 'gpt2-sharded-f16']) {
    it(`reads ${dir} from File objects, matching PyTorch`, async () => {
      const info = golden.directories[dir];
      const reference = golden.weights[info.weights].tensors;
      const names = fs.readdirSync(path.join(HUB, dir));
      const page = await browser.context.newPage();
      try {
        await page.goto(`${server.origin}/index.html`);
        const { tensors, error } = (await page.evaluate(pageScript(server.origin, dir, names))) as {
          tensors: Record<string, { dtype: string; sum: number; first: number[] }>;
          error: string;
        };
        expect(Object.keys(tensors).sort()).toEqual(Object.keys(reference).sort());
        for (const [name, t] of Object.entries(tensors)) {
          expect(t.dtype).toBe(info.dtype);
          expect(t.sum).toBeCloseTo(reference[name].sum, 9);
          expect(t.first).toEqual(reference[name].first);
        }
        expect(error).toMatch(/^SafetensorsError: safetensors: cut\.safetensors: .*(truncated|trailing or missing)/);
      } finally {
        await page.close();
      }
    });
  }
});
