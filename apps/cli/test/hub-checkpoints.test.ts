// Every command that takes a checkpoint loads a Hugging Face Hub directory with no options,
// checked against PyTorch: the four layouts made by packages/model/test/fixtures/
// make_hub_checkpoints.py (no prefix + attn.bias buffers; prefix + lm_head; BF16; sharded F16
// with BOOL/scalar buffers) run through the built binary on its default backend, and what it
// prints is compared with golden.json, which the script computed in float64 from the stored
// weights: the prompt's token ids, the next-token probabilities (1e-4), every head's attention
// weights (1e-4) and the tokens greedy decoding appends.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GPT, gptConfigFromHf, loadPretrained, openSafetensorsWeights, parseSafetensors, readGptWeights, type SafetensorsInput, serializeSafetensors } from '@attn/model';
import { setBackend } from '@attn/tensor';
import { registerWasmBackend } from '@attn/wasm';
import { residentBudget } from '../src/backend.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'dist', 'main.js');
const HUB = join(root, '../../packages/model/test/fixtures/hub');
const golden = JSON.parse(readFileSync(join(HUB, 'golden.json'), 'utf8'));

interface Reference {
  nextTokenProbs: number[];
  top10: { id: number; prob: number }[];
  logits: number[][];
  attention: number[][][][];
  greedy: number[];
}

