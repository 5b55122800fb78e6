// Runs the real built binary (dist/main.js) on small settings and checks its output and exit codes.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'dist', 'main.js');
let work: string;

function attn(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A usage error: exit 2, exactly one line on stderr, no stack trace. */
function expectUsageError(r: { code: number; stderr: string }, mention: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(mention);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(() => {
  // turbo builds the CLI before its tests; build here too when run on its own.
  if (!existsSync(bin)) execFileSync('pnpm', ['build'], { cwd: root, stdio: 'ignore' });
  work = mkdtempSync(join(tmpdir(), 'attn-cli-'));
}, 120_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('attn tokenize', () => {
  it('shows one piece per character with ids', () => {
    const r = attn('tokenize', 'abba');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[a] [b] [b] [a]');
    expect(r.stdout).toContain('4 tokens; ids 0 1 1 0');
  });

  it('prints JSON with --json', () => {
    const r = attn('tokenize', '--json', 'hi');
    expect(JSON.parse(r.stdout)).toEqual({ tokenizer: 'char', count: 2, pieces: [{ id: 0, text: 'h' }, { id: 1, text: 'i' }] });
  });
});

// attn explain (and inspect, attend --view, generate --show-probs): see inspect.test.ts.

describe('attn train / generate / attend', () => {
  it('trains a few steps, then generates and attends from the checkpoint', () => {
    const text = 'to be or not to be, that is the question. '.repeat(40);
    writeFileSync(join(work, 'tiny.txt'), text);
    const t = attn('train', '--data', 'tiny.txt', '--steps', '4', '--batch', '2', '--eval-every', '2', '--out', 'ck', '--json', '--backend', 'cpu');
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    const summary = JSON.parse(t.stdout);
    expect(summary.steps).toBe(4);
    expect(Number.isFinite(summary.loss)).toBe(true);
    for (const f of ['model.safetensors', 'tokenizer.json', 'train.json']) expect(existsSync(join(work, 'ck', f))).toBe(true);

    const g = attn('generate', '--checkpoint', 'ck', '--prompt', 'to be', '--max-tokens', '12', '--top-k', '5', '--json');
    expect(g.code).toBe(0);
    const gen = JSON.parse(g.stdout);
    expect(Array.from(gen.text as string)).toHaveLength(12);
    for (const ch of gen.text as string) expect(text).toContain(ch);
    expect(gen.sampler).toContain('top-k(5)');

    const a = attn('attend', '--checkpoint', 'ck', '--layer', '1', '--head', '0', '--no-color', 'to be');
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('layer 1 head 0');
    expect(a.stdout).toMatch(/rows: queries, columns: keys/);
    expect(a.stdout.split('\n').filter((l) => l.startsWith('b ')).length).toBe(1);

    const j = JSON.parse(attn('attend', '--checkpoint', 'ck', '--json', 'to').stdout);
    expect(j.maps).toHaveLength(2 * 4); // tiny: 2 layers x 4 heads
    for (const m of j.maps) expect(m.weights[1][0] + m.weights[1][1]).toBeCloseTo(1, 5);

    // A prompt outside the vocabulary: one line, exit 2, nothing printed on stdout.
    const bad = attn('generate', '--checkpoint', 'ck', '--prompt', 'Z€');
    expectUsageError(bad, /unknown character/);
    expect(bad.stdout).toBe('');

    // Without --resume an existing checkpoint is not overwritten.
    const before = statSync(join(work, 'ck', 'model.safetensors')).mtimeMs;
    expectUsageError(attn('train', '--data', 'tiny.txt', '--steps', '1', '--out', 'ck'), /--out ck: already holds a checkpoint/);
    expect(statSync(join(work, 'ck', 'model.safetensors')).mtimeMs).toBe(before);
    // --resume with another architecture is refused.
    expectUsageError(attn('train', '--data', 'tiny.txt', '--steps', '1', '--out', 'ck', '--resume', '--config', 'nano'), /not --config nano/);
  }, 60_000);
});

describe('bad input: one line on stderr, exit 2', () => {
  it('rejects unknown commands, flags and values', () => {
    expectUsageError(attn('frobnicate'), /unknown command 'frobnicate'/);
    expectUsageError(attn('train', '--nope'), /unknown option '--nope'/);
    expectUsageError(attn('train', '--config', 'huge'), /--config.*huge/);
    expectUsageError(attn('train', '--steps', 'many'), /--steps: expected an integer >= 1, got 'many'/);
    expectUsageError(attn('generate', '--checkpoint', 'x', '--prompt', 'a', '--temperature', '-1'), /--temperature/);
  });

  it('rejects missing files, empty and too-short corpora, and missing checkpoints', () => {
    expectUsageError(attn('train', '--data', 'missing.txt', '--out', 'o1'), /--data missing.txt: no such file/);
    writeFileSync(join(work, 'empty.txt'), '');
    expectUsageError(attn('train', '--data', 'empty.txt', '--out', 'o2'), /empty/);
    writeFileSync(join(work, 'short.txt'), 'too short');
    expectUsageError(attn('train', '--data', 'short.txt', '--out', 'o3'), /shorter than one training window/);
    expect(existsSync(join(work, 'o2'))).toBe(false);
    expect(existsSync(join(work, 'o3'))).toBe(false);
    expectUsageError(attn('generate', '--checkpoint', 'nowhere', '--prompt', 'a'), /--checkpoint nowhere: no such directory/);
    expectUsageError(attn('tokenize', '--bpe', 'nothing.json', 'x'), /--bpe nothing.json: no such file/);
  });

  it('rejects a checkpoint whose tokenizer does not match the model', () => {
    const dir = join(work, 'ck');
    expect(existsSync(join(dir, 'model.safetensors'))).toBe(true); // made by the training test above
    const mixed = join(work, 'mixed');
    execFileSync('cp', ['-r', dir, mixed]);
    writeFileSync(join(mixed, 'tokenizer.json'), JSON.stringify({ kind: 'word', words: ['a', 'b'] }));
    expectUsageError(attn('generate', '--checkpoint', 'mixed', '--prompt', 'a'), /different runs/);
  });

  it('prints help with exit 0', () => {
    const r = attn('train', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--corpus <name>');
    expect(attn('--help').stdout).toMatch(/explain.*\n/);
  });
});

describe('attn demo --quick', () => {
  it('writes the report and checkpoints and summarises in JSON', () => {
    const r = attn('demo', '--quick', '--out', 'demo-out', '--json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    expect(summary.coref.sentences).toBe(20);
    expect(summary.coref.share).toBeGreaterThanOrEqual(0);
    const html = readFileSync(join(work, 'demo-out', 'attn-report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Layer 1 head 3');
    expect(existsSync(join(work, 'demo-out', 'shakespeare', 'model.safetensors'))).toBe(true);
    expect(existsSync(join(work, 'demo-out', 'coref', 'model.safetensors'))).toBe(true);
    expect(r.stdout).toContain('"it" ->');
  }, 60_000);
});

describe('attn train: live progress and Ctrl-C', () => {
  it('redraws the bar during training, and on SIGINT saves a loadable checkpoint and exits 130', async () => {
    const child = spawn(process.execPath, [bin, 'train', '--corpus', 'shakespeare', '--steps', '5000', '--out', 'interrupted'], {
      cwd: work,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // A bar line past step 0 proves the bar redraws while the (synchronous) steps run.
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/step [1-9]\d*\/5000/.test(stderr)) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    const done = Number(/interrupted: saving the (\d+) steps done/.exec(stderr)?.[1]);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(5000);
    expect(stdout).toContain(`after ${done} steps`);
    const info = JSON.parse(readFileSync(join(work, 'interrupted', 'train.json'), 'utf8'));
    expect(info.steps).toBe(done);
    // Loadable: generation from it works.
    const g = attn('generate', '--checkpoint', 'interrupted', '--prompt', 'RO', '--max-tokens', '5', '--json');
    expect(g.code).toBe(0);
    expect(Array.from(JSON.parse(g.stdout).text as string)).toHaveLength(5);
  }, 90_000);
});
