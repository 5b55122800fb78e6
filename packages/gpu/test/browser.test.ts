// The browser path, in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core; nothing is downloaded): test/browser/entry.ts is bundled
// with esbuild (gpu.js resolves to its browser build), served from 127.0.0.1,
// and the page registers the backend with gpu.js choosing the mode. With
// --disable-gpu Chromium renders WebGL2 on SwiftShader (a CPU rasteriser), so
// this checks correctness on a real WebGL2 code path, not speed: the data stay
// on the device as pipeline textures between kernels, and a 1,000-step
// training run must not grow the number of live textures.
// Chromium runs with --expose-gc so the training check can force collections
// (autograd intermediates are freed by a FinalizationRegistry).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser, type HeadlessChromium, launchChromium, type LocalServer, serveLocally } from '@attn/chromium-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_KERNELS, type GpuBackendInfo } from '../src/index.js';
import type { ChainResult } from './browser/chain.js';
import type { TrainResult } from './browser/train.js';
import type { GptTrainResult } from './browser/train-gpt.js';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let server: LocalServer;
let origin: string;
let browser: HeadlessChromium;

beforeAll(async () => {
  const bundle = bundleForBrowser(path.join(pkg, 'test/browser/entry.ts'));
  server = await serveLocally((pathname) =>
    pathname.endsWith('/entry.js')
      ? { body: bundle, type: 'text/javascript' }
      : { body: '<!doctype html><title>attn gpu</title>', type: 'text/html' },
  );
  origin = server.origin;
  // --expose-gc: the memory tests force collections to count live textures
  browser = await launchChromium({ name: 'gpu', extraArgs: ['--js-flags=--expose-gc'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

// Runs in the page. A string, not a function: Vitest would rewrite a dynamic
// import() inside a function. The matmul reference is a plain JS triple loop;
// the GPT reference is the same model on the page's CPU backend.
const pageScript = (url: string) => `(async () => {
  const m = await import(${JSON.stringify(url)});
  const handle = m.registerGpuBackend({ minFlops: 0 });
  const rnd = (seed) => () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 - 0.5; };
  const r = rnd(42);
  // (3, 33, 47) @ (47, 29)ᵀ-stored: b is stored (29, 47) and read transposed.
  const [P, M, K, N] = [3, 33, 47, 29];
  const a = Float32Array.from({ length: P * M * K }, r);
  const b = Float32Array.from({ length: N * K }, r);
  const ref = new Float64Array(P * M * N);
  for (let p = 0; p < P; p++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let l = 0; l < K; l++) s += a[p * M * K + i * K + l] * b[j * K + l];
    ref[p * M * N + i * N + j] = s;
  }
  m.setBackend('gpu');
  const c = m.matmul(m.fromArray(a, [P, M, K]), m.fromArray(b, [N, K]), { transB: true }).dataSync();
  let matmulErr = 0;
  for (let i = 0; i < ref.length; i++) matmulErr = Math.max(matmulErr, Math.abs(c[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));

  const config = { vocabSize: 19, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true };
  const ids = Array.from({ length: 16 }, (_, i) => (i * 7 + 3) % 19);
  const logits = (backend) => {
    m.setBackend(backend);
    const out = new m.GPT(config, { seed: 5 }).forward(ids, { batch: 2 }).logits.dataSync();
    return Array.from(out);
  };
  const gpuLogits = logits('gpu');
  const cpuLogits = logits('cpu');
  let gptErr = 0;
  for (let i = 0; i < cpuLogits.length; i++) gptErr = Math.max(gptErr, Math.abs(gpuLogits[i] - cpuLogits[i]));
  const info = handle.backendInfo();
  handle.dispose();
  return { mode: info.mode, fallbackReason: info.fallbackReason, gpuCalls: info.gpuCalls, matmulErr, gptErr, logitCount: gpuLogits.length };
})()`;

/** What pageScript returns. */
interface PageResult {
  mode: string;
  fallbackReason: string | null;
  gpuCalls: number;
  matmulErr: number;
  gptErr: number;
  logitCount: number;
}

describe('in Chromium', () => {
  it('runs a batched transposed matmul and a small GPT forward on WebGL2 and matches the references', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${origin}/index.html`);
      const result = (await page.evaluate(pageScript(`${origin}/entry.js`))) as PageResult;
      console.log(`gpu backend in Chromium: mode ${result.mode}, matmul rel err ${result.matmulErr}, GPT logits abs err ${result.gptErr}`);
      expect(result.mode).toBe('webgl2');
      expect(result.fallbackReason).toBeNull();
      expect(result.matmulErr).toBeLessThan(1e-4);
      expect(result.logitCount).toBe(2 * 8 * 19);
      expect(result.gptErr).toBeLessThan(1e-3);
      expect(result.gpuCalls).toBeGreaterThan(5);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('passes the shared conformance suite on WebGL2 with every kernel on the device (minFlops 0)', async () => {
    const result = (await inPage(`
      const handle = m.registerGpuBackend({ minFlops: 0 });
      const conformance = await m.runConformance('gpu');
      const info = handle.backendInfo();
      handle.dispose();
      return { ...conformance, info };`)) as { passed: string[]; failed: string[]; info: GpuBackendInfo };
    expect(result.info).toMatchObject({ mode: 'webgl2', resident: true, kernelFallbacks: {} });
    expect(result.info.deviceKernels).toEqual([...DEVICE_KERNELS]);
    expect(result.failed).toEqual([]);
    expect(result.passed.length).toBeGreaterThanOrEqual(12); // the suite grows with @attn/tensor
    expect(result.info.deviceOps).toBeGreaterThan(20);
  }, 60_000);

  it('does the same on WebGL1, and refuses WebGPU (asynchronous kernels) with a reason', async () => {
    const result = (await inPage(`
      const handle = m.registerGpuBackend({ mode: 'webgl', minFlops: 0 });
      const conformance = await m.runConformance('gpu');
      const chain = m.residentChain(handle, 16, 4);
      const info = handle.backendInfo();
      handle.dispose();
      const webgpu = m.registerGpuBackend({ name: 'gpu-webgpu', mode: 'webgpu' });
      const webgpuInfo = webgpu.backendInfo();
      webgpu.dispose();
      return { ...conformance, chain, info, webgpuInfo };`)) as {
      passed: string[];
      failed: string[];
      chain: { readbacks: number; maxAbsErr: number };
      info: GpuBackendInfo;
      webgpuInfo: GpuBackendInfo;
    };
    expect(result.info).toMatchObject({ mode: 'webgl', resident: true, kernelFallbacks: {} });
    expect(result.failed).toEqual([]);
    expect(result.passed.length).toBeGreaterThanOrEqual(12); // the suite grows with @attn/tensor
    expect(result.chain.readbacks).toBe(1);
    expect(result.chain.maxAbsErr).toBeLessThan(1e-4);
    expect(result.webgpuInfo.mode).toBe('cpu');
    expect(result.webgpuInfo.fallbackReason).toMatch(/webgpu/);
  }, 60_000);

  it('keeps a matmul -> bias -> gelu chain on the device and reads it back once', async () => {
    const result = (await inPage(`
      const handle = m.registerGpuBackend({ minFlops: 0 });
      const chain = m.residentChain(handle, 16, 8);
      const selfFeedingErr = m.selfFeeding('gpu');
      // A product left on the device stays readable after dispose() (read back before the context goes).
      m.setBackend('gpu');
      const a = m.fromArray([1, 2, 3, 4], [2, 2]);
      const product = m.matmul(a, a);
      const resident = handle.backendInfo().liveTextures > 0;
      handle.dispose();
      m.setBackend('cpu');
      return { ...chain, selfFeedingErr, resident, afterDispose: Array.from(product.dataSync()) };`)) as ChainResult & {
      selfFeedingErr: number;
      resident: boolean;
      afterDispose: number[];
    };
    console.log(`resident chain: ${JSON.stringify(result)}`);
    expect(result.resident).toBe(true);
    expect(result.selfFeedingErr).toBeLessThan(1e-5);
    expect(result.afterDispose).toEqual([7, 10, 15, 22]); // by hand
    expect(result.maxAbsErr).toBeLessThan(1e-4);
    // 8 matmuls, 8 bias adds + 8 gelus on textures; x, w and b uploaded once each; one readback (the dataSync).
    expect(result).toMatchObject({ gpuCalls: 8, deviceOps: 16, hostOps: 0, uploads: 3, readbacks: 1 });
  }, 60_000);

  it('runs a small GPT forward and backward on WebGL2 within 1e-3 of the CPU backend, all on the device and mixed', async () => {
    const result = (await inPage(`
      const handle = m.registerGpuBackend({ minFlops: 0 });
      const r = m.gptForwardBackward('gpu');
      const info = handle.backendInfo();
      handle.dispose();
      // A threshold between the model's products (the first block's attention stays on the CPU, its MLP
      // crosses it): CPU results meet device tensors.
      const mixedHandle = m.registerGpuBackend({ minFlops: 30000 });
      const mixed = m.gptForwardBackward('gpu');
      const mixedInfo = mixedHandle.backendInfo();
      mixedHandle.dispose();
      return { ...r, info, mixed, mixedInfo };`)) as {
      logitErr: number;
      lossErr: number;
      gradErr: number;
      worstGrad: string;
      logitCount: number;
      info: GpuBackendInfo;
      mixed: { logitErr: number; lossErr: number; gradErr: number };
      mixedInfo: GpuBackendInfo;
    };
    console.log(`GPT fwd+bwd on WebGL2: logits ${result.logitErr}, loss ${result.lossErr}, worst gradient ${result.gradErr} (${result.worstGrad})`);
    expect(result.logitCount).toBe(2 * 8 * 19);
    expect(result.logitErr).toBeLessThan(1e-3);
    expect(result.lossErr).toBeLessThan(1e-3);
    expect(result.gradErr).toBeLessThan(1e-3);
    expect(result.info.deviceOps).toBeGreaterThan(0);
    expect(Math.max(result.mixed.logitErr, result.mixed.lossErr, result.mixed.gradErr)).toBeLessThan(1e-3);
    for (const key of ['gpuCalls', 'cpuCalls', 'deviceOps', 'hostOps'] as const) expect(result.mixedInfo[key]).toBeGreaterThan(0);
  }, 60_000);

  it('trains 1,000 steps on WebGL2 textures without growing live textures, matching the CPU backend', async () => {
    const result = (await inPage(`
      const handle = m.registerGpuBackend({ minFlops: 0 });
      const r = await m.trainSteps(handle, 1000);
      handle.dispose();
      return r;`)) as TrainResult;
    console.log(
      `1,000 steps on ${result.info.mode}: loss ${result.gpuLoss.map((l) => l.toFixed(5)).join(' -> ')} (cpu ${result.cpuLoss.map((l) => l.toFixed(5)).join(' -> ')}), ` +
        `live textures after gc at steps ${result.checkpoints.join('/')}: ${result.liveTextures.join('/')}, peak without forced gc ${result.peakLiveTextures}, ` +
        `param err ${result.paramErr}, ${Math.round(result.gpuMs)} ms, ${result.info.gpuCalls} matmuls + ${result.info.deviceOps} ops on the device, ` +
        `${result.info.uploads} uploads, ${result.info.readbacks} readbacks, ${result.info.compiledKernels} kernels compiled`,
    );
    expect(result.info).toMatchObject({ mode: 'webgl2', resident: true, cpuCalls: 0 });
    expect(result.info.gpuCalls).toBeGreaterThanOrEqual(3000); // 1 forward + 2 backward matmuls per layer per step
    expect(result.info.deviceOps).toBeGreaterThan(5000);
    result.checkpoints.forEach((step, i) => {
      if (!(Math.abs(result.gpuLoss[i] - result.cpuLoss[i]) < 1e-4)) {
        throw new Error(`loss at step ${step}: gpu ${result.gpuLoss[i]} vs cpu ${result.cpuLoss[i]}`);
      }
    });
    expect(result.gpuLoss[3]).toBeLessThan(result.gpuLoss[0] / 2);
    expect(result.paramErr).toBeLessThan(1e-3);
    // After a forced collection, step 1,000 holds no more textures than step 100 (plus a small margin).
    const [, at100, , at1000] = result.liveTextures;
    expect(at1000).toBeLessThanOrEqual(at100 + 4);
    expect(at1000).toBeLessThan(64);
  }, 120_000);

  it('trains 1,000 steps in tidy() with live textures level and no garbage collection forced', async () => {
    const result = (await inPage(`
      const handle = m.registerGpuBackend({ minFlops: 0 });
      const r = await m.trainSteps(handle, 1000, true);
      handle.dispose();
      return r;`)) as TrainResult;
    console.log(
      `1,000 steps in tidy() on ${result.info.mode}: loss ${result.gpuLoss.map((l) => l.toFixed(5)).join(' -> ')}, ` +
        `live textures at steps ${result.checkpoints.join('/')}: ${result.liveTextures.join('/')}, peak ${result.peakLiveTextures}, ${Math.round(result.gpuMs)} ms`,
    );
    result.checkpoints.forEach((step, i) => {
      if (!(Math.abs(result.gpuLoss[i] - result.cpuLoss[i]) < 1e-4)) throw new Error(`loss at step ${step}: gpu ${result.gpuLoss[i]} vs cpu ${result.cpuLoss[i]}`);
    });
    // tidy() releases each step's intermediates, so the count never climbs between collections.
    expect(new Set(result.liveTextures).size).toBe(1);
    expect(result.peakLiveTextures).toBeLessThanOrEqual(result.liveTextures[0] + 4);
  }, 120_000);

  it('trains a tiny GPT on WebGL2 (CPU fallbacks, assign) without growing live textures or recompiling, matching the CPU', async () => {
    const result = (await inPage(`
      const handle = m.registerGpuBackend({ minFlops: 0 });
      const r = await m.trainGpt(handle, 60);
      handle.dispose();
      return r;`)) as GptTrainResult;
    console.log(
      `GPT, 60 steps on WebGL2: loss ${result.gpuLoss.map((l) => l.toFixed(5)).join(' -> ')} (cpu ${result.cpuLoss.map((l) => l.toFixed(5)).join(' -> ')}), ` +
        `live textures after gc at steps ${result.checkpoints.join('/')}: ${result.liveTextures.join('/')}, kernels compiled ${result.kernelCompiles.join('/')}, ` +
        `${Math.round(result.msPerStep)} ms per step (cpu ${result.cpuMsPerStep.toFixed(1)})`,
    );
    result.checkpoints.forEach((step, i) => {
      if (!(Math.abs(result.gpuLoss[i] - result.cpuLoss[i]) < 1e-3)) throw new Error(`GPT loss at step ${step}: gpu ${result.gpuLoss[i]} vs cpu ${result.cpuLoss[i]}`);
    });
    expect(result.gpuLoss[2]).toBeLessThan(result.gpuLoss[0] - 1);
    const [, middle, last] = result.liveTextures;
    expect(last).toBeLessThanOrEqual(middle + 4);
    expect(result.kernelCompiles[2]).toBe(result.kernelCompiles[1]); // every kernel compiled early on, none evicted since
  }, 90_000);
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
