// Tests of the `pnpm new:sampler NAME` generator (scripts/new-sampler.mjs at the
// repo root): it runs into a temporary --root, so the repo is never touched.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type SamplingStrategy, loadSamplerByName, sampler } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.resolve(here, '../../../scripts/new-sampler.mjs');
const root = mkdtempSync(path.join(tmpdir(), 'attn-new-sampler-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every file under `dir`, relative to it. */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

describe('new:sampler', () => {
  it('--dry-run lists the files and writes nothing', () => {
    const { code, stdout } = run('dry-one', '--root', root, '--dry-run');
    expect(code).toBe(0);
    expect(stdout).toContain('packages/sample-dry-one/src/index.ts');
    expect(stdout).toContain('.changeset/sample-dry-one-initial.md');
    expect(listFiles(root)).toEqual([]);
  });

  it('scaffolds a complete package and a changeset', () => {
    const { code, stderr } = run('my-thing', '--root', root);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const pkgDir = path.join(root, 'packages/sample-my-thing');
    expect(listFiles(pkgDir)).toEqual(['README.md', 'package.json', 'src/index.ts', 'test/my-thing.test.ts', 'tsconfig.json', 'vitest.config.ts']);
    // no staging folder left behind
    expect(readdirSync(path.join(root, 'packages'))).toEqual(['sample-my-thing']);

    const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('@attn/sample-my-thing');
    expect(pkg.dependencies).toEqual({ '@attn/sample': 'workspace:^' });
    expect(pkg.exports['.'].source).toBe('./src/index.ts');
    expect(pkg.scripts.test).toBe('vitest run');

    const changeset = readFileSync(path.join(root, '.changeset/sample-my-thing-initial.md'), 'utf8');
    expect(changeset).toMatch(/^---\n"@attn\/sample-my-thing": minor\n---\n.+\n$/);
    const readme = readFileSync(path.join(pkgDir, 'README.md'), 'utf8');
    expect(readme).toContain("import { myThing } from '@attn/sample-my-thing';");
    expect(readme).toContain('--sampler my-thing:p=0.5');
  });

  it('the generated strategy compiles, runs, and is found by name', async () => {
    // Give the temporary root what the repo root has: the base tsconfig, and
    // '@attn/sample' resolving to this package as the workspace link does.
    symlinkSync(path.resolve(here, '../../../tsconfig.base.json'), path.join(root, 'tsconfig.base.json'));
    mkdirSync(path.join(root, 'node_modules/@attn'), { recursive: true });
    symlinkSync(path.resolve(here, '..'), path.join(root, 'node_modules/@attn/sample'), 'dir');
    const file = path.join(root, 'packages/sample-my-thing/src/index.ts');
    const mod = (await import(/* @vite-ignore */ file)) as {
      createStrategy: (o: object) => SamplingStrategy;
      myThing: (o: object) => SamplingStrategy;
    };
    const strategy = mod.createStrategy({ p: 0.5 });
    expect(strategy.kind).toBe('processor');
    expect(sampler([strategy]).sample(Float32Array.from([0, 3, 1]))).toBe(1);
    expect(() => mod.myThing({ p: 2 })).toThrow(/myThing: p must be in \(0, 1\], got 2/);
    const byName = await loadSamplerByName('my-thing', {}, { importModule: () => Promise.resolve(mod) });
    expect(byName.name).toBe('my-thing(1)');
  });

  it('refuses bad names, built-in names and existing packages', () => {
    expect(run('My Thing', '--root', root)).toMatchObject({ code: 1, stderr: expect.stringMatching(/NAME must be lowercase letters/) });
    expect(run('top-p', '--root', root)).toMatchObject({ code: 1, stderr: expect.stringMatching(/"top-p" is a built-in strategy/) });
    expect(run('my-thing', '--root', root)).toMatchObject({ code: 1, stderr: expect.stringMatching(/sample-my-thing already exists/) });
    expect(run('--root', root)).toMatchObject({ code: 1, stderr: expect.stringMatching(/missing NAME/) });
    expect(run('a', '--bogus')).toMatchObject({ code: 1, stderr: expect.stringMatching(/unknown flag --bogus/) });
  });
});
