// The trainer on a device backend that really is one: @attn/gpu on WebGL2 in headless
// Chromium (SwiftShader), where every kernel of a GPT training step runs on textures and
// the backend counts each texture read back to the host. One full trainer step (forward,
// backward, global-norm clipping, AdamW) may read back once: the losses and the norm.
import path from 'node:path';
import { bundleForBrowser, type HeadlessChromium, launchChromium, type LocalServer, serveLocally } from '@attn/chromium-testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

let server: LocalServer;
let browser: HeadlessChromium;

beforeAll(async () => {
  const bundle = bundleForBrowser(path.join(__dirname, 'browser', 'entry.ts'));
  server = await serveLocally((pathname) =>
    pathname.endsWith('/entry.js') ? { body: bundle, type: 'text/javascript' } : { body: '<!doctype html><title>attn trainer</title>', type: 'text/html' },
  );
  browser = await launchChromium({ name: 'train-gpu' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface PageResult {
  mode: string;
  resident: boolean;
  readbacksPerStep: number[];
  evalReadbacks: number;
  hostOps: number;
  losses: number[];
  gradNorms: number[];
}

it('one trainer step with clipping and AdamW reads back from the GPU once (the losses and norm)', async () => {
  const page = await browser.context.newPage();
  try {
    await page.goto(`${server.origin}/index.html`);
    // A string, not a function: Vitest would rewrite a dynamic import() inside a function.
    const result = (await page.evaluate(`(async () => {
      const m = await import(${JSON.stringify(`${server.origin}/entry.js`)});
      const handle = m.registerGpuBackend({ minFlops: 0 });
      m.setBackend(handle.backend.name);
      const ids = Int32Array.from({ length: 400 }, (_, i) => (i * 3 + (i % 5 === 0 ? 1 : 0)) % 19);
      const model = new m.GPT({ vocabSize: 19, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true }, { seed: 5 });
      const source = m.tokenWindows({ train: ids, val: ids, batchSize: 4, blockSize: 8, evalBatches: 2 });
      const trainer = new m.Trainer({ model, source, steps: 6, lr: 1e-2, gradClip: 0.5, accumulate: 2 });
      const losses = [];
      const gradNorms = [];
      const readbacksPerStep = [];
      for (let i = 0; i < 5; i++) {
        const before = handle.backendInfo().readbacks;
        const info = await trainer.step();
        readbacksPerStep.push(handle.backendInfo().readbacks - before);
        losses.push(info.loss);
        gradNorms.push(info.gradNorm);
      }
      const beforeEval = handle.backendInfo().readbacks;
      await trainer.evaluate();
      const evalReadbacks = handle.backendInfo().readbacks - beforeEval;
      const info = handle.backendInfo();
      handle.dispose();
      return { mode: info.mode, resident: info.resident, readbacksPerStep, evalReadbacks, hostOps: info.hostOps, losses, gradNorms };
    })()`)) as PageResult;
    console.log(`trainer on ${result.mode}: readbacks per step ${result.readbacksPerStep.join(' ')}, evaluation ${result.evalReadbacks}, host ops ${result.hostOps}, losses ${result.losses.map((l) => l.toFixed(3)).join(' ')}`);
    expect(result.mode).toBe('webgl2');
    expect(result.resident).toBe(true);
    for (const n of result.readbacksPerStep) expect(n).toBeLessThanOrEqual(1);
    expect(result.readbacksPerStep.at(-1)).toBe(1); // the one read: losses and norm together
    expect(result.evalReadbacks).toBeLessThanOrEqual(1);
    for (const x of [...result.losses, ...result.gradNorms]) expect(Number.isFinite(x)).toBe(true);
    expect(result.gradNorms.some((g) => g > 0.5)).toBe(true); // clipping really had work to do
  } finally {
    await page.close();
  }
}, 120_000);
