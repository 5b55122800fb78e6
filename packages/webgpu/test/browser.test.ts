// The WebGPU backend in headless Chromium: Debian's /usr/bin/chromium through
// tools/chromium with --enable-unsafe-webgpu, which exposes SwiftShader's
// WebGPU adapter (a CPU implementation) even with --disable-gpu. WebGPU needs a
// secure context, so the page is served from http://127.0.0.1. This checks
// correctness on a real WebGPU implementation, not speed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser, type HeadlessChromium, launchChromium, type LocalServer, serveLocally } from '@attn/chromium-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttentionMemory } from './browser/attention.js';
import type { GptComparison } from './browser/gpt.js';
import type { TrainRun } from './browser/train.js';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A module worker: registers the backend off the main thread (as the demo does), multiplies, reports the adapter. */
const WORKER = `
import * as m from './entry.js';
try {
  const probe = await m.probeWebGPU();
  const handle = await m.registerWebGPUBackend();
  const t = m.tensor;
  const a = t.fromArray([1, 2, 3, 4], [2, 2]);
  const values = Array.from(await t.matmul(a, a).data());
  postMessage({ label: handle.adapter.label, architecture: handle.adapter.architecture, software: handle.adapter.software, matmul: handle.matmul, probe: probe && probe.label, values });
  handle.dispose();
} catch (err) {
  postMessage({ error: String(err) });
}
`;

/** The README example, bundled by its test. */
let exampleBundle: Uint8Array | null = null;

let server: LocalServer;
let origin: string;
let browser: HeadlessChromium;

