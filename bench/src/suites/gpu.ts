// Suite `gpu`: @attn/gpu's gpu.js MatMul next to the TypeScript CPU backend,
// through the public tensor API (fromArray -> matmul -> dataSync), in Node and
// in headless Chromium. In Node gpu.js runs in its webasm mode (no GL here) and
// its plain-JS 'cpu' mode; in Chromium (--disable-gpu) it runs WebGL2 on
// SwiftShader, a CPU rasteriser, where it also times a resident chain of
// products (intermediates kept as textures) against reading back after each,
// and a tiny GPT's training step with every device kernel in use.
// None of these is a real GPU: the tables show what this machine does, not
// what a GPU would.
import os from 'node:os';
import { calibrateMinFlops, type GpuMode, registerGpuBackend } from '@attn/gpu';
import { fromArray, matmul, setBackend } from '@attn/tensor';
import { fmt, measure, type Suite, table } from '../harness.js';
import { CHAIN_DEPTH, chromiumMatmulGflops } from './gpu-browser.js';

const sizes = [64, 128, 256, 512];
// SwiftShader runs a 512 chain (2 GFLOP) in about half a minute per variant: the chain stops at 256.
const chainSizes = [64, 128, 256];

function randomArray(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.random() * 2 - 1;
  return out;
}

const gflops = (n: number, ms: number) => (2 * n ** 3) / (ms * 1e6);

/** GFLOP/s of an n x n product on the named backend, through the tensor API. */
async function tensorGflops(backend: string, n: number): Promise<number> {
  const a = randomArray(n * n);
  const b = randomArray(n * n);
  setBackend(backend);
  try {
    const ta = fromArray(a, [n, n]);
    const tb = fromArray(b, [n, n]);
    const t = await measure(() => matmul(ta, tb).dataSync(), { warmup: 2, repeats: 7, maxTotalMs: 4000 });
    return gflops(n, t.medianMs);
  } finally {
    setBackend('cpu');
  }
}

async function nodeTable(notes: string[]): Promise<string> {
  const columns: { name: string; backend: string; maxN: number }[] = [{ name: 'CPU backend (TS)', backend: 'cpu', maxN: 1e9 }];
  const handles = [];
  for (const mode of ['gpu', 'cpu'] as GpuMode[]) {
    const h = registerGpuBackend({ name: `gpu-${mode}`, mode, minFlops: 0 });
    handles.push(h);
    const info = h.backendInfo();
    if (info.fallbackReason) notes.push(`Node, requested gpu.js mode '${mode}': ${info.fallbackReason}`);
    // gpu.js's plain-JS mode is far slower; its trend is clear by 256.
    columns.push({ name: `gpu.js ${info.mode}`, backend: h.backend.name, maxN: mode === 'cpu' ? 256 : 1e9 });
  }
  const rows: string[][] = [];
  for (const n of sizes) {
    const row = [String(n)];
    for (const c of columns) row.push(n <= c.maxN ? fmt(await tensorGflops(c.backend, n)) : '—');
    rows.push(row);
  }
  // The dispatch threshold, measured: calibrateMinFlops() times both backends and picks the crossover.
  const webasm = handles[0];
  const calibration = calibrateMinFlops(webasm, { sizes: [64, 128, 256, 512] });
  const mode = webasm.backendInfo().mode;
  notes.push(
    `Dispatch threshold measured with \`calibrateMinFlops()\` for gpu.js ${mode} in Node: ` +
      (Number.isFinite(calibration.minFlops)
        ? `gpu.js wins from n = ${Math.round(Math.cbrt(calibration.minFlops / 2))} (minFlops ${calibration.minFlops}).`
        : `gpu.js never beats the CPU backend at n = ${calibration.sizes.join(', ')}, so minFlops = Infinity (the default for webasm and cpu modes). ` +
          'No mode on this machine is a real GPU, so the GPU-mode default (2 * 256^3) stays an estimate; call calibrateMinFlops() on the machine that runs the model.'),
  );
  for (const h of handles) h.dispose();
  return table(['n', ...columns.map((c) => c.name)], rows);
}

export const gpuSuite: Suite = {
  name: 'gpu',
  title: '@attn/gpu: gpu.js MatMul vs the CPU backend (GFLOP/s, n x n @ n x n)',
  run: async () => {
    const loadAtStart = os.loadavg()[0];
    const notes: string[] = [];
    const parts = ['**Node** (gpu.js chooses webasm: no GL on this machine)', '', await nodeTable(notes)];
    try {
      const browser = await chromiumMatmulGflops(sizes, chainSizes);
      const chainFlops = (n: number) => CHAIN_DEPTH * 2 * n ** 3;
      parts.push(
        '',
        `**Headless Chromium** (gpu.js mode: ${browser.mode}; SwiftShader, a CPU rasteriser, since --disable-gpu)`,
        '',
        table(
          ['n', 'CPU backend (TS) in page', `gpu.js ${browser.mode}`],
          sizes.map((n) => [String(n), fmt(browser.cpu[n]), fmt(browser.gpu[n])]),
        ),
        '',
        `**Resident chain in Chromium**: x -> x @ w, ${CHAIN_DEPTH} times (n x n), ms per chain (GFLOP/s in brackets). On ${browser.mode} the ` +
          'intermediates stay pipeline textures; "read once" reads the last product back, "read each" calls dataSync() after every product.',
        '',
        table(
          ['n', 'CPU backend (TS) in page', `gpu.js ${browser.mode}, read once`, `gpu.js ${browser.mode}, read each`, 'readbacks per chain (once / each)'],
          chainSizes.map((n) => {
            const c = browser.chain[n];
            const cell = (ms: number) => `${fmt(ms, 1)} (${fmt(chainFlops(n) / (ms * 1e6))})`;
            return [String(n), cell(c.cpuMs), cell(c.residentMs), cell(c.readEachMs), `${c.residentReadbacks} / ${c.readEachReadbacks}`];
          }),
        ),
      );
      const g = browser.gptStep;
      parts.push(
        '',
        `**Tiny GPT training step in Chromium** (2 layers, 16 wide, 2 x 8 tokens; forward, backward, SGD through \`assign\`; ${g.steps} steps, ` +
          'every kernel @attn/gpu has on the device):',
        '',
        table(
          ['CPU backend (TS) in page, ms/step', `gpu.js ${browser.mode}, ms/step`, 'readbacks / uploads per step', 'live textures after gc (steps 1, 10, 30)'],
          [[fmt(g.cpuMs, 1), fmt(g.gpuMs, 1), `${fmt(g.readbacksPerStep, 1)} / ${fmt(g.uploadsPerStep, 1)}`, g.liveTextures.join(', ')]],
        ),
      );
    } catch (err) {
      notes.push(`Chromium tables skipped: ${(err as Error).message.split('\n')[0]}`);
    }
    parts.push(
      '',
      'Single products: each cell times fromArray'
        + "'d inputs -> matmul -> dataSync (upload, kernel, readback), median of up to 7 after 2 warm-ups (shape-cached kernels compiled in warm-up). "
        + 'Chain: median of 5 after 1 warm-up. GPT step: mean over the steps, the first (kernel compiles) included.',
      `- Load average (1 min): ${loadAtStart.toFixed(1)} when the suite started, ${os.loadavg()[0].toFixed(1)} when it ended, on ${os.cpus().length} cores (other jobs share this machine, so SwiftShader timings move by up to 2x between runs).`,
      ...notes.map((n) => `- ${n}`),
    );
    return parts.join('\n');
  },
};
