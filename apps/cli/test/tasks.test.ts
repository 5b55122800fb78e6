// attn train --task induction|date and attn translate, through the built binary: the checkpoint
// directory, the measured findings printed, resume, and one-line errors for bad flags.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, expectUsageError, root, runAttn } from './run-attn.js';

let work: string;

const attn = (...args: string[]) => runAttn(work, ...args);

beforeAll(() => {
  if (!existsSync(bin)) execFileSync('pnpm', ['build'], { cwd: root, stdio: 'ignore' });
  work = mkdtempSync(join(tmpdir(), 'attn-tasks-'));
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('attn train --task date, attn translate', () => {
  it('trains, saves an encoder-decoder directory, measures held-out exact match, resumes, and translates with a cross-attention heatmap', () => {
    const t = attn('train', '--task', 'date', '--steps', '3', '--batch', '4', '--out', 'date', '--json', '--backend', 'cpu');
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    const r = JSON.parse(t.stdout);
    expect(r.task).toBe('date');
    expect(r.steps).toBe(3);
    expect(r.accuracy.total).toBe(200);
    expect(r.accuracy.greedy).toBeGreaterThanOrEqual(0);
    expect(r.accuracy.greedy).toBeLessThanOrEqual(1);
    const config = JSON.parse(readFileSync(join(work, 'date', 'config.json'), 'utf8'));
    expect(config.model_type).toBe('attn-seq2seq');
    expect(config.attn.task).toBe('date');
    expect(existsSync(join(work, 'date', 'training-state.safetensors'))).toBe(true);
    // --resume continues to the new total; a different --lr is refused.
    expectUsageError(attn('train', '--task', 'date', '--resume', '--steps', '5', '--lr', '0.1', '--out', 'date', '--backend', 'cpu'), /^attn: --lr 0\.1: the checkpoint was trained with 0\.005/);
    const resumed = JSON.parse(attn('train', '--task', 'date', '--resume', '--steps', '5', '--out', 'date', '--json', '--backend', 'cpu').stdout);
    expect(resumed.steps).toBe(5);
    expectUsageError(attn('train', '--task', 'induction', '--resume', '--steps', '9', '--out', 'date', '--backend', 'cpu'), /--task induction: date was trained on "date"/);

    const svg = join(work, 'cross.svg');
    const tr = attn('translate', '--checkpoint', 'date', '--beam', '3', '--svg', svg, '--json', 'November 11, 2024');
    expect(tr.code).toBe(0);
    const out = JSON.parse(tr.stdout);
    expect(out.beam.width).toBe(3);
    expect(out.crossAttention.inputs.join('')).toBe('November 11, 2024');
    // One row per output character (plus <eos> when the model ends), each a distribution over the 17 input characters.
    for (const row of out.crossAttention.weights) {
      expect(row).toHaveLength(17);
      expect(row.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg[^>]*>/);
    const text = attn('translate', '--checkpoint', 'date', '--no-color', 'November 11, 2024');
    expect(text.stdout).toMatch(/^input: {6}November 11, 2024\ngreedy: {5}\S*/);
    expect(text.stdout).toContain('cross-attention, decoder layer 1, mean of 2 heads');
  }, 120_000);

  it('bad flags and input: one line, exit 2', () => {
    expectUsageError(attn('train', '--task', 'sort'), /argument 'sort' is invalid|--task/);
    expectUsageError(attn('train', '--task', 'date', '--corpus', 'shakespeare', '--out', 'x'), /^attn: --corpus: --task date brings its own data/);
    expectUsageError(attn('train', '--task', 'date', '--steps', '0', '--out', 'x'), /^attn: --steps: expected an integer >= 1, got '0'/);
    expectUsageError(attn('train', '--task', 'date', '--config', 'small', '--out', 'x'), /^attn: --config: --task date has its own model/);
    expectUsageError(attn('translate', '--checkpoint', 'nowhere', 'May 1, 2000'), /nowhere/);
    expectUsageError(attn('translate', '--checkpoint', 'date', 'May 1, 2000 🙂'), /^attn: translate: .*this model knows/);
    expectUsageError(attn('translate', '--checkpoint', 'date', '--beam', '0', 'May 1, 2000'), /^attn: --beam: expected an integer >= 1, got '0'/);
    expectUsageError(attn('translate', '--checkpoint', 'date', '--layer', '2', 'May 1, 2000'), /^attn: --layer 2: the decoder has layers 0\.\.1/);
  });
});

describe('attn train --task induction', () => {
  it('trains the induction GPT, saves a GPT directory attn inspect reads, and prints the head, its share of the ceiling and the half losses', () => {
    const t = attn('train', '--task', 'induction', '--steps', '3', '--out', 'ind', '--backend', 'cpu');
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/induction head: layer [01], head 0; score 0\.\d{3} of a possible 0\.4\d{2} \(\d+% of the ceiling\), mean over random tokens repeated after 8, 5 tokens \(never trained on\)/);
    expect(t.stdout).toMatch(/ {2}previous-token scores: L0H0 0\.\d{3} \| L1H0 0\.\d{3}/);
    expect(t.stdout).toMatch(/loss on 48 test sequences: random half \d\.\d{3} \(chance ln 8 = 2\.079\), repeated half \d\.\d{3}/);
    expect(t.stdout).toContain('verdict: no induction head yet'); // 3 steps
    const json = JSON.parse(attn('train', '--task', 'induction', '--resume', '--steps', '4', '--out', 'ind', '--json', '--backend', 'cpu').stdout);
    expect(json.induction.byLength.map((r: { halfLength: number }) => r.halfLength)).toEqual([8, 5]);
    expect(json.induction.fraction).toBeCloseTo(json.induction.score / json.induction.ceiling, 12);
    const inspect = attn('inspect', '--checkpoint', 'ind', '--prompt', '<bos> t1 t2 t3 t1 t2', '--json');
    expect(inspect.code).toBe(0);
    expect(JSON.parse(inspect.stdout).tokens.map((t: { text: string }) => t.text)).toEqual(['<bos>', 't1', 't2', 't3', 't1', 't2']);
  }, 120_000);
});