function attn(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function json(...args: string[]) {
  const r = attn(...args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

let work: string;
beforeAll(() => {
  // turbo builds the CLI before its tests; build here too when run on its own.
  if (!existsSync(bin)) execFileSync('pnpm', ['build'], { cwd: root, stdio: 'ignore' });
  work = mkdtempSync(join(tmpdir(), 'attn-hub-cli-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PROMPT: string = golden.prompt;
const T = golden.ids.length;

describe.each(Object.keys(golden.directories))('%s', (name) => {
  const dir = join(HUB, name);
  const reference: Reference = golden.weights[golden.directories[name].weights];

  it('attn inspect DIR --prompt: PyTorch’s tokens and next-token top 10 (1e-4), with no other option', async () => {
    const out = json('inspect', dir, '--prompt', PROMPT, '--json');
    expect(out.tokens.map((t: { id: number }) => t.id)).toEqual(golden.ids);
    const { tokenizer } = await loadPretrained(dir);
    expect(out.tokens.map((t: { text: string }) => t.text)).toEqual(golden.ids.map((id: number) => tokenizer.label(id)));
    expect(out.next.map((t: { id: number }) => t.id)).toEqual(reference.top10.map((t) => t.id));
    for (const t of out.next) expect(Math.abs(t.prob - reference.nextTokenProbs[t.id]), `token ${t.id}`).toBeLessThan(1e-4);
    // The logit lens's last depth at the last position is the model's own prediction.
    expect(out.logitLens.at(-1).top.at(-1).id).toBe(reference.top10[0].id);
    expect(out.heads).toHaveLength(golden.config.n_layer * golden.config.n_head);
    // --checkpoint DIR is the same command.
    expect(json('inspect', '--checkpoint', dir, '--prompt', PROMPT, '--json').next).toEqual(out.next);
  });

  it('attn attend --checkpoint DIR: every head’s attention weights equal PyTorch’s (1e-4)', () => {
    const out = json('attend', '--checkpoint', dir, PROMPT, '--json');
    expect(out.tokens).toHaveLength(T);
    expect(out.maps).toHaveLength(golden.config.n_layer * golden.config.n_head);
    let worst = 0;
    for (const { layer, head, weights } of out.maps) {
      const want = reference.attention[layer][head];
      for (let q = 0; q < T; q++) for (let k = 0; k < T; k++) worst = Math.max(worst, Math.abs(weights[q][k] - want[q][k]));
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('attn explain --checkpoint DIR: the explained head’s softmax row is PyTorch’s', () => {
    const out = json('explain', '--checkpoint', dir, '--layer', '1', '--head', '2', PROMPT, '--json');
    expect(out.ids).toEqual(golden.ids);
    expect(out.queryIndex).toBe(T - 1);
    const want = reference.attention[1][2][T - 1];
    expect(out.weights).toHaveLength(T);
    for (const [k, w] of out.weights.entries()) expect(Math.abs(w - want[k]), `key ${k}`).toBeLessThan(1e-4);
  });

  it('attn generate --checkpoint DIR --top-k 1: the tokens PyTorch’s greedy decoding appends', async () => {
    const n = String(reference.greedy.length);
    const steps = json('generate', '--checkpoint', dir, '--prompt', PROMPT, '--max-tokens', n, '--top-k', '1', '--show-probs', '--json').steps;
    expect(steps.map((s: { token: { id: number } }) => s.token.id)).toEqual(reference.greedy);
    const { tokenizer } = await loadPretrained(dir);
    expect(json('generate', '--checkpoint', dir, '--prompt', PROMPT, '--max-tokens', n, '--top-k', '1', '--json').text).toBe(tokenizer.decode(reference.greedy));
  });
});

describe('Hub directories the tokenizer does not cover', () => {
  it('a vocabulary padded past the tokenizer (vocab_size > its ids) shows the extra ids as <unused:N>', async () => {
    // gpt2-hub with vocab_size 320: wte gains 8 rows, each twice the row of PyTorch's top next token,
    // so the padded ids (which no text encodes to) are what the model predicts.
    const dir = join(work, 'padded');
    cpSync(join(HUB, 'gpt2-hub'), dir, { recursive: true });
    const file = join(dir, 'model.safetensors');
    const parsed = parseSafetensors(readFileSync(file));
    const tensors = new Map<string, SafetensorsInput>();
    for (const [name, t] of parsed.tensors) tensors.set(name, { shape: t.shape, data: t.data as Float32Array });
    const V = golden.config.vocab_size;
    const C = golden.config.n_embd;
    const wte = tensors.get('wte.weight')!.data as Float32Array;
    const padded = new Float32Array((V + 8) * C);
    padded.set(wte);
    const top = golden.weights.f32.top10[0].id;
    for (let r = V; r < V + 8; r++) for (let c = 0; c < C; c++) padded[r * C + c] = 2 * wte[top * C + c];
    tensors.set('wte.weight', { shape: [V + 8, C], data: padded });
    writeFileSync(file, serializeSafetensors(tensors, parsed.metadata));
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, vocab_size: V + 8 }));

    const out = json('inspect', dir, '--prompt', PROMPT, '--json');
    expect(out.tokens.map((t: { id: number }) => t.id)).toEqual(golden.ids);
    expect(out.next[0].id).toBeGreaterThanOrEqual(V);
    expect(out.next[0].text).toBe(`<unused:${out.next[0].id}>`);
    const text = attn('inspect', dir, '--prompt', PROMPT);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('<unused:31');
    const generated = json('generate', '--checkpoint', dir, '--prompt', PROMPT, '--max-tokens', '3', '--top-k', '1', '--json').text;
    expect(generated).toMatch(/^(<unused:3(1[2-9])>){3}$/);
  });

  it('a config.json of another architecture is one line on stderr and exit 2', () => {
    const dir = join(work, 'llama');
    cpSync(join(HUB, 'gpt2-saved-f32'), dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), model_type: 'llama' }));
    for (const args of [['inspect', dir, '--prompt', 'the'], ['attend', '--checkpoint', dir, 'the'], ['generate', '--checkpoint', dir, '--prompt', 'the'], ['explain', '--checkpoint', dir, 'the']]) {
      const r = attn(...args);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr).toBe(`attn: ${join(dir, 'config.json')}: "model_type" is "llama"; only "gpt2" models are supported\n`);
      expect(r.stdout).toBe('');
    }
  });
});

describe('big models on @attn/wasm', () => {
  it('the CLI sizes wasm memory for the model: weights + activations, within what wasm memory holds', () => {
    const MiB = 2 ** 20;
    expect(residentBudget(4 * 1000)).toEqual({ bytes: 512 * MiB, fits: true }); // small models: the default
    expect(residentBudget(497_759_232)).toEqual({ bytes: 497_759_232 + 256 * MiB, fits: true }); // GPT-2 small's float32 weights
    expect(residentBudget(1_419_292_672)).toEqual({ bytes: 1_419_292_672 + 256 * MiB, fits: true }); // GPT-2 medium
    expect(residentBudget(3_096_872_960)).toEqual({ bytes: 1792 * MiB, fits: false }); // GPT-2 large: the rest stays in JS arrays
  });

  it('weights read piece by piece straight into wasm-resident parameters give PyTorch’s logits', async () => {
    const handle = await registerWasmBackend({ residentBytes: 64 * 2 ** 20 });
    expect(handle).not.toBeNull();
    setBackend('wasm');
    try {
      for (const name of Object.keys(golden.directories)) {
        const dir = join(HUB, name);
        const config = gptConfigFromHf(readFileSync(join(dir, 'config.json'), 'utf8'));
        const model = new GPT(config.gpt, { init: false });
        const wte = model.getParameter('transformer.wte.weight');
        expect(handle!.kernels.isResident(wte.storage.handle as Float32Array)).toBe(true); // the parameter lives in wasm memory
        const source = await openSafetensorsWeights(dir);
        try {
          await readGptWeights(model, source, name, { pieceElements: 7 });
        } finally {
          await source.close();
        }
        expect(wte.storage.handle).toBeInstanceOf(Float32Array);
        expect(handle!.kernels.isResident(wte.storage.handle as Float32Array)).toBe(true); // filled in place, not replaced
        const V = golden.config.vocab_size;
        const logits = model.eval().forward(golden.ids).logits.dataSync();
        const reference: Reference = golden.weights[golden.directories[name].weights];
        let worst = 0;
        reference.logits.forEach((row: number[], t: number) => {
          for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(row[v] - logits[t * V + v]));
        });
        expect(worst, name).toBeLessThan(1e-4);
      }
    } finally {
      setBackend('cpu');
      handle!.dispose();
    }
  });
});
