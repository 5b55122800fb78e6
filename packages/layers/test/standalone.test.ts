// Used standalone: @attn/tensor and @attn/layers are built, packed with
// `pnpm pack` (which rewrites layers' "workspace:^" dependency to a version),
// installed together from the two tarballs into a fresh project outside the
// workspace (offline: there are no runtime dependencies), and a
// MultiHeadAttention forward is run from an ES module, a CommonJS script and
// type-checked from TypeScript, each in its own `node` process. @attn/wasm is
// packed and installed beside them for the README example, which starts by
// switching to it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const layersDir = dirname(dirname(fileURLToPath(import.meta.url)));
const tensorDir = join(layersDir, '..', 'tensor');
const wasmDir = join(layersDir, '..', 'wasm');
const repoRoot = join(layersDir, '..', '..');
let project = '';

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, NO_COLOR: '1' } });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`);
  }
}

/** Newest modification time of the files under a directory. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Builds a package unless its dist is already newer than its sources and
 * package.json (CI's turbo has built it already; rebuilding another package's
 * dist on every local run would race its own engineers' builds).
 */
function ensureBuilt(packageDir: string, name: string): void {
  const built = join(packageDir, 'dist', 'index.js');
  const sourcesTime = Math.max(newest(join(packageDir, 'src')), statSync(join(packageDir, 'package.json')).mtimeMs);
  const fresh =
    existsSync(built) &&
    existsSync(join(packageDir, 'dist', 'index.cjs')) &&
    existsSync(join(packageDir, 'dist', 'index.d.ts')) &&
    statSync(built).mtimeMs >= sourcesTime;
  if (!fresh) run('pnpm', ['--filter', name, 'build'], repoRoot);
}

function pack(packageDir: string, destination: string): string {
  const before = new Set(readdirSync(destination));
  run('pnpm', ['pack', '--pack-destination', destination], packageDir);
  const tarball = readdirSync(destination).find((f) => f.endsWith('.tgz') && !before.has(f));
  if (!tarball) throw new Error(`pnpm pack in ${packageDir} wrote no tarball`);
  return join(destination, tarball);
}

const script = `
  const tensorPkg = 'TENSOR';
  const { MultiHeadAttention } = LAYERS;
  const { randn, Rng } = tensorPkg;
  const mha = new MultiHeadAttention({ dModel: 8, nHead: 2, causal: true, rng: new Rng(1) });
  const { output, weights } = mha.forward(randn([1, 3, 8], { seed: 2 }), { returnWeights: true });
  const rows = weights.toArray()[0][0];
  console.log(JSON.stringify({ outputShape: output.shape, weightsShape: weights.shape, firstHeadRows: rows }));
`;

describe('standalone install from packed tarballs', () => {
  beforeAll(() => {
    ensureBuilt(tensorDir, '@attn/tensor');
    ensureBuilt(layersDir, '@attn/layers');
    ensureBuilt(wasmDir, '@attn/wasm');
    project = mkdtempSync(join(tmpdir(), 'attn-layers-standalone-'));
    const tensorTgz = pack(tensorDir, project);
    const layersTgz = pack(layersDir, project);
    const wasmTgz = pack(wasmDir, project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
    // The tarballs in one install, so the "@attn/tensor" dependencies are met by the packed tensor.
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tensorTgz, layersTgz, wasmTgz], project);
  }, 180_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('the packed layers manifest depends on a tensor version, not workspace:', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@attn/layers/package.json'), 'utf8'));
    expect(manifest.dependencies['@attn/tensor']).toMatch(/^\^?\d+\.\d+\.\d+/);
    expect(Object.keys(manifest.dependencies)).toEqual(['@attn/tensor']);
    // Only the build and the README are shipped.
    expect(existsSync(join(project, 'node_modules/@attn/layers/src'))).toBe(false);
    expect(existsSync(join(project, 'node_modules/@attn/layers/dist/index.cjs'))).toBe(true);
  });

  const check = (stdout: string): void => {
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(result.outputShape).toEqual([1, 3, 8]);
    expect(result.weightsShape).toEqual([1, 2, 3, 3]);
    const rows = result.firstHeadRows as number[][];
    expect(rows[0].slice(1)).toEqual([0, 0]); // causal
    for (const row of rows) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  };

  it('runs a MultiHeadAttention forward from ESM (.mjs)', () => {
    const code = `import * as layers from '@attn/layers';\nimport * as tensor from '@attn/tensor';\n${script
      .replace("'TENSOR'", 'tensor')
      .replace('LAYERS', 'layers')}`;
    writeFileSync(join(project, 'forward.mjs'), code);
    check(run(process.execPath, ['forward.mjs'], project));
  });

  it('runs a MultiHeadAttention forward from CommonJS (.cjs)', () => {
    const code = script.replace("'TENSOR'", "require('@attn/tensor')").replace('LAYERS', "require('@attn/layers')");
    writeFileSync(join(project, 'forward.cjs'), code);
    check(run(process.execPath, ['forward.cjs'], project));
  });

  it('the README example runs and prints what its comments say', () => {
    const readme = readFileSync(join(layersDir, 'README.md'), 'utf8');
    const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'README.md has a ```js example').toBeTruthy();
    writeFileSync(join(project, 'readme.mjs'), example!);
    const [backend, ...lines] = run(process.execPath, ['readme.mjs'], project).trim().split('\n');
    expect(backend).toBe('wasm');
    const [w] = JSON.parse(lines[0]) as number[][];
    expect(w.map((x) => Number(x.toFixed(3)))).toEqual([0.248, 0.248, 0.503]);
    const [o] = JSON.parse(lines[1]) as number[][];
    expect(o.map((x) => Number(x.toFixed(3)))).toEqual([1.248, 2]);
    expect(lines[2]).toBe('[ 2, 4, 8 ]');
    expect(lines[3]).toBe('[ 2, 2, 4, 4 ]');
    const grid = lines.slice(4, 8).map((line) => line.split(' ').map(Number));
    grid.forEach((row, i) => {
      row.forEach((value, j) => {
        if (j > i) expect(value).toBe(0);
      });
    });
    expect(lines[8]).toBe('288');
  });

  it('type-checks a TypeScript consumer against the shipped .d.ts files', () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { MultiHeadAttention, type MultiHeadAttentionOutput } from '@attn/layers';
import { randn } from '@attn/tensor';
const mha = new MultiHeadAttention({ dModel: 4, nHead: 2 });
const out: MultiHeadAttentionOutput = mha.forward(randn([1, 2, 4]), { returnWeights: true });
const shape: readonly number[] = out.output.shape;
// @ts-expect-error: nHead must be a number
new MultiHeadAttention({ dModel: 4, nHead: 'two' });
export { shape };
`,
    );
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck'];
    run(process.execPath, [tsc, ...args, '--types', 'node', '--typeRoots', join(repoRoot, 'node_modules', '@types'), 'consumer.ts'], project);
  });
});
