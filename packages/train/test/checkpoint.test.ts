// Training checkpoints on disk: a save and a resume through the directory repeat the
// uninterrupted run; a save killed between two of its files leaves a directory that still
// loads for inference and whose stale training state is refused with a clear message.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, GPT, loadPretrained } from '@attn/model';
import { CharTokenizer } from '@attn/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gptFiles, loadTrainingState, saveTrainingCheckpoint, tokenWindows, Trainer, TRAINING_STATE_FILE } from '../src/index.js';

const work = mkdtempSync(join(tmpdir(), 'attn-train-ckpt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tokenizer = CharTokenizer.fromText('abcdefgh');
const ids = Int32Array.from({ length: 400 }, (_, i) => (i * 3 + (i % 5 === 0 ? 1 : 0)) % 8);
const config = { vocabSize: 8, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0.2 };
const source = () => tokenWindows({ train: ids, val: ids.subarray(0, 100), batchSize: 4, blockSize: 8, seed: 3, evalBatches: 2 });
const settings = { steps: 10, lr: 1e-2, warmup: 2 };

describe('saveTrainingCheckpoint / loadTrainingState', () => {
  it('a run saved at step 4 and resumed from the directory repeats the uninterrupted run', async () => {
    const straight = new Trainer({ model: new GPT(config, { seed: 5 }), source: source(), ...settings });
    while (!straight.done) await straight.step();

    const dir = join(work, 'resume');
    const first = new Trainer({ model: new GPT(config, { seed: 5 }), source: source(), ...settings });
    for (let i = 0; i < 4; i++) await first.step();
    await first.evaluate();
    await saveTrainingCheckpoint(dir, first, gptFiles(first.model, tokenizer));
    expect(readdirSync(dir).sort()).toEqual(['attn-tokenizer.json', 'config.json', 'model.safetensors', TRAINING_STATE_FILE]);

    const { model, checkpointId } = await loadPretrained(dir);
    const state = await loadTrainingState(dir);
    expect(state.checkpointId).toBe(checkpointId);
    expect(state.snapshot.step).toBe(4);
    expect(state.snapshot.evals).toHaveLength(1);
    const resumed = new Trainer({ model, source: source(), ...settings });
    resumed.restore(state.snapshot);
    while (!resumed.done) await resumed.step();
    expect(resumed.state().losses).toEqual(straight.state().losses);
    const w = (t: { model: GPT }) => t.model.namedParameters().map(([, p]) => Array.from(p.dataSync()));
    expect(w(resumed)).toEqual(w(straight));
  });

  it('names a missing or foreign training state', async () => {
    const dir = join(work, 'inference-only');
    const trainer = new Trainer({ model: new GPT(config, { seed: 1 }), source: source(), ...settings });
    await trainer.step();
    await saveTrainingCheckpoint(dir, trainer, gptFiles(trainer.model, tokenizer));
    rmSync(join(dir, TRAINING_STATE_FILE));
    await expect(loadTrainingState(dir)).rejects.toThrow(/training-state\.safetensors: missing; this checkpoint cannot continue training/);
    writeFileSync(join(dir, TRAINING_STATE_FILE), 'not safetensors at all');
    await expect(loadTrainingState(dir)).rejects.toBeInstanceOf(CheckpointError);
  });
});

describe('a save killed between two files', () => {
  const dist = join(__dirname, '..', 'dist', 'index.js');
  beforeAll(() => {
    // The child runs the built packages in plain Node (turbo builds them before the tests).
    if (!existsSync(dist)) execFileSync('pnpm', ['--filter', '@attn/train...', 'build'], { cwd: join(__dirname, '..'), stdio: 'ignore' });
  }, 180_000);

  it('leaves the directory loadable for inference, and its stale training state is refused, not used', async () => {
    const dir = join(work, 'killed');
    const marker = join(work, 'killed.marker');
    const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'save-and-hang.mjs'), dir, marker], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    for (let i = 0; i < 600 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(marker), stderr).toBe(true); // the child stopped between model.safetensors and the rest
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]); // every finished file was renamed into place
    const loaded = await loadPretrained(dir); // the new weights, with the tokenizer of the save before
    expect(loaded.tokenizer.encode('abc')).toEqual([0, 1, 2]);
    expect(loaded.model.eval().forward([1, 2, 3]).logits.shape).toEqual([1, 3, 8]);
    await expect(loadTrainingState(dir)).rejects.toThrow(/training-state\.safetensors: belongs with other weights .* the last save was interrupted, so this directory can be used for inference but not resumed/);
  }, 60_000);
});
