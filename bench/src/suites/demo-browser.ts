// Suite `demo-browser`: training speed of the web demo itself, in headless
// Chromium (Debian's /usr/bin/chromium through playwright-core; nothing is
// downloaded). It builds apps/demo with Vite, serves the built site on
// 127.0.0.1 twice, with and without the COOP/COEP headers, and drives the page
// as a user would: pick the engine, set the steps, press Train, read the
// numbers the page reports. Three engines side by side for the page's default
// config (and its larger one): WebAssembly on 2 threads (the cross-origin
// isolated page), WebAssembly on 1 thread (the same site without the headers,
// where SharedArrayBuffer is unavailable) and the TypeScript backend. The three
// pages stay open and their timed runs take turns, so a change in the load of
// this shared machine falls on every engine alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, type Page, serveDirectory, serveLocally } from '@attn/chromium-testing';
import { build } from 'vite';
import { fmt, type Suite, table } from '../harness.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const demo = path.join(repo, 'apps/demo');

/** What each engine measures: untimed warm-up steps (JIT and wasm tier-up), then timed runs. */
interface Plan {
  config: string;
  warmupSteps: number;
  runSteps: number;
  runs: number;
}
const PLANS: Plan[] = [
  { config: 'tiny', warmupSteps: 60, runSteps: 200, runs: 5 },
  { config: 'small', warmupSteps: 10, runSteps: 40, runs: 3 },
];

interface Engine {
  name: string;
  /** Serve the cross-origin isolated copy of the site. */
  isolated: boolean;
  /** The page's engine radio value. */
  engine: 'wasm' | 'cpu';
  threads: number;
}
const ENGINES: Engine[] = [
  { name: 'WebAssembly, 2 threads', isolated: true, engine: 'wasm', threads: 2 },
  { name: 'WebAssembly, 1 thread', isolated: false, engine: 'wasm', threads: 1 },
  { name: 'TypeScript', isolated: true, engine: 'cpu', threads: 1 },
];

interface Measured {
  /** Median over the runs of training tokens per second of step time (what the page reports for a run). */
  stepTokensPerSecond: number;
  /** Median over the runs of tokens per second of wall time, click to "Trained for" (evaluations and messages included). */
  wallTokensPerSecond: number;
  tokensPerStep: number;
}

/** Waits until the status says the model has trained `steps` steps in total. */
async function trainedFor(page: Page, steps: number): Promise<void> {
  await page.waitForFunction((n) => document.getElementById('train-status')?.dataset.steps === String(n), steps, { timeout: 600_000 });
}

/** A page on `engine` with a warmed-up model of `plan.config`, ready for timed runs. */
async function openEngine(origin: string, engine: Engine, plan: Plan) {
  const browser = await launchChromium({ name: 'demo-bench', viewport: { width: 1280, height: 800 } });
  const page = browser.page;
  await page.goto(`${origin}/${engine.isolated ? 'isolated' : 'plain'}/index.html#train`);
  const badge = page.locator('#engine-badge');
  await page.waitForFunction(() => document.getElementById('engine-badge')?.dataset.engine, null, { timeout: 60_000 });
  if (engine.engine !== 'wasm') {
    await page.check(`input[name="engine"][value="${engine.engine}"]`);
    await page.waitForFunction((e) => document.getElementById('engine-badge')?.dataset.engine === e, engine.engine);
  }
  const threads = Number(await badge.getAttribute('data-threads'));
  if ((await badge.getAttribute('data-engine')) !== engine.engine || threads !== engine.threads) {
    await browser.close();
    throw new Error(`expected ${engine.name}, the page shows ${await badge.textContent()}`);
  }
  await page.selectOption('#train-config', plan.config);
  await page.fill('#train-steps', String(plan.warmupSteps));
  await page.click('#train-start');
  let total = plan.warmupSteps;
  await trainedFor(page, total);
  await page.fill('#train-steps', String(plan.runSteps));
  const step: number[] = [];
  const wall: number[] = [];
  let tokensPerStep = 0;
  return {
    /** One timed run of plan.runSteps steps. */
    async run(): Promise<void> {
      const t0 = performance.now();
      await page.click('#train-start');
      total += plan.runSteps;
      await trainedFor(page, total);
      const seconds = (performance.now() - t0) / 1000;
      const status = page.locator('#train-status');
      const tokens = Number(await status.getAttribute('data-tokens'));
      tokensPerStep = tokens / plan.runSteps;
      step.push(Number(await status.getAttribute('data-tokens-per-second')));
      wall.push(tokens / seconds);
    },
    result(): Measured {
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
      return { stepTokensPerSecond: median(step), wallTokensPerSecond: median(wall), tokensPerStep };
    },
    close: () => browser.close(),
  };
}

