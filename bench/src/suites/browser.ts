// Suite `browser`: the training step of suite `wasm` inside headless Chromium
// (Debian's /usr/bin/chromium through tools/chromium; nothing downloaded), on
// @attn/wasm with 1 and 2 threads and on the TypeScript 'cpu' backend, with the
// same step in Node measured in the same run for comparison. The page is
// served cross-origin isolated (COOP/COEP), which browsers require for
// SharedArrayBuffer and so for the second thread.
//
// Other browser figures (a web demo's tokens/s, say) belong in this suite too:
// add rows to the table below.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser, launchChromium, serveLocally } from '@attn/chromium-testing';
import { fmt, measure, type Suite, table } from '../harness.js';
import { type CpuSample, foreignShareAcross, sampleCpu, waitForQuiet } from '../machine-load.js';
import type { StepTiming } from '../browser/gpt-step-page.js';
import { attnGptStep, gptConfig } from './wasm-gpt.js';

const pageEntry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../browser/gpt-step-page.ts');

interface Row {
  where: string;
  backend: string;
  threads: number;
  ms: number;
  note: string;
}

/** The Chromium rows, and a CPU sample taken before the browser closed (see foreignShareAcross). */
async function chromiumSteps(): Promise<{ rows: Row[]; version: string; cores: number; cpuEnd: CpuSample | null }> {
  const bundle = bundleForBrowser(pageEntry);
  const server = await serveLocally(
    (pathname) =>
      pathname.endsWith('/page.js')
        ? { body: bundle, type: 'text/javascript' }
        : { body: '<!doctype html><title>attn browser bench</title>', type: 'text/html' },
    { crossOriginIsolated: true },
  );
  const browser = await launchChromium({ name: 'browser-bench' });
  try {
    const page = browser.page;
    await page.goto(`${server.origin}/index.html`);
    const version = browser.context.browser()?.version() ?? 'unknown';
    const cores = (await page.evaluate('navigator.hardwareConcurrency')) as number;
    const rows: Row[] = [];
    const runs: [backend: 'wasm' | 'cpu', threads: number, warmup: number, steps: number][] = [
      ['wasm', 1, 6, 15],
      ['wasm', 2, 6, 15],
      ['cpu', 1, 1, 3],
    ];
    for (const [backend, threads, warmup, steps] of runs) {
      // A string, not a function: the bundle is imported by URL inside the page.
      const t = (await page.evaluate(
        `import(${JSON.stringify(`${server.origin}/page.js`)}).then((m) => m.timeSteps(${JSON.stringify(backend)}, ${threads}, ${gptConfig.batch}, ${warmup}, ${steps}))`,
      )) as StepTiming;
      const note = [
        t.crossOriginIsolated ? 'cross-origin isolated' : 'NOT cross-origin isolated',
        backend === 'wasm' ? (t.relaxedSimd ? 'relaxed SIMD' : 'plain SIMD') : '',
        `median of ${t.steps}`,
      ]
        .filter(Boolean)
        .join(', ');
      rows.push({ where: 'Chromium', backend: backend === 'wasm' ? '@attn/wasm' : "TS 'cpu'", threads: t.threads, ms: t.medianMs, note });
    }
    return { rows, version, cores, cpuEnd: sampleCpu() };
  } finally {
    await browser.close();
    await server.close();
  }
}

export const browserSuite: Suite = {
  name: 'browser',
  title: 'In the browser: the nanoGPT training step in headless Chromium',
  async run() {
    // A suite that ran just before is still in the 1-minute load average: give it a minute to fall.
    const loadBefore = await waitForQuiet(0.5, 90_000);
    const cpu0 = sampleCpu();
    const { rows, version, cores, cpuEnd } = await chromiumSteps();
    const cpuNode = sampleCpu();
    for (const threads of [1, 2]) {
      const step = await attnGptStep('wasm', threads);
      if (typeof step === 'string') continue;
      const t = await measure(step.run, { warmup: 6, repeats: 15, maxTotalMs: 15_000 });
      step.dispose();
      rows.push({ where: `Node ${process.version}`, backend: '@attn/wasm', threads, ms: t.medianMs, note: `median of ${t.repeats}` });
    }
    const foreign = foreignShareAcross([
      [cpu0, cpuEnd],
      [cpuNode, sampleCpu()],
    ]);
    const tokens = gptConfig.batch * gptConfig.block;
    // the same rule as suite `wasm`: with other processes busy, ratios say more about them than about us
    const busy = loadBefore > 0.5 || (foreign !== null && foreign > 0.15);
    const ts = busy ? undefined : rows.find((r) => r.where === 'Chromium' && r.backend !== '@attn/wasm')?.ms;
    const c = gptConfig;
    return [
      ...(busy
        ? [
            '**Inconclusive**: other processes were using the machine (see the load below), so the times are as measured and the ratio column is left out. Re-run on a quiet machine.',
            '',
          ]
        : []),
      `nanoGPT CPU config (${c.layers} layers, ${c.heads} heads, width ${c.width}, block ${c.block}, batch ${c.batch}; ${tokens} tokens per step): forward, cross-entropy, backward and AdamW, each step in tidy(). Chromium ${version}, navigator.hardwareConcurrency ${cores}.`,
      '',
      table(
        ['where', 'backend', 'threads', 'ms / step', 'tokens / s', ...(busy ? [] : ["x Chromium TS 'cpu'"]), 'notes'],
        rows.map((r) => [r.where, r.backend, r.threads, fmt(r.ms, 1), fmt((tokens / r.ms) * 1000, 0), ...(busy ? [] : [ts ? fmt(ts / r.ms, 1) : '—']), r.note]),
      ),
      '',
      `- Load average (1 min) per core before the suite: ${fmt(loadBefore, 2)} on ${os.cpus().length} cores` +
        (foreign === null ? '.' : `; other processes used ${fmt(100 * foreign, 1)}% of the cores while it ran.`),
    ].join('\n');
  },
};
