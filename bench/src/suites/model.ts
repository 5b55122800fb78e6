// @attn/model: generation with and without the KV cache at growing context
// lengths, and a training step (forward, forward + backward) of nanoGPT's CPU config.
import { GPT, NANOGPT_CPU } from '@attn/model';
import { fmt, measure, type Suite, table } from '../harness.js';

const NEW_TOKENS = 16;

function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** Greedy generation re-running the whole context each token (no cache). */
function generateFull(model: GPT, prompt: number[]): number[] {
  const ids = [...prompt];
  const V = model.vocabSize;
  for (let i = 0; i < NEW_TOKENS; i++) {
    const logits = model.forward(ids).logits.dataSync();
    ids.push(argmax(logits.subarray((ids.length - 1) * V, ids.length * V) as Float32Array));
  }
  return ids;
}

/** Greedy generation with the KV cache: the prompt once, then one token per step. */
function generateCached(model: GPT, prompt: number[]): number[] {
  const ids = [...prompt];
  const state = model.startDecoding();
  let logits = state.feed(prompt);
  for (let i = 0; i < NEW_TOKENS; i++) {
    const next = argmax(logits);
    ids.push(next);
    if (i < NEW_TOKENS - 1) logits = state.feed([next]);
  }
  return ids;
}

export const modelSuite: Suite = {
  name: 'model',
  title: '@attn/model: KV-cache generation and GPT training step',
  async run() {
    const sections: string[] = [];

    // Generation: nanoGPT CPU width and depth, with a longer block so long contexts fit.
    const genModel = new GPT({ ...NANOGPT_CPU, blockSize: 256 }, { seed: 1 }).eval();
    const rows: (string | number)[][] = [];
    for (const promptLength of [16, 96, 224]) {
      const prompt = Array.from({ length: promptLength }, (_, i) => (i * 13 + 5) % NANOGPT_CPU.vocabSize);
      // Same tokens either way (greedy): the cache changes speed, not results.
      const same = generateFull(genModel, prompt).join() === generateCached(genModel, prompt).join();
      const full = await measure(() => generateFull(genModel, prompt), { warmup: 1, repeats: 3, maxTotalMs: 15_000 });
      const cached = await measure(() => generateCached(genModel, prompt), { warmup: 1, repeats: 3, maxTotalMs: 15_000 });
      rows.push([
        promptLength,
        fmt(full.medianMs / NEW_TOKENS, 1),
        fmt(cached.medianMs / NEW_TOKENS, 1),
        `${fmt(full.medianMs / cached.medianMs, 1)}x`,
        same ? 'yes' : 'NO',
      ]);
    }
    sections.push(
      `Greedy generation of ${NEW_TOKENS} tokens, 4 layers x 4 heads x 128 wide, block 256 (ms per generated token, prompt included):\n\n` +
        table(['prompt tokens', 'no cache (ms/token)', 'KV cache (ms/token)', 'speed-up', 'same tokens'], rows),
    );

    // Training step of nanoGPT's Shakespeare-char CPU config (batch 12 x 64 tokens, as nanoGPT's README).
    const model = new GPT(NANOGPT_CPU, { seed: 2 }).train();
    const B = 12;
    const T = NANOGPT_CPU.blockSize;
    const ids = Array.from({ length: B * T }, (_, i) => (i * 7 + 1) % NANOGPT_CPU.vocabSize);
    const targets = Array.from({ length: B * T }, (_, i) => (i * 7 + 8) % NANOGPT_CPU.vocabSize);
    const forward = await measure(() => model.forward(ids, { batch: B, targets }).loss!.itemSync(), { warmup: 1, repeats: 5 });
    const step = await measure(
      () => {
        model.zeroGrad();
        model.forward(ids, { batch: B, targets }).loss!.backward();
      },
      { warmup: 1, repeats: 5 },
    );
    sections.push(
      `Training step, nanoGPT CPU config (${(model.numParameters() / 1e6).toFixed(2)}M parameters), batch ${B} x ${T} tokens:\n\n` +
        table(
          ['pass', 'median ms', 'min ms', 'tokens/s'],
          [
            ['forward + loss', fmt(forward.medianMs, 1), fmt(forward.minMs, 1), fmt((B * T * 1000) / forward.medianMs, 0)],
            ['forward + backward', fmt(step.medianMs, 1), fmt(step.minMs, 1), fmt((B * T * 1000) / step.medianMs, 0)],
          ],
        ),
    );
    return sections.join('\n\n');
  },
};