beforeAll(async () => {
  const bundle = bundleForBrowser(path.join(pkg, 'test/browser/entry.ts'));
  server = await serveLocally((pathname) =>
    pathname.endsWith('/entry.js')
      ? { body: bundle, type: 'text/javascript' }
      : pathname.endsWith('/worker.js')
        ? { body: WORKER, type: 'text/javascript' }
        : pathname.endsWith('/example.js') && exampleBundle
          ? { body: exampleBundle, type: 'text/javascript' }
          : { body: '<!doctype html><title>attn webgpu</title>', type: 'text/html' },
  );
  origin = server.origin;
  // --expose-gc: one test forces collections to see the FinalizationRegistry return dropped tensors' buffers
  browser = await launchChromium({ name: 'webgpu', extraArgs: ['--js-flags=--expose-gc'] });
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
  // Each strategy for matmul and fused attention together: 'direct' is the default on SwiftShader, 'tiled' on a GPU.
  // One page per strategy: a page gets a new device, and SwiftShader takes 1-3 s to compile each pipeline.
  for (const matmul of ['direct', 'tiled'] as const) {
    it(`passes the shared conformance suite and the edge cases below with every kernel on the device (${matmul} matmul and attention)`, async () => {
      const result = (await inPage(`
        const handle = await m.registerWebGPUBackend({ matmul: '${matmul}', attention: '${matmul}' });
        const conformance = await m.runConformance('webgpu');
        const kernels = await m.kernelEdgeCases('webgpu');
        const attention = await m.attentionEdgeCases('webgpu');
        const pipelines = handle.pipelineKeys();
        handle.dispose();
        return { conformance, kernels, attention, pipelines };`)) as {
        conformance: { passed: string[]; failed: string[] };
        kernels: { errors: Record<string, number>; edges: Record<string, number[]> };
        attention: Record<string, number>;
        pipelines: string[];
      };
      expect(result.conformance.failed).toEqual([]);
      expect(result.conformance.passed.length).toBeGreaterThanOrEqual(13);

      // Cases the suite does not reach: long rows, huge grids, large matmul tiles, edge values.
      const { errors, edges } = result.kernels;
      for (const [name, err] of Object.entries(errors)) expect(err, name).toBeLessThan(name.startsWith('matmul') || name.startsWith('sum') ? 1e-4 : 2e-5);
      expect(Object.keys(errors)).toHaveLength(16);
      expect(edges).toEqual({
        'pow(x, -2) of [-2, 0.5]': [0.25, 4],
        'pow(x, 1.5) of [-1, 0, 4]': [Number.NaN, 0, 8],
        'max of an all -inf row': [Number.NEGATIVE_INFINITY],
        'argmax with ties (first wins)': [1],
      });

      // Fused attention with wide heads: out and lse against float64 loops, gradients against CPU float64 autograd of the materialised path.
      expect(Object.keys(result.attention)).toHaveLength(15);
      for (const [name, err] of Object.entries(result.attention)) expect(err, name).toBeLessThan(2e-5);
      console.log(`fused attention (${matmul}), worst relative error: ${Math.max(...Object.values(result.attention)).toExponential(1)}`);

      // Every matmul size class, and the attention column classes 16 (the suite), 32 (Dv = 24) and 64 (D = 40, 80, 70; two chunks from 80 and 70).
      const classes = matmul === 'tiled' ? ['large', 'small'] : ['large', 'medium', 'small'];
      expect(result.pipelines).toEqual(
        expect.arrayContaining([
          ...classes.map((c) => `MatMul:${matmul}:${c}`),
          ...[16, 32, 64].map((c) => `FusedAttention:${matmul}:c${c}`),
          ...[16, 64].flatMap((c) => [`FusedAttentionGrad:dq:${matmul}:c${c}`, `FusedAttentionGrad:dkdv:${matmul}:c${c}`]),
        ]),
      );
    }, 240_000);
  }

  it('runs a small GPT forward and backward within 1e-3 of the CPU backend: fused attention with and without biases, and materialised', async () => {
    const result = (await inPage(`
      const handle = await m.registerWebGPUBackend();
      const withBias = await m.gptForwardBackward('webgpu', true);
      const noBias = await m.gptForwardBackward('webgpu', false);
      const fusedPipelines = handle.pipelineKeys();
      const materialised = await m.gptForwardBackward('webgpu', true, 'materialised');
      const pipelines = handle.pipelineKeys();
      handle.dispose();
      return { withBias, noBias, materialised, fusedPipelines, pipelines };`)) as {
      withBias: GptComparison;
      noBias: GptComparison;
      materialised: GptComparison;
      fusedPipelines: string[];
      pipelines: string[];
    };
    for (const [what, r] of Object.entries({ 'fused, biases': result.withBias, 'fused, no biases': result.noBias, materialised: result.materialised })) {
      console.log(`GPT fwd+bwd on WebGPU (${what}): loss ${r.loss}, logits ${r.logitErr}, loss ${r.lossErr}, worst gradient ${r.gradErr} (${r.worstGrad})`);
      expect(r.logitCount).toBe(2 * 8 * 19);
      expect(r.logitErr).toBeLessThan(1e-3);
      expect(r.lossErr).toBeLessThan(1e-3);
      expect(r.gradErr).toBeLessThan(1e-3);
      expect(r.loss).toBeGreaterThan(2); // about ln 19 at initialisation: a real loss, not zeros
    }
    expect(result.withBias.gradCount).toBeGreaterThan(result.noBias.gradCount);
    // Both LayerNorm variants ran on the device, and attention ran fused (no softmax over the scores) ...
    expect(result.fusedPipelines).toEqual(
      expect.arrayContaining(['LayerNorm:wb:1', 'LayerNorm:w:1', 'CrossEntropyGrad:1', 'ScatterAdd', 'Gather', 'FusedAttention:direct:c16']),
    );
    expect(result.fusedPipelines).toEqual(expect.arrayContaining(['FusedAttentionGrad:dq:direct:c16', 'FusedAttentionGrad:dkdv:direct:c16']));
    expect(result.fusedPipelines.filter((key) => key.startsWith('Softmax'))).toEqual([]);
    // ... until the weights were asked for.
    expect(result.pipelines.filter((key) => key.startsWith('Softmax'))).not.toEqual([]);
  }, 120_000);

  it('keeps no (T, T) matrix at T = 512: the pool holds O(T) bytes above the inputs during a fused forward and backward', async () => {
    const result = (await inPage(`
      const handle = await m.registerWebGPUBackend();
      const r = await m.attentionMemory('webgpu', handle, 2, 512, 16);
      handle.dispose();
      return r;`)) as AttentionMemory;
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
    console.log(
      `causal attention (1, 2, 512, 16), forward + backward: most bytes alive above the inputs ${kib(result.fusedPeakBytes)} fused, ` +
        `${kib(result.materialisedPeakBytes)} materialised; one head's (T, T) scores ${kib(result.oneHeadScoresBytes)}`,
    );
    // Fused: out, lse, dq, dk, dv and D (each O(T) per head), well under one (T, T) matrix of one head.
    expect(result.fusedPeakBytes).toBeLessThan(result.oneHeadScoresBytes / 2);
    // The measure sees (T, T) matrices where there are some: the materialised path keeps several of all heads'.
    expect(result.materialisedPeakBytes).toBeGreaterThan(2 * result.allHeadsScoresBytes);
    // And both compute the same attention.
    expect(result.outErr).toBeLessThan(1e-5);
    expect(result.gradErr).toBeLessThan(1e-4);
  }, 60_000);

  it('compiles pipelines per kernel and size class, not per shape: new batch sizes and lengths compile nothing', async () => {
    const result = (await inPage(`
      const handle = await m.registerWebGPUBackend();
      const r = await m.compilesPerShape('webgpu', () => handle.stats().pipelineCompiles);
      handle.dispose();
      return r;`)) as { first: number; more: number };
    expect(result.first).toBeGreaterThan(15);
    expect(result.more).toBe(0);
  }, 60_000);

  it('trains a GPT 1,000 steps with AdamW in tidy(), one await per step, live buffers flat, matching the CPU backend', async () => {
    const steps = 1000;
    const checkpoints = [1, 100, 500, steps];
    const result = (await inPage(`
      const handle = await m.registerWebGPUBackend();
      const cpu = await m.trainGpt('cpu', ${steps}, ${JSON.stringify(checkpoints)}, null);
      const gpu = await m.trainGpt('webgpu', ${steps}, ${JSON.stringify(checkpoints)}, handle);
      const stats = handle.stats();
      handle.dispose();
      return { cpu, gpu, stats };`)) as { cpu: TrainRun; gpu: TrainRun; stats: Record<string, number> };
    const { cpu, gpu } = result;
    console.log(
      `1,000 GPT steps on WebGPU: loss ${gpu.losses.map((l) => l.toFixed(5)).join(' -> ')} (cpu ${cpu.losses.map((l) => l.toFixed(5)).join(' -> ')}), ` +
        `live buffers at steps ${checkpoints.join('/')}: ${gpu.liveBuffers.join('/')}, created ${gpu.buffersCreated.join('/')}, ` +
        `pipelines compiled ${gpu.pipelineCompiles.join('/')}, ${gpu.readbacks} read-backs, ${(gpu.uploads / steps).toFixed(1)} uploads per step, ` +
        `${(gpu.ms / steps).toFixed(1)} ms per step (cpu ${(cpu.ms / steps).toFixed(1)})`,
    );
    // One read-back per step: the awaited loss. Anything else that read synchronously would have thrown.
    expect(gpu.readbacks).toBe(steps);
    // tidy() frees each step's intermediates: the same buffers live after every step, and the pool serves every request.
    expect(new Set(gpu.liveBuffers).size).toBe(1);
    expect(new Set(gpu.buffersCreated).size).toBe(1);
    expect(new Set(gpu.pipelineCompiles).size).toBe(1);
    // The same training as on the CPU (float32 both, summation orders differ).
    gpu.losses.forEach((loss, i) => {
      expect(Math.abs(loss - cpu.losses[i]), `loss at step ${checkpoints[i]}: webgpu ${loss}, cpu ${cpu.losses[i]}`).toBeLessThan(i < 2 ? 1e-3 : 1e-2);
    });
    expect(gpu.losses[3]).toBeLessThan(gpu.losses[0] / 10);
  }, 300_000);

  it('generates greedily with one await per token, the same tokens as the CPU backend', async () => {
    const result = (await inPage(`
      const handle = await m.registerWebGPUBackend();
      const cpu = await m.greedyTokens('cpu', [1, 10, 16], 12);
      const gpu = await m.greedyTokens('webgpu', [1, 10, 16], 12);
      const readbacks = handle.stats().readbacks;
      handle.dispose();
      return { cpu, gpu, readbacks };`)) as { cpu: number[]; gpu: number[]; readbacks: number };
    expect(result.gpu).toEqual(result.cpu);
    expect(result.gpu).toHaveLength(12);
    expect(result.readbacks).toBe(12);
  }, 120_000);

  it('returns the buffers of tensors dropped without dispose() once they are garbage collected', async () => {
    const result = (await inPage(`
      const handle = await m.registerWebGPUBackend();
      const t = m.tensor;
      const x = t.fromArray([1, 2, 3, 4], [4]);
      const before = handle.stats().liveBuffers;
      (() => { for (let i = 0; i < 50; i++) t.exp(t.mul(x, i)); })(); // 100 intermediates, none disposed
      const dropped = handle.stats().liveBuffers;
      for (let i = 0; i < 5; i++) { gc(); await new Promise((r) => setTimeout(r, 20)); }
      const collected = handle.stats().liveBuffers;
      handle.dispose();
      return { before, dropped, collected };`)) as { before: number; dropped: number; collected: number };
    expect(result.dropped).toBeGreaterThanOrEqual(result.before + 100);
    expect(result.collected).toBeLessThanOrEqual(result.before + 2);
  }, 60_000);

  it('refuses synchronous reads and CPU fallbacks with errors that say what to do', async () => {
    const result = (await inPage(`
      const handle = await m.registerWebGPUBackend();
      const t = m.tensor;
      const x = t.fromArray([1, 2, 3], [3]);
      const message = (fn) => { try { fn(); return 'no error'; } catch (err) { return err.name + ': ' + err.message; } };
      const out = {
        dataSync: message(() => x.dataSync()),
        itemSync: message(() => t.sum(x).itemSync()),
        toArray: message(() => x.toArray()),
        float64: message(() => x.cast('float64')),
        twice: await m.registerWebGPUBackend().then(() => 'no error', (err) => err.name + ': ' + err.message),
        item: await t.sum(x).item(),
        array: await t.fromArray([1, 2, 3, 4], [2, 2]).array(),
      };
      const y = t.exp(x);
      y.dispose();
      out.afterDispose = await y.data().then(() => 'no error', (err) => err.message);
      handle.dispose();
      out.afterBackendDispose = await x.data().then(() => 'no error', (err) => err.name + ': ' + err.message);
      return out;`)) as Record<string, unknown>;
    expect(result.dataSync).toMatch(/^SyncReadError: webgpu: dataSync\(\)\/itemSync\(\)\/toArray\(\) cannot read .*await tensor\.data\(\)/);
    expect(result.itemSync).toMatch(/^SyncReadError: .*await tensor\.item\(\)/);
    expect(result.toArray).toMatch(/^SyncReadError: .*await tensor\.array\(\)/);
    expect(result.float64).toMatch(/^SyncReadError: Cast: backend 'webgpu' does not support float64/);
    expect(result.twice).toMatch(/^WebGPUBackendError: registerWebGPUBackend: a backend named 'webgpu' is already registered/);
    expect(result.item).toBe(6);
    expect(result.array).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(result.afterDispose).toMatch(/used after dispose/);
    expect(result.afterBackendDispose).toMatch(/^WebGPUBackendError: webgpu: .*disposed/);
  }, 60_000);

  it('registers from a Web Worker and names the adapter', async () => {
    const result = (await inPage(`
      const worker = new Worker(${JSON.stringify(`${origin}/worker.js`)}, { type: 'module' });
      const answer = await new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); worker.onerror = (e) => resolve({ error: e.message }); });
      worker.terminate();
      return answer;`)) as { label?: string; architecture?: string; software?: boolean; matmul?: string; values?: number[]; probe?: string; error?: string };
    expect(result.error).toBeUndefined();
    expect(result.architecture).toBe('swiftshader');
    expect(result.matmul).toBe('direct'); // 'auto' on a software adapter
    expect(result.software).toBe(true);
    expect(result.label).toMatch(/swiftshader \(CPU emulation, not a GPU\)/);
    expect(result.probe).toBe(result.label);
    expect(result.values).toEqual([7, 10, 15, 22]); // by hand
  }, 60_000);

  it('runs the README example as written', async () => {
    const readme = fs.readFileSync(path.join(pkg, 'README.md'), 'utf8');
    const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code, 'README has a ```js example').toBeTruthy();
    // Bundled from inside the package so '@attn/model' and '@attn/train' resolve; '@attn/webgpu' is this source.
    const file = path.join(pkg, 'test/browser/readme-example.generated.js');
    fs.writeFileSync(file, code!.replace("'@attn/webgpu'", JSON.stringify('../../src/index.ts')));
    try {
      exampleBundle = bundleForBrowser(file);
    } finally {
      fs.rmSync(file, { force: true });
    }
    const page = await browser.context.newPage();
    const lines: string[] = [];
    page.on('console', (message) => lines.push(message.text()));
    try {
      await page.goto(`${origin}/index.html`);
      await page.evaluate(`import(${JSON.stringify(`${origin}/example.js`)})`);
    } finally {
      await page.close();
    }
    expect(lines).toEqual(['google swiftshader (CPU emulation, not a GPU)', 'true', 'SyncReadError', '60']);
  }, 120_000);
});
