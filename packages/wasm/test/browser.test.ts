// The browser path, in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core; nothing is downloaded): a page served with COOP/COEP
// headers is cross-origin isolated, so the kernels start a Web Worker from a
// Blob URL and share memory with it (the main thread spins instead of
// Atomics.wait, which browsers forbid there); a page without those headers
// has no SharedArrayBuffer and must fall back to one thread.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser, type HeadlessChromium, launchChromium, type LocalServer, serveLocally } from '@attn/chromium-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let server: LocalServer;
let browser: HeadlessChromium;

beforeAll(async () => {
  // Bundle the kernels, and the tensor backend with @attn/tensor, the way an app's bundler would.
  const bundle = bundleForBrowser(path.join(pkg, 'src/engine.ts'));
  const backendBundle = bundleForBrowser(path.join(pkg, 'test/browser/backend-page.ts'));
  server = await serveLocally((pathname) => {
    // pages under /isolated/ are cross-origin isolated (SharedArrayBuffer, threads)
    const headers: Record<string, string> = pathname.startsWith('/isolated/')
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
      : {};
    if (pathname.endsWith('/engine.js')) return { body: bundle, type: 'text/javascript', headers };
    if (pathname.endsWith('/backend.js')) return { body: backendBundle, type: 'text/javascript', headers };
    return { body: '<!doctype html><title>attn wasm</title>', type: 'text/html', headers };
  });
  browser = await launchChromium({ name: 'wasm' });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Runs in the page: loads the bundle, runs a batched and a larger product on 2 requested threads. */
const pageScript = (url: string) => `(async () => {
  const m = await import(${JSON.stringify(url)});
  const k = await m.createWasmKernels({ threads: 2, minParallelFlops: 0 });
  // 64 copies of [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]]
  const a = new Float32Array(64 * 4);
  for (let i = 0; i < 64; i++) a.set([1, 2, 3, 4], i * 4);
  const r = k.matmul(a, [64, 2, 2], Float32Array.of(5, 6, 7, 8), [2, 2]);
  // a product big enough that both threads get row bands: every entry is 200 * 0.5 * 2
  const n = 200;
  const big = k.matmul(new Float32Array(n * n).fill(0.5), [n, n], new Float32Array(n * n).fill(2), [n, n]);
  const result = {
    isolated: globalThis.crossOriginIsolated,
    threads: k.threads,
    allMatch: Array.from(r.data).every((v, i) => v === [19, 22, 43, 50][i % 4]),
    bigAll200: big.data.every((v) => v === n),
  };
  k.dispose();
  return result;
})()`;

/** Loads the bundle in a page under `dir` and runs pageScript there. */
async function runInPage(dir: string) {
  const page = await browser.context.newPage();
  try {
    await page.goto(`${server.origin}/${dir}/index.html`);
    // A string, not a function: Vitest would rewrite a dynamic import() inside a function.
    return await page.evaluate(pageScript(`${server.origin}/${dir}/engine.js`));
  } finally {
    await page.close();
  }
}

describe('in Chromium', () => {
  it('runs on 2 threads (main thread + a Web Worker) on a cross-origin isolated page', async () => {
    expect(await runInPage('isolated')).toEqual({ isolated: true, threads: 2, allMatch: true, bigAll200: true });
  });

  it('falls back to 1 thread without cross-origin isolation', async () => {
    expect(await runInPage('plain')).toEqual({ isolated: false, threads: 1, allMatch: true, bigAll200: true });
  });

  it('trains with tensors resident in wasm memory (tidy steps) and matches the CPU backend in the page', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${server.origin}/isolated/index.html`);
      const result = (await page.evaluate(`import(${JSON.stringify(`${server.origin}/isolated/backend.js`)}).then((m) => m.run())`)) as {
        threads: number;
        residentOn: boolean;
        residentBytesAfter: number;
        lossesFall: boolean;
        maxRelDiffVsCpu: number;
      };
      expect(result.threads).toBe(2);
      expect(result.residentOn).toBe(true);
      // After 20 steps only what was made outside tidy() stays: the input (4 x 16 x 32), the weight
      // (32 x 32), and the two tensors that built it (randn and the scalar 0.1, 64 bytes), which only the
      // garbage collector frees. Every step's intermediates went back.
      expect(result.residentBytesAfter).toBe((4 * 16 * 32 + 32 * 32 + 32 * 32) * 4 + 64);
      expect(result.lossesFall).toBe(true);
      expect(result.maxRelDiffVsCpu).toBeLessThan(1e-4);
    } finally {
      await page.close();
    }
  });
});