/**
 * Every engine's page stays open and the timed runs take turns (engine 1, 2, 3,
 * then again), so a change in the machine's load touches every engine alike.
 */
async function measureInTurns(origin: string, plan: Plan): Promise<Measured[]> {
  const pages: Awaited<ReturnType<typeof openEngine>>[] = [];
  try {
    for (const engine of ENGINES) pages.push(await openEngine(origin, engine, plan));
    for (let r = 0; r < plan.runs; r++) for (const page of pages) await page.run();
    return pages.map((p) => p.result());
  } finally {
    for (const page of pages) await page.close();
  }
}

export const demoBrowserSuite: Suite = {
  name: 'demo-browser',
  title: 'Web demo: training tokens/s in the page (Chromium), WebAssembly 2 threads / 1 thread vs TypeScript',
  run: async () => {
    const loadAtStart = os.loadavg();
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-demo-bench-'));
    const notes: string[] = [];
    try {
      await build({ root: demo, configFile: path.join(demo, 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
      const files = serveDirectory(outDir);
      const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
      // /isolated/... is served with the COOP/COEP headers, /plain/... without; both are the same files.
      const server = await serveLocally((pathname) => {
        const match = /^\/(isolated|plain)(\/.*)$/.exec(pathname);
        if (!match) return null;
        const file = files(match[2]);
        return file && (match[1] === 'isolated' ? { ...file, headers: isolation } : file);
      });
      const parts: string[] = [];
      try {
        for (const plan of PLANS) {
          const rows: string[][] = [];
          const results = await measureInTurns(server.origin, plan);
          const ts = results[ENGINES.findIndex((e) => e.engine === 'cpu')];
          ENGINES.forEach((engine, i) => {
            const m = results[i];
            rows.push([
              engine.name,
              Math.round(m.stepTokensPerSecond).toLocaleString('en'),
              fmt((m.tokensPerStep / m.stepTokensPerSecond) * 1000, 1),
              Math.round(m.wallTokensPerSecond).toLocaleString('en'),
              `${fmt(m.stepTokensPerSecond / ts.stepTokensPerSecond, 1)}x`,
            ]);
          });
          const tokensPerStep = results[0].tokensPerStep;
          parts.push(
            `**Config \`${plan.config}\`${plan.config === 'tiny' ? ' (the page\'s default)' : ''}**: ${tokensPerStep} tokens per step; ` +
              `${plan.warmupSteps} warm-up steps, then the median of ${plan.runs} runs of ${plan.runSteps} steps, the engines taking turns.`,
            '',
            table(['engine', 'tokens/s (steps)', 'ms/step', 'tokens/s (wall, with validation)', 'vs TypeScript'], rows),
            '',
          );
        }
      } finally {
        await server.close();
      }
      notes.push(
        '"tokens/s (steps)" is what the page reports after a run: training tokens over the time spent in training steps ' +
          '(forward, backward, clipping, AdamW). "wall" is measured from the click on Train to the page saying "Trained for", ' +
          'so it includes the validation loss (every 25 steps, 32 held-out windows), progress messages and drawing.',
        'WebAssembly 1 thread is the same site served without COOP/COEP: the page is not cross-origin isolated, ' +
          'so @attn/wasm cannot share memory with a second worker and the page says so. Without shared memory it also ' +
          'keeps no tensors resident in wasm memory (growing a non-shared memory would detach every view), so each kernel ' +
          'copies its operands in and out: that, more than the second thread, is the gap between the two WebAssembly rows.',
      );
      const loadAtEnd = os.loadavg();
      parts.push(
        ...[
          ...notes,
          `Load average (1, 5, 15 min): ${loadAtStart.map((l) => l.toFixed(2)).join(', ')} at the start, ` +
            `${loadAtEnd.map((l) => l.toFixed(2)).join(', ')} at the end, on ${os.cpus().length} cores shared with other jobs; ` +
            'compare engines within one run, not across runs.',
        ].map((n) => `- ${n}`),
      );
      return parts.join('\n');
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  },
};
