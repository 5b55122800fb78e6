// The shipped artefacts: the committed wasm matches its C source, and the
// tsup-built package (ESM and CJS) runs in plain Node with worker threads and
// lets the process exit on its own (idle workers are unref'd).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function hasClang(): boolean {
  for (const c of [process.env.CLANG, 'clang-14', 'clang']) {
    if (!c) continue;
    if (spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0) return true;
  }
  return false;
}

/** The base64 module strings of a generated kernels file, without the header comments. */
function modulesOf(text: string): string[] {
  return [...text.matchAll(/'([A-Za-z0-9+/=]+)'/g)].map((m) => m[1]);
}

describe('committed wasm', () => {
  const clang = hasClang();
  const title = clang
    ? 'matches a fresh build of csrc/'
    : 'matches a fresh build of csrc/ (SKIPPED: no clang with a wasm32 target; apt install clang-14 lld-14)';
  it.skipIf(!clang)(title, () => {
    const fresh = execFileSync(process.execPath, [path.join(pkg, 'scripts/build-wasm.mjs'), '--print'], {
      encoding: 'utf8',
    });
    const committed = fs.readFileSync(path.join(pkg, 'src/kernels.generated.ts'), 'utf8');
    const hash = (t: string) => /Source sha256: (\w+)/.exec(t)?.[1];
    expect(hash(committed), 'csrc/ changed without `pnpm build:wasm`').toBe(hash(fresh));
    expect(modulesOf(committed)).toEqual(modulesOf(fresh));
    expect(modulesOf(committed)).toHaveLength(4);
  }, 300_000); // four clang builds: about 20 s on a quiet machine, much longer when other jobs share the cores
});

describe('the four committed modules', () => {
  // In a fresh Node without V8's relaxed-SIMD flag (Node 20's default), the plain
  // modules validate and the relaxed ones do not; with the flag, all four do. So the
  // relaxed ones really use relaxed SIMD, in its standard encoding.
  const [single, threaded, singleRelaxed, threadedRelaxed] = modulesOf(fs.readFileSync(path.join(pkg, 'src/kernels.generated.ts'), 'utf8'));
  const validate = (flags: string[]) => {
    const code = `let s='';process.stdin.on('data',(d)=>s+=d).on('end',()=>{console.log(JSON.stringify(JSON.parse(s).map((b)=>WebAssembly.validate(Buffer.from(b,'base64')))))})`;
    const input = JSON.stringify([single, threaded, singleRelaxed, threadedRelaxed]);
    const run = spawnSync(process.execPath, [...flags, '-e', code], { input, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    return JSON.parse(run.stdout);
  };
  const major = Number(process.versions.node.split('.')[0]);
  it.runIf(major === 20)('validate as plain and relaxed SIMD (Node 20: relaxed only behind the flag)', () => {
    expect(validate([])).toEqual([true, true, false, false]);
    expect(validate(['--experimental-wasm-relaxed-simd'])).toEqual([true, true, true, true]);
  });
});

/**
 * A scratch directory inside the package, so the built files resolve
 * @attn/tensor the way an installed package would (through node_modules, to
 * its built dist/, which turbo builds before tests run).
 */
function scratchDir(prefix: string): string {
  const tensorDist = path.join(pkg, 'node_modules/@attn/tensor/dist/index.js');
  if (!fs.existsSync(tensorDist)) {
    throw new Error(`@attn/tensor is not built (${tensorDist} missing): run \`pnpm turbo run build --filter=@attn/tensor\``);
  }
  return fs.mkdtempSync(path.join(pkg, `.test-${prefix}-`));
}

describe('built package in plain Node', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = scratchDir('dist');
    const local = [path.join(pkg, 'node_modules/.bin/tsup'), path.join(pkg, '../../node_modules/.bin/tsup')];
    const bin = local.find((p) => fs.existsSync(p)) ?? 'tsup';
    execFileSync(bin, ['src/index.ts', '--format', 'esm,cjs', '--target', 'es2022', '--out-dir', outDir, '--silent'], {
      cwd: pkg,
      stdio: 'pipe',
    });
  });
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  // [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]], repeated over a batch of 64 so two threads share it.
  const script = (load: string) => `${load}
(async () => {
  const k = await m.createWasmKernels({ threads: 2, minParallelFlops: 0 });
  const a = new Float32Array(64 * 4), b = Float32Array.of(5, 6, 7, 8);
  for (let i = 0; i < 64; i++) a.set([1, 2, 3, 4], i * 4);
  const r = k.matmul(a, [64, 2, 2], b, [2, 2]);
  console.log(JSON.stringify({ threads: k.threads, first: Array.from(r.data.slice(0, 4)), last: Array.from(r.data.slice(-4)) }));
})();`;

  it.each([
    ['ESM', 'index.js', '.mjs', (f: string) => `import * as m from ${JSON.stringify(f)};`],
    ['CJS', 'index.cjs', '.cjs', (f: string) => `const m = require(${JSON.stringify(f)});`],
  ])('%s build computes on 2 threads and exits by itself', (_name, file, ext, load) => {
    const entry = path.join(outDir, 'entry' + ext);
    fs.writeFileSync(entry, script(load(path.join(outDir, file))));
    const run = spawnSync(process.execPath, [entry], { encoding: 'utf8', timeout: 30_000 });
    expect(run.error, 'process did not exit by itself (a worker kept it alive?)').toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ threads: 2, first: [19, 22, 43, 50], last: [19, 22, 43, 50] });
  });
});

describe('README example', () => {
  it('runs against the built package and prints what its comments say', () => {
    const readme = fs.readFileSync(path.join(pkg, 'README.md'), 'utf8');
    const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code, 'README has a ```js example').toBeTruthy();
    const outDir = scratchDir('readme');
    try {
      const local = [path.join(pkg, 'node_modules/.bin/tsup'), path.join(pkg, '../../node_modules/.bin/tsup')];
      const bin = local.find((p) => fs.existsSync(p)) ?? 'tsup';
      execFileSync(bin, ['src/index.ts', '--format', 'esm', '--target', 'es2022', '--out-dir', outDir, '--silent'], {
        cwd: pkg,
        stdio: 'pipe',
      });
      const example = path.join(outDir, 'example.mjs');
      // '@attn/tensor' resolves through node_modules to its build; '@attn/wasm' is pointed at ours
      fs.writeFileSync(example, code!.replace("'@attn/wasm'", JSON.stringify(path.join(outDir, 'index.js'))));
      const run = spawnSync(process.execPath, [example], { encoding: 'utf8', timeout: 30_000 });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim().split('\n')).toEqual([
        '{ simd: true, threads: true, relaxedSimd: true }',
        'wasm 2',
        '[ 19, 22, 43, 50 ]',
        '[ 2, 2 ] [ 19, 22, 43, 50 ]',
        '[ 2, 4, 64, 64 ] 1',
      ]);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });
});
