import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPT, type GPTConfig } from '@attn/model';
import { afterAll, describe, expect, it } from 'vitest';
import { train } from '../src/index.js';

const tiny: GPTConfig = { vocabSize: 8, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: false };

/** A fixed token stream with structure to learn: a repeating pattern with a little variety. */
function patternTokens(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 3 + (i % 5 === 0 ? 1 : 0)) % 8;
  return out;
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'attn-train-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const data = { train: patternTokens(400), val: patternTokens(120) };
const base = { data, batchSize: 4, lr: 1e-2, warmup: 5, minLr: 1e-3, evalEvery: 10, evalBatches: 2, seed: 7 };

describe('train', () => {
  it('lowers the loss on a small fixed dataset and reports progress', async () => {
    const model = new GPT(tiny, { seed: 1 });
    const steps: number[] = [];
    const result = await train({ ...base, model, steps: 40, onStep: (s) => steps.push(s.step) });
    expect(steps).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const first = result.losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = result.losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(first).toBeGreaterThan(1.8); // ~ln(8) = 2.08 at init
    expect(last).toBeLessThan(first - 0.3);
    expect(result.evals.at(-1)?.valLoss).toBeLessThan(result.evals[0].valLoss);
    expect(result.evals.map((e) => e.step)).toEqual([10, 20, 30, 40]);
    expect(result.bestValLoss).toBe(Math.min(...result.evals.map((e) => e.valLoss)));
  });

  it('overfits one short sequence below 0.05', async () => {
    const seq = Int32Array.from([3, 1, 4, 1, 5, 2, 6, 5, 3]); // 9 tokens: exactly one window of 8
    const model = new GPT({ ...tiny, nEmbd: 32 }, { seed: 2 });
    const result = await train({ model, data: { train: seq, val: seq }, steps: 150, batchSize: 1, lr: 1e-2, minLr: 1e-2, weightDecay: 0, evalEvery: 0 });
    expect(result.losses.at(-1)).toBeLessThan(0.05);
  });

  it('is deterministic, and a resumed run equals an uninterrupted one bit for bit', async () => {
    const full = await train({ ...base, model: new GPT(tiny, { seed: 3 }), steps: 20, accumulate: 2 });
    const again = await train({ ...base, model: new GPT(tiny, { seed: 3 }), steps: 20, accumulate: 2 });
    expect(again.losses).toEqual(full.losses);

    const dir = tempDir();
    // Stop after step 12 as Ctrl-C would: the abort must save a checkpoint (the last periodic one was at 10).
    const controller = new AbortController();
    const first = await train({
      ...base,
      model: new GPT(tiny, { seed: 3 }),
      steps: 20,
      accumulate: 2,
      checkpoint: { dir, every: 5 },
      signal: controller.signal,
      onStep: (s) => {
        if (s.step === 12) controller.abort();
      },
    });
    expect(first.aborted).toBe(true);
    expect(first.step).toBe(12);
    const fresh = new GPT(tiny, { seed: 99 }); // different init: everything must come from the checkpoint
    const rest = await train({ ...base, model: fresh, steps: 20, accumulate: 2, resume: dir });
    expect([...first.losses, ...rest.losses]).toEqual(full.losses);
    expect(rest.bestValLoss).toBe(full.bestValLoss);
    expect(readdirSync(dir).sort()).toEqual(['model.safetensors', 'training-state.safetensors']); // no temp files left behind
  });

  it('with dropout too: the checkpoint carries the dropout generator, so a resumed run repeats the uninterrupted one', async () => {
    const withDropout = { ...tiny, dropout: 0.2 };
    const full = await train({ ...base, model: new GPT(withDropout, { seed: 5 }), steps: 8 });
    const dir = tempDir();
    const controller = new AbortController();
    const first = await train({
      ...base,
      model: new GPT(withDropout, { seed: 5 }),
      steps: 8,
      checkpoint: { dir, every: 100 },
      signal: controller.signal,
      onStep: (s) => {
        if (s.step === 5) controller.abort();
      },
    });
    expect(first.step).toBe(5);
    const fresh = new GPT(withDropout, { seed: 77 }); // its own generator starts elsewhere: the checkpoint must set it
    const rest = await train({ ...base, model: fresh, steps: 8, resume: dir });
    expect([...first.losses, ...rest.losses]).toEqual(full.losses);
  });

  it('stops on a non-finite loss naming the step, keeping the last checkpoint', async () => {
    const dir = tempDir();
    const model = new GPT(tiny, { seed: 4 });
    await train({ ...base, model, steps: 3, checkpoint: { dir, every: 1 } });
    const before = readdirSync(dir);
    await expect(train({ ...base, model, steps: 10, lr: 1e30, minLr: 1e30, warmup: 0, gradClip: 0, checkpoint: { dir, every: 100 } })).rejects.toThrow(
      /non-finite|is (NaN|Infinity|-Infinity) at step \d+/,
    );
    expect(readdirSync(dir)).toEqual(before);
  });

  it('rejects bad options with a clear message', async () => {
    const model = new GPT(tiny, { seed: 5 });
    await expect(train({ ...base, model, steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
    await expect(train({ ...base, model, steps: 1, data: { train: new Int32Array(3), val: data.val } })).rejects.toThrow(/train has 3 tokens, need at least blockSize \+ 1 = 9/);
  });
});
