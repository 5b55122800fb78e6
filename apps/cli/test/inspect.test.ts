// The inspection commands (inspect, explain, attend --view, generate --show-probs) run as the
// built binary on a checkpoint trained here with `attn train`, and their numbers are checked
// against @attn/inspect run on the same checkpoint in this process.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectHeads, explainHead, gptHooks, headRows, inspectPrompt, readActivations, repeatedRandomTokens, samplingView } from '@attn/inspect';
import { type GPT, loadPretrained } from '@attn/model';
import { temperature, topK } from '@attn/sample';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '@attn/tokenizer';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'dist', 'main.js');
let work: string;
let model: GPT;
let codec: Tokenizer;

function attn(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A usage error: exit 2, exactly one line on stderr, no stack trace. */
function expectUsageError(r: { code: number; stderr: string; stdout: string }, mention: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(mention);
  expect(r.stdout).toBe('');
}

function expectClose(actual: number[], expected: number[], tol = 1e-5): void {
  expect(actual).toHaveLength(expected.length);
  for (const [i, x] of actual.entries()) expect(Math.abs(x - expected[i]), `index ${i}`).toBeLessThan(tol);
}

const PROMPT = 'to be or not to be';

beforeAll(async () => {
  // turbo builds the CLI before its tests; build here too when run on its own.
  if (!existsSync(bin)) execFileSync('pnpm', ['build'], { cwd: root, stdio: 'ignore' });
  work = mkdtempSync(join(tmpdir(), 'attn-inspect-'));
  writeFileSync(join(work, 'tiny.txt'), 'to be or not to be, that is the question. '.repeat(40));
  const t = attn('train', '--data', 'tiny.txt', '--steps', '6', '--batch', '4', '--eval-every', '3', '--out', 'ck', '--json', '--backend', 'cpu');
  expect(t.code, t.stderr).toBe(0);
  const loaded = await loadPretrained(join(work, 'ck'));
  model = loaded.model.eval();
  codec = loaded.tokenizer;
}, 120_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('attn inspect', () => {
  it('--json: tokens, the next-token top 10, the logit lens and the head table, equal to the library’s', async () => {
    const r = attn('inspect', '--checkpoint', 'ck', '--prompt', PROMPT, '--json', '--backend', 'cpu');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const ids = codec.encode(PROMPT);
    expect(out.tokens).toEqual(ids.map((id) => ({ id, text: codec.label(id) })));

    const expected = await inspectPrompt(model, ids);
    expect(out.next).toHaveLength(10);
    for (const [i, t] of out.next.entries()) {
      expect(t.id).toBe(expected.next[i].id);
      expect(t.text).toBe(codec.label(t.id));
      expect(t.prob).toBeCloseTo(expected.next[i].prob, 6);
      if (i > 0) expect(t.prob).toBeLessThanOrEqual(out.next[i - 1].prob);
    }

    expect(out.logitLens.map((l: { layer: string }) => l.layer)).toEqual(['embeddings', 'layer 0', 'layer 1']);
    for (const [d, layer] of out.logitLens.entries()) {
      expect(layer.top).toHaveLength(ids.length);
      for (const [t, p] of layer.top.entries()) {
        expect(p.id).toBe(expected.logitLens[d].predictions[t][0].id);
        expect(p.prob).toBeCloseTo(expected.logitLens[d].predictions[t][0].prob, 6);
      }
    }
    // The lens's last depth at the last position is the next-token prediction itself.
    expect(out.logitLens[2].top.at(-1).id).toBe(out.next[0].id);

    expect(out.heads).toHaveLength(2 * 4);
    for (const [i, h] of out.heads.entries()) {
      expect(Object.keys(h).sort()).toEqual(['duplicateToken', 'head', 'induction', 'layer', 'previousToken']);
      expect([h.layer, h.head]).toEqual([Math.floor(i / 4), i % 4]);
      for (const kind of ['previousToken', 'duplicateToken', 'induction'] as const) expect(h[kind]).toBeCloseTo(expected.heads[i][kind], 6);
    }
    expect(out.detection).toMatchObject({ on: 'the prompt', excludeBos: false, excludeCurrentToken: false, errorMeasure: 'mul' });
  });

  it('takes the checkpoint as a positional argument too, and prints a readable report', () => {
    const positional = attn('inspect', 'ck', '--prompt', PROMPT, '--json', '--backend', 'cpu');
    const flagged = attn('inspect', '--checkpoint', 'ck', '--prompt', PROMPT, '--json', '--backend', 'cpu');
    expect(JSON.parse(positional.stdout).next).toEqual(JSON.parse(flagged.stdout).next);
    const text = attn('inspect', 'ck', '--prompt', PROMPT);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('18 tokens: [t][o][␣][b][e]');
    expect(text.stdout).toMatch(/next token after the prompt \(top 10\):\n\s+1\. /);
    expect(text.stdout).toMatch(/position\s+embeddings\s+layer 0\s+layer 1/);
    expect(text.stdout).toMatch(/\n\s+17 e\s+/); // one lens row per position
    expect(text.stdout).toMatch(/layer\s+head\s+previous\s+duplicate\s+induction/);
    expect(text.stdout.split('\n').filter((l) => /^\s+[01]\s+[0-3]\s+\d\.\d{3}/.test(l))).toHaveLength(8);
  });

  it('--detect scores the heads on random tokens repeated twice', async () => {
    const r = attn('inspect', 'ck', '--detect', '--detect-length', '12', '--seed', '3', '--json', '--backend', 'cpu');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const random = repeatedRandomTokens({ vocabSize: model.vocabSize, halfLength: 12, seed: 3 });
    expect(out.detection.on).toBe('random tokens repeated twice');
    expect(out.detection.tokens.map((t: { id: number }) => t.id)).toEqual(random);
    expect(out.detection.bestPossible.induction).toBe(0.5);
    const expected = await detectHeads(model, random);
    for (const [i, h] of out.heads.entries()) expect(h.induction).toBeCloseTo(expected[i].induction, 6);
    // Without --prompt the random sequence is the prompt; with one, the prompt keeps next/lens.
    expect(out.tokens.map((t: { id: number }) => t.id)).toEqual(random);
    const both = JSON.parse(attn('inspect', 'ck', '--prompt', 'to be', '--detect', '--json', '--backend', 'cpu').stdout);
    expect(both.tokens).toHaveLength(5);
    expect(both.detection.tokens).toHaveLength(2 * 20);
  });

  it('refuses what it cannot do with one line and exit 2', () => {
    expectUsageError(attn('inspect', 'ck'), /--prompt TEXT is required/);
    expectUsageError(attn('inspect', '--prompt', 'to'), /give a checkpoint directory/);
    expectUsageError(attn('inspect', 'nowhere', '--prompt', 'to'), /--checkpoint nowhere: no such directory/);
    expectUsageError(attn('inspect', 'ck', '--checkpoint', 'other', '--prompt', 'to'), /two checkpoints given/);
    expectUsageError(attn('inspect', 'ck', '--prompt', 'Z'), /unknown character/);
    expectUsageError(attn('inspect', 'ck', '--detect', '--detect-length', '40'), /--detect-length 40: two halves must fit the model's context of 64/);
  });
});

describe('attn explain', () => {
  it('without a checkpoint: the seed worked example, weights 0.25/0.25/0.5, output [1.25, 2]', () => {
    const r = attn('explain', 'the cat sat on the mat because it was tired');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cat\s+score\s+1\.00\s+scaled\s+0\.71\s+weight 0\.25/);
    expect(r.stdout).toMatch(/sat\s+score\s+1\.00\s+scaled\s+0\.71\s+weight 0\.25/);
    expect(r.stdout).toMatch(/mat\s+score\s+2\.00\s+scaled\s+1\.41\s+weight 0\.50/);
    expect(r.stdout).toContain('output = sum of weight × V = [1.25, 2.00]');
    for (const title of ['1. Embeddings', '2. This head’s W_Q, W_K and W_V', '3. Query, keys and values', '4. Scores q·k, scaled by 1/√2', '5. Mask, then softmax', '6. Output']) expect(r.stdout).toContain(title);
  });

  it('gives the exact softmax numbers in --json (hand-computed reference)', () => {
    const e = JSON.parse(attn('explain', '--json', 'cat sat mat it').stdout);
    const s = [1, 1, 2].map((x) => Math.exp(x / Math.SQRT2));
    const z = s[0] + s[1] + s[2];
    const w = s.map((x) => x / z);
    for (const [i, x] of (e.weights as number[]).entries()) expect(x).toBeCloseTo(w[i], 12);
    expect(e.output[0]).toBeCloseTo(2 * w[0] + w[1] + w[2], 12);
    expect(e.output[1]).toBeCloseTo(w[0] + 3 * w[1] + 2 * w[2], 12);
  });

  it('uses a seeded toy head for other sentences, with weights summing to 1', () => {
    const e = JSON.parse(attn('explain', '--json', 'dogs chase cats').stdout);
    expect(e.source).toBe('seeded random head');
    expect(e.tokens).toEqual(['dogs', 'chase', 'cats']);
    expect(e.weights.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('--checkpoint: the trained head’s numbers, equal to the library’s and to the forward pass (pattern, hook_z)', async () => {
    const r = attn('explain', '--checkpoint', 'ck', '--layer', '1', '--head', '2', '--query', 'n', '--json', '--backend', 'cpu', PROMPT);
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    const ids = codec.encode(PROMPT);
    expect(e.ids).toEqual(ids);
    expect(e.queryIndex).toBe(9); // the "n" of "not"
    expect([e.source, e.layer, e.head]).toEqual(['checkpoint', 1, 2]);
    const lib = await explainHead(model, ids, { layer: 1, head: 2, query: 9 });
    expectClose(e.weights, lib.weights, 1e-6);
    expectClose(e.output, lib.output, 1e-6);
    const { values } = await readActivations(model, ids, [gptHooks.pattern(1), gptHooks.z(1)]);
    expectClose(e.weights, headRows(values.get(gptHooks.pattern(1))!, 2)[9].slice(0, 10));
    expectClose(e.output, headRows(values.get(gptHooks.z(1))!, 2)[9]);
    expect(e.steps.map((s: { id: string }) => s.id)).toEqual(['embeddings', 'weights', 'qkv', 'scores', 'softmax', 'output']);
    expect(e.projection.contribution).toHaveLength(64);

    const text = attn('explain', '--checkpoint', 'ck', '--layer', '1', '--head', '2', '--position', '9', PROMPT);
    expect(text.stdout).toContain('One attention head (layer 1, head 2 of the checkpoint), query = "n" (position 9)');
    expect(text.stdout).toContain('W_Q (layer 1 head 2): [64 × 16], top-left corner:');
    expect(text.stdout).toMatch(/The causal mask hides the 8 later tokens/);
  });

  it('refuses a head, layer or query that does not exist', () => {
    expectUsageError(attn('explain', '--checkpoint', 'ck', '--layer', '2', PROMPT), /--layer 2: the model has layers 0..1/);
    expectUsageError(attn('explain', '--checkpoint', 'ck', '--head', '4', PROMPT), /--head 4: the model has heads 0..3/);
    expectUsageError(attn('explain', '--checkpoint', 'ck', '--query', 'x', PROMPT), /--query 'x': not a token of the sentence/);
    expectUsageError(attn('explain', '--checkpoint', 'ck', '--position', '18', PROMPT), /--position 18: the sentence has positions 0..17/);
    expectUsageError(attn('explain', '--layer', '1', 'cat sat'), /--layer: needs --checkpoint/);
  });
});

describe('attn attend --view', () => {
  it('writes the head view (each layer’s heads overlaid) and the model view as one SVG each', () => {
    const head = attn('attend', '--checkpoint', 'ck', '--view', 'head', '--svg', 'head.svg', 'to be');
    expect(head.code, head.stderr).toBe(0);
    const headSvg = readFileSync(join(work, 'head.svg'), 'utf8');
    expect(headSvg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*class="attn-stack"/);
    expect(headSvg.match(/class="attn-head-view"/g)).toHaveLength(2); // one per layer
    expect(headSvg.match(/class="head-swatch"/g)).toHaveLength(2 * 4);
    expect(headSvg).toContain('layer 1, all 4 heads');

    attn('attend', '--checkpoint', 'ck', '--view', 'head', '--layer', '1', '--head', '3', '--svg', 'one.svg', 'to be');
    const one = readFileSync(join(work, 'one.svg'), 'utf8');
    expect(one).toMatch(/^<svg[^>]*class="attn-head-view"/);
    expect(one).toContain('layer 1 head 3');

    const m = attn('attend', '--checkpoint', 'ck', '--view', 'model', '--svg', 'model.svg', 'to be');
    expect(m.code, m.stderr).toBe(0);
    const modelSvg = readFileSync(join(work, 'model.svg'), 'utf8');
    expect(modelSvg.match(/<a href="#head-\d-\d"/g)).toHaveLength(8);
    expect(modelSvg).toContain('id="model-view-1-3"');
    expectUsageError(attn('attend', '--checkpoint', 'ck', '--view', 'grid', 'to'), /--view.*grid/);
    expectUsageError(attn('attend', '--checkpoint', 'ck', '--view', 'model', 'to'), /--view model: the view is drawn into an SVG file; add --svg FILE/);
  });
});

describe('attn generate --show-probs', () => {
  it('prints the 5 most likely tokens at each step with the probabilities sampled from', () => {
    const r = attn('generate', '--checkpoint', 'ck', '--prompt', 'to be', '--max-tokens', '4', '--temperature', '0.8', '--top-k', '3', '--show-probs', '--json', '--backend', 'cpu');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.steps).toHaveLength(4);
    expect(out.steps.map((s: { token: { text: string } }) => s.token.text).join('')).toBe(out.text);
    // Step 1 samples from the prompt's next-token logits: the same view from the library.
    const logits = model.startDecoding().feed(codec.encode('to be'));
    const view = samplingView(logits, { processors: [temperature(0.8), topK(3)] }, { show: 5 });
    const first = out.steps[0];
    expect(first.top.map((t: { id: number }) => t.id)).toEqual(view.tokens.map((t) => t.id));
    for (const [i, t] of first.top.entries()) {
      expect(t.prob).toBeCloseTo(view.tokens[i].prob, 5);
      expect(t.cutBy).toBe(view.tokens[i].cutBy);
    }
    expect(first.top.filter((t: { cutBy: string | null }) => t.cutBy === null)).toHaveLength(3); // top-k 3 keeps 3
    expect(first.top.slice(3).every((t: { cutBy: string; prob: number }) => t.cutBy === 'top-k(3)' && t.prob === 0)).toBe(true);
    for (const step of out.steps) {
      const chosen = step.top.find((t: { id: number }) => t.id === step.token.id);
      expect(chosen?.prob ?? 1).toBeGreaterThan(0); // never a token that was cut off
      expect(step.top.filter((t: { greedy: boolean }) => t.greedy).length).toBeLessThanOrEqual(1);
    }

    const text = attn('generate', '--checkpoint', 'ck', '--prompt', 'to be', '--max-tokens', '3', '--top-k', '3', '--show-probs');
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines.filter((l) => /^step \d: /.test(l))).toHaveLength(3);
    expect(lines[1]).toMatch(/^step 1: .+ \| (.+ (\d\.\d{3}|cut)[★←]*\s*){5}$/);
  });
});
