// The induction recipe does what the README says: its default run grows a previous-token head
// in layer 0 and an induction head in layer 1, found by @attn/inspect's detector (TransformerLens'
// scores) on BOS + random tokens + the same again, a kind of sequence training never shows; and
// the repeated half is predicted far better than the random half. The untrained model scores low
// on both, so the checks can fail. It runs on @attn/wasm (2 threads): 600 steps take seconds
// there and minutes on the TypeScript backend.
import { detectHeads, inductionScore } from '@attn/inspect';
import { setBackend } from '@attn/tensor';
import { registerWasmBackend, type WasmBackendHandle } from '@attn/wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDUCTION_RECIPE, inductionHalfLosses, inductionModel, inductionRunSettings, inductionScoreOptions, inductionTestRows, inductionTrainer } from '../src/index.js';

let handle: WasmBackendHandle | null = null;
beforeAll(async () => {
  handle = await registerWasmBackend();
  if (!handle) throw new Error('this test needs WebAssembly SIMD (Node 20 has it)');
  setBackend('wasm');
});
afterAll(() => {
  setBackend('cpu');
  handle?.dispose();
});

describe('the induction recipe, trained for its default steps', () => {
  it('grows a previous-token head in layer 0 and an induction head in layer 1; the repeated half falls far below the random half', async () => {
    const [longest, shorter] = INDUCTION_RECIPE.testHalves;
    const model = inductionModel(1);
    model.eval();
    const before = await inductionScore(model, inductionScoreOptions(longest));
    expect(before.score / before.ceiling).toBeLessThan(0.3);
    const sequences = inductionTestRows([longest], 10, 5).map((row) => Array.from(row));
    const previousBefore = (await detectHeads(model, sequences)).find((h) => h.layer === 0)?.previousToken ?? 1;

    const run = inductionRunSettings();
    expect(run.steps).toBe(600);
    const trainer = inductionTrainer(model, run);
    model.train();
    for (let i = 0; i < run.steps; i++) await trainer.step();
    model.eval();

    for (const n of [longest, shorter]) {
      const score = await inductionScore(model, inductionScoreOptions(n));
      expect([score.layer, score.head]).toEqual([1, 0]);
      expect(score.score / score.ceiling).toBeGreaterThanOrEqual(0.8);
    }
    // Layer 0's head turned to the previous token: its previous-token score (TransformerLens' measure, on the
    // same sequences) is its largest and at least twice what the untrained head's spread attention gave.
    const layer0 = (await detectHeads(model, sequences)).find((h) => h.layer === 0);
    if (!layer0) throw new Error('no layer 0 head');
    expect(layer0.previousToken).toBeGreaterThan(2 * previousBefore);
    expect(layer0.previousToken).toBeGreaterThan(Math.max(layer0.duplicateToken, layer0.induction));
    const losses = await inductionHalfLosses(model);
    expect(losses.first).toBeGreaterThan(losses.chance - 0.3); // the random half stays unpredictable
    expect(losses.repeated).toBeLessThan(0.2 * losses.first);
  }, 240_000);
});
