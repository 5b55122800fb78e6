// The Chromium half of suite `gpu`: bundles @attn/gpu's browser test entry with
// esbuild, serves it on 127.0.0.1 and times matmuls in a page (Debian's
// /usr/bin/chromium driven by playwright-core; nothing is downloaded): single
// products (upload, kernel, readback) and a resident chain of products whose
// intermediates stay WebGL textures, read back once or after every product.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser, launchChromium, serveLocally } from '@attn/chromium-testing';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface BrowserGflops {
  mode: string;
  /** GFLOP/s by n. */
  cpu: Record<number, number>;
  gpu: Record<number, number>;
  /** Resident chain: 8 chained n x n matmuls, ms per chain by n. */
  chain: Record<number, ChainTiming>;
  /** A tiny GPT's training step (forward, backward, SGD through assign), same steps on both backends. */
  gptStep: { steps: number; cpuMs: number; gpuMs: number; liveTextures: number[]; readbacksPerStep: number; uploadsPerStep: number };
}

export interface ChainTiming {
  /** The chain on the page's CPU backend. */
  cpuMs: number;
  /** On gpu.js, one readback at the end (intermediates stay textures). */
  residentMs: number;
  /** On gpu.js, dataSync() after every product (8 readbacks). */
  readEachMs: number;
  /** Readbacks per chain counted by backendInfo(), for the two gpu.js variants. */
  residentReadbacks: number;
  readEachReadbacks: number;
}

/** Products in the resident chain. */
export const CHAIN_DEPTH = 8;

/** Training steps of the tiny GPT (@attn/gpu's test/browser/train-gpt.ts: 2 layers, 16 wide, 2 x 8 tokens). */
export const GPT_STEPS = 30;

// Runs in the page. Per op: median of 5 timed products after 2 warm-ups, each on
// freshly fromArray'd inputs (upload, kernel, readback). Chain: x -> x @ w,
// CHAIN_DEPTH times, intermediates disposed as soon as used; median of 5 after 1 warm-up.
const pageScript = (url: string, sizes: number[], chainSizes: number[]) => `(async () => {
  const m = await import(${JSON.stringify(url)});
  const handle = m.registerGpuBackend({ minFlops: 0 });
  const out = { mode: handle.backendInfo().mode, cpu: {}, gpu: {}, chain: {} };
  const median = (times) => times.sort((x, y) => x - y)[times.length >> 1];
  for (const n of ${JSON.stringify(sizes)}) {
    const a = Float32Array.from({ length: n * n }, () => Math.random() - 0.5);
    const b = Float32Array.from({ length: n * n }, () => Math.random() - 0.5);
    for (const backend of ['cpu', 'gpu']) {
      m.setBackend(backend);
      const times = [];
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        const ta = m.fromArray(a, [n, n]);
        const tb = m.fromArray(b, [n, n]);
        const c = m.matmul(ta, tb);
        c.dataSync();
        if (i >= 2) times.push(performance.now() - t0);
        for (const t of [ta, tb, c]) t.dispose();
      }
      out[backend][n] = (2 * n ** 3) / (median(times) * 1e6);
    }
  }
  for (const n of ${JSON.stringify(chainSizes)}) {
    const x0 = Float32Array.from({ length: n * n }, () => Math.random() - 0.5);
    const w = Float32Array.from({ length: n * n }, () => (Math.random() - 0.5) * 2 / Math.sqrt(n));
    const chain = (readEach) => {
      const tw = m.fromArray(w, [n, n]);
      let x = m.fromArray(x0, [n, n]);
      for (let i = 0; i < ${CHAIN_DEPTH}; i++) {
        const next = m.matmul(x, tw);
        x.dispose();
        x = next;
        if (readEach) x.dataSync();
      }
      x.dataSync();
      x.dispose();
      tw.dispose();
    };
    const time = (backend, readEach) => {
      m.setBackend(backend);
      chain(readEach);
      const before = handle.backendInfo().readbacks;
      const times = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        chain(readEach);
        times.push(performance.now() - t0);
      }
      return { ms: median(times), readbacks: (handle.backendInfo().readbacks - before) / 5 };
    };
    const cpu = time('cpu', false);
    const resident = time('gpu', false);
    const readEach = time('gpu', true);
    out.chain[n] = { cpuMs: cpu.ms, residentMs: resident.ms, readEachMs: readEach.ms, residentReadbacks: resident.readbacks, readEachReadbacks: readEach.readbacks };
  }
  const before = handle.backendInfo();
  const gpt = await m.trainGpt(handle, ${GPT_STEPS});
  const after = handle.backendInfo();
  out.gptStep = {
    steps: ${GPT_STEPS},
    cpuMs: gpt.cpuMsPerStep,
    gpuMs: gpt.msPerStep,
    liveTextures: gpt.liveTextures,
    readbacksPerStep: (after.readbacks - before.readbacks) / ${GPT_STEPS},
    uploadsPerStep: (after.uploads - before.uploads) / ${GPT_STEPS},
  };
  m.setBackend('cpu');
  handle.dispose();
  return out;
})()`;

export async function chromiumMatmulGflops(sizes: number[], chainSizes: number[]): Promise<BrowserGflops> {
  const bundle = bundleForBrowser(path.join(root, 'packages/gpu/test/browser/entry.ts'));
  const server = await serveLocally((pathname) =>
    pathname.endsWith('/entry.js')
      ? { body: bundle, type: 'text/javascript' }
      : { body: '<!doctype html><title>attn gpu bench</title>', type: 'text/html' },
  );
  // The GPT run forces collections at its checkpoints to report live textures.
  const browser = await launchChromium({ name: 'gpu-bench', extraArgs: ['--js-flags=--expose-gc'] });
  try {
    const page = browser.page;
    await page.goto(`${server.origin}/index.html`);
    return (await page.evaluate(pageScript(`${server.origin}/entry.js`, sizes, chainSizes))) as BrowserGflops;
  } finally {
    await browser.close();
    await server.close();
  }
}
