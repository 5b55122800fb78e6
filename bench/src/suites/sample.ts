// @attn/sample: the cost of each sampling strategy per token at GPT-2's
// vocabulary size (50,257), next to a bare softmax as the yardstick, and the
// per-token overhead of generate/generateSync over a model that costs nothing.
import {
  type IncrementalLM,
  generate,
  generateSync,
  greedy,
  minP,
  multinomial,
  repetitionPenalty,
  sampler,
  softmax,
  temperature,
  topK,
  topP,
} from '@attn/sample';
import { fmt, measure, type Suite, table } from '../harness.js';

const VOCAB = 50_257;

function randomLogits(n: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 10 - 5;
  }
  return out;
}

/** A model whose forward pass is free: it returns the same logits every time. */
function freeModel(logits: Float32Array, blockSize: number): IncrementalLM {
  return {
    blockSize,
    vocabSize: logits.length,
    startDecoding() {
      let length = 0;
      return {
        get length() {
          return length;
        },
        feed(ids) {
          length += ids.length;
          return logits;
        },
      };
    },
  };
}

export const sampleSuite: Suite = {
  name: 'sample',
  title: 'Sampling: per-token cost of each strategy (vocab 50,257) and generate overhead',
  async run() {
    const logits = randomLogits(VOCAB, 1);
    const context = Array.from({ length: 1024 }, (_, i) => (i * 7919) % VOCAB);
    const cases: [string, () => unknown][] = [
      ['softmax alone (yardstick)', () => softmax(logits)],
      ['greedy()', () => greedy().choose(logits)],
      ['multinomial()', () => multinomial({ seed: 1 }).choose(logits)],
      ['temperature(0.8)', () => temperature(0.8).process(logits, context)],
      ['repetitionPenalty(1.1), 1,024-token context', () => repetitionPenalty(1.1).process(logits, context)],
      ['topK(40)', () => topK(40).process(logits, context)],
      ['topP(0.9)', () => topP(0.9).process(logits, context)],
      ['minP(0.05)', () => minP(0.05).process(logits, context)],
      [
        'full pipeline: penalty, temperature, top-k, top-p, multinomial',
        () => sampler([repetitionPenalty(1.1), temperature(0.8), topK(40), topP(0.9)], multinomial({ seed: 1 })).sample(logits, context),
      ],
    ];
    const rows: (string | number)[][] = [];
    let yardstick = 0;
    for (const [label, fn] of cases) {
      const t = await measure(fn, { warmup: 3, repeats: 15, maxTotalMs: 8_000 });
      if (!yardstick) yardstick = t.medianMs;
      rows.push([label, fmt(t.medianMs, 3), fmt(t.medianMs / yardstick, 1)]);
    }

    // generate overhead: 200 tokens from a free model with a 64-token window (slides every 32).
    const small = randomLogits(256, 2);
    const tokens = 200;
    const model = freeModel(small, 64);
    const s = sampler([temperature(0.8)], multinomial({ seed: 1 }));
    const syncT = await measure(() => {
      for (const _ of generateSync(model, [0], { maxNewTokens: tokens, sampler: s }));
    });
    const asyncT = await measure(async () => {
      for await (const _ of generate(model, [0], { maxNewTokens: tokens, sampler: s }));
    });
    const genRows = [
      ['generateSync', fmt((syncT.medianMs * 1000) / tokens, 1)],
      ['generate (async, yields to the event loop per token)', fmt((asyncT.medianMs * 1000) / tokens, 1)],
    ];

    return [
      table(['strategy (one token)', 'median ms', 'x softmax'], rows),
      '',
      `Per-token overhead of generation over a free model (vocab 256, blockSize 64, ${tokens} tokens, temperature + multinomial):`,
      '',
      table(['', 'µs / token'], genRows),
    ].join('\n');
  },
};
