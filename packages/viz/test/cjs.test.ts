// The package ships CommonJS next to ESM, while d3-scale and d3-scale-chromatic
// are ESM-only. Node ≥ 20.19 can require() ES modules, so the CJS build keeps
// them external. This test builds the package with its own build script into a
// scratch directory and loads both outputs in a fresh Node process.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
// Inside the package (gitignored) so the built files resolve d3 from its node_modules.
const outDir = join(packageDir, 'test', 'output', `build-${process.pid}`);

beforeAll(() => {
  mkdirSync(outDir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const buildArgs: string[] = pkg.scripts.build.split(/\s+/);
  expect(buildArgs[0]).toBe('tsup');
  // Types are not needed to load the code; skipping --dts halves the build time.
  const flags = buildArgs.slice(1).filter((flag) => flag !== '--dts');
  const local = join(packageDir, 'node_modules', '.bin', 'tsup');
  const tsup = existsSync(local) ? local : join(packageDir, '..', '..', 'node_modules', '.bin', 'tsup');
  execFileSync(tsup, [...flags, '--out-dir', outDir], { cwd: packageDir, stdio: 'pipe' });
});

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Run a script in a child Node (no vitest transforms) and return its stdout. */
function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8' });
}

describe('built package', () => {
  it('require() of the CJS build works and renders with d3 colours', () => {
    const script = `
      const viz = require(${JSON.stringify(join(outDir, 'index.cjs'))});
      const svg = viz.attentionHeatmapSvg({ weights: [[1, 0], [0.5, 0.5]], queryLabels: ['a', 'b'] });
      console.log(JSON.stringify({ keys: Object.keys(viz).sort(), fills: svg.match(/fill="rgb\\([^"]+\\)"/g).slice(0, 2) }));
    `;
    const out = JSON.parse(node(['-e', script]));
    expect(out.keys).toContain('attentionHeatmapSvg');
    expect(out.keys).toContain('pca2d');
    // interpolateBlues(1) and interpolateBlues(0): the ends of d3's Blues map.
    expect(out.fills).toEqual(['fill="rgb(8, 48, 107)"', 'fill="rgb(247, 251, 255)"']);
  });

  it('import() of the ESM build exposes the same API', () => {
    const script = `
      const viz = await import(${JSON.stringify('file://' + join(outDir, 'index.js'))});
      console.log(JSON.stringify(Object.keys(viz).sort()));
    `;
    const esmKeys = JSON.parse(node(['--input-type=module', '-e', script]));
    const cjsKeys = JSON.parse(node(['-e', `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(join(outDir, 'index.cjs'))})).sort()))`]));
    expect(esmKeys).toEqual(cjsKeys);
    expect(esmKeys).toContain('terminalHeatmap');
  });

  it('the README example runs against the ESM build', () => {
    const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
    const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const script = example!.replace("from '@attn/viz'", `from ${JSON.stringify('file://' + join(outDir, 'index.js'))}`);
    const file = join(outDir, 'readme-example.mjs');
    writeFileSync(file, script);
    const stdout = execFileSync(process.execPath, [file], { cwd: outDir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(stdout).toContain('␣animal');
    expect(stdout).toContain('▓');
    expect(stdout).not.toContain(String.fromCharCode(27));
    const html = readFileSync(join(outDir, 'attn-example.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(5);
  });
});
