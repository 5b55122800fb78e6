// Suite `webgpu`: @attn/webgpu in headless Chromium on whatever adapter the
// browser has (see webgpu-page.ts for what is timed). Here, with no GPU, that
// is SwiftShader, Chromium's CPU implementation of WebGPU: the rows say so,
// and the figures show the cost of emulation, not what a GPU does. On a
// machine with a GPU the same command measures it (packages/webgpu/README.md
// says which Chromium flags). Attention is timed fused (both kernel
// strategies) and materialised, in the GPT step and alone at longer T, with
// the most bytes the buffer pool held. A run on a busy machine is labelled
// inconclusive, by the rule of suites `wasm` and `browser`.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser, launchChromium, serveLocally } from '@attn/chromium-testing';
import { fmt, type Suite, table } from '../harness.js';
import { type CpuSample, foreignShare, loadPerCore, sampleCpu, waitForQuiet } from '../machine-load.js';
import type { WebGPUBenchResult } from './webgpu-page.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const sizes = [64, 128, 256, 512];
const GPT_STEPS = 3;

/**
 * On a machine with a GPU: ATTN_WEBGPU_HARDWARE=1 lets Chromium use it (drops
 * --disable-gpu), ATTN_CHROMIUM_FLAGS adds flags (space-separated, e.g.
 * "--enable-features=Vulkan" on Linux) and ATTN_CHROMIUM_PATH picks another
 * browser binary. See packages/webgpu/README.md.
 */
function launchOptions() {
  return {
    name: 'webgpu-bench',
    hardwareGpu: process.env.ATTN_WEBGPU_HARDWARE === '1',
    extraArgs: (process.env.ATTN_CHROMIUM_FLAGS ?? '').split(/\s+/).filter(Boolean),
    ...(process.env.ATTN_CHROMIUM_PATH ? { executablePath: process.env.ATTN_CHROMIUM_PATH } : {}),
  };
}

/** The bench's results, and a CPU sample taken before the browser closed (see foreignShareAcross). */
async function runInChromium(): Promise<WebGPUBenchResult & { cpuEnd: CpuSample | null }> {
  const bundle = bundleForBrowser(path.join(here, 'webgpu-page.ts'));
  const server = await serveLocally((pathname) =>
    pathname.endsWith('/page.js')
      ? { body: bundle, type: 'text/javascript' }
      : { body: '<!doctype html><title>attn webgpu bench</title>', type: 'text/html' },
  );
  const browser = await launchChromium(launchOptions());
  try {
    await browser.page.goto(`${server.origin}/index.html`);
    const result = (await browser.page.evaluate(
      `import(${JSON.stringify(`${server.origin}/page.js`)}).then((m) => m.runWebGPUBench(${JSON.stringify(sizes)}, ${GPT_STEPS}))`,
    )) as WebGPUBenchResult;
    return { ...result, cpuEnd: sampleCpu() };
  } finally {
    await browser.close();
    await server.close();
  }
}

export const webgpuSuite: Suite = {
  name: 'webgpu',
  title: '@attn/webgpu: WGSL kernels in headless Chromium (matmul GFLOP/s, nanoGPT training step, fused vs materialised attention)',
  run: async () => {
    await waitForQuiet(0.5, 60_000);
    const loadAtStart = os.loadavg()[0];
    const perCoreAtStart = loadPerCore();
    const cpu0 = sampleCpu();
    const r = await runInChromium();
    const foreign = foreignShare(cpu0, r.cpuEnd);
    // the rule of suites `wasm` and `browser`: with other processes busy, the times say more about them than about us
    const busy = perCoreAtStart > 0.5 || (foreign !== null && foreign > 0.15);
    const adapter = r.adapter.label;
    // Every row carries the adapter (with "CPU emulation, not a GPU" on SwiftShader), so a row quoted alone still says what ran it.
    const where = adapter;
    const gflops = (n: number, ms: number) => (2 * n ** 3) / (ms * 1e6);
    const matmulTable = table(
      [
        'n',
        'adapter',
        `WebGPU ${r.matmulStrategy} (default here) GFLOP/s, resident`,
        `WebGPU ${r.otherStrategy} GFLOP/s, resident`,
        'WebGPU round trip ms (upload, product, read)',
        'CPU backend (TS) in page GFLOP/s',
      ],
      r.matmul.map((m) => [
        String(m.n),
        where,
        `${fmt(gflops(m.n, m.webgpuMs))} (${fmt(m.webgpuMs, 2)} ms)`,
        `${fmt(gflops(m.n, m.otherMs))} (${fmt(m.otherMs, 2)} ms)`,
        fmt(m.roundTripMs, 1),
        fmt(gflops(m.n, m.cpuMs)),
      ]),
    );
    const g = r.gpt;
    const tokens = g.batch * 64;
    const gptTable = table(
      ['backend', 'attention', 'adapter', 'ms / step', 'tokens / s', 'loss after the timed steps'],
      [
        ['webgpu', `fused (${r.attentionStrategy})`, where, fmt(g.webgpuMs, 0), fmt((tokens * 1000) / g.webgpuMs, 0), fmt(g.webgpuLoss, 4)],
        ['webgpu', 'materialised', where, fmt(g.webgpuMaterialisedMs, 0), fmt((tokens * 1000) / g.webgpuMaterialisedMs, 0), fmt(g.webgpuMaterialisedLoss, 4)],
        ['cpu (TS) in the same page', 'fused (CPU reference kernel)', '—', fmt(g.cpuMs, 0), fmt((tokens * 1000) / g.cpuMs, 0), fmt(g.cpuLoss, 4)],
      ],
    );
    const mib = (bytes: number) => fmt(bytes / 2 ** 20, 2);
    const attentionTable = table(
      ['T', 'batch x heads x hs', 'attention', 'adapter', 'ms (forward + backward)', 'most pool MiB above the inputs', '(B, nh, T, T) scores, MiB'],
      r.attention.map((a) => [
        String(a.T),
        `${a.batch} x ${a.heads} x ${a.hs}`,
        a.how === `fused ${r.attentionStrategy}` ? `${a.how} (default here)` : a.how,
        where,
        fmt(a.ms, 1),
        mib(a.peakBytes),
        mib(a.batch * a.heads * a.T * a.T * 4),
      ]),
    );
    const lines = [
      ...(busy
        ? [
            '**Inconclusive**: other processes were using the machine (see the load below), so the times are as measured, not what this machine does when quiet. Re-run on a quiet machine.',
            '',
          ]
        : []),
      `**Adapter:** ${adapter} (vendor '${r.adapter.vendor}', architecture '${r.adapter.architecture}').` +
        (r.adapter.software ? ' This is CPU emulation, not a GPU: the WebGPU figures below measure SwiftShader on this machine\'s CPU cores.' : ''),
      '',
      '**Matmul** (n x n @ n x n, float32):',
      '',
      matmulTable,
      '',
      `**nanoGPT training step** (NANOGPT_CPU: 4 layers, 4 heads, 128 wide, vocabulary 65, block 64; batch ${g.batch}; ` +
        `forward, backward, AdamW in tidy(), loss read with one await; median of ${g.steps} steps after one warm-up, the three steps taken in turn). ` +
        'Attention fused: FusedAttention / FusedAttentionGrad, what a model runs when the weights are not wanted; materialised: ' +
        'matmul, mask, softmax, matmul with the (B, nh, T, T) weights stored, what it runs when they are (returnAttention):',
      '',
      gptTable,
      '',
      '**Causal attention alone** (one forward + backward on (B, nh, T, hs) inputs, B x T = 1,024 tokens; median of 3 after a warm-up, ' +
        `waiting for the GPU; the three ways taken in turn). Fused with both kernel strategies ('direct' reads keys straight from the buffers, 'tiled' through workgroup memory), ` +
        'and materialised; memory is the most the buffer pool held above the inputs (`stats().peakLiveBytes`):',
      '',
      attentionTable,
      '',
      '**Where a WebGPU step\'s time goes** (attention fused): each kernel call of one step replayed alone on inputs of its shapes ' +
        '(3 times, waiting for the GPU), summed per kernel. The sum exceeds the step time by the per-call wait for the GPU.',
      '',
      table(
        ['kernel', 'calls per step', 'ms per step', 'share'],
        (() => {
          const total = r.breakdown.reduce((sum, k) => sum + k.ms, 0);
          return r.breakdown.map((k) => [k.kernel, String(k.calls), fmt(k.ms, 1), `${fmt((100 * k.ms) / total, 0)}%`]);
        })(),
      ),
      '',
      `Per WebGPU step (attention fused): ${fmt(g.dispatchesPerStep, 0)} kernel dispatches in ${fmt(g.submitsPerStep, 0)} submits, ` +
        `${fmt(g.uploadsPerStep, 0)} host uploads (token ids, targets, gather and scatter indices, scalar operands), 1 read-back; ${g.pipelines} pipelines compiled in all.`,
      `- Load average (1 min): ${loadAtStart.toFixed(1)} when the suite started, ${os.loadavg()[0].toFixed(1)} when it ended, on ${os.cpus().length} cores` +
        (foreign === null ? '.' : `; other processes used ${fmt(100 * foreign, 1)}% of the cores while it ran.`),
      '- Resident matmul: 20 products (5 from n = 512) recorded back to back and one read waiting for the last, so the read latency is spread over them; median of 3 such batches. ' +
        "The 'tiled' strategy stages tiles in workgroup memory, 'direct' reads the buffers straight into registers (packages/webgpu/README.md, Kernels). " +
        'Round trip: fromArray of both inputs, one product, await data().',
    ];
    return lines.join('\n');
  },
};
