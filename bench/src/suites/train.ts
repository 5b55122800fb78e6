// @attn/train: end-to-end character-level training on the embedded Shakespeare
// corpus (split 90/10 in order) with the WebAssembly backend, through train()
// (a loop over the Trainer, the engine the CLI and the web demo drive too).
//  (a) a tiny config, timed until the validation loss first drops below 2.5 (the
//      web demo depends on this being quick);
//  (b) nanoGPT's documented CPU recipe: 200 iterations by default, the full 2,000
//      with ATTN_BENCH_FULL=1 (about 20 minutes here), reporting the loss curve.
import { loadCorpus, splitInOrder, Vocabulary } from '@attn/datasets';
import { GPT, type GPTConfig } from '@attn/model';
import { type EvalInfo, train } from '@attn/train';
import os from 'node:os';
import { registerWasmBackend } from '@attn/wasm';
import { fmt, type Suite, table } from '../harness.js';

/** Character-level token streams: ids over the sorted set of characters in the corpus. */
function shakespeareChars(): { vocab: Vocabulary; train: Int32Array; val: Int32Array } {
  const text = loadCorpus('shakespeare');
  const vocab = new Vocabulary([...new Set(text)].sort());
  const split = splitInOrder(vocab.encode(text), 0.1);
  return { vocab, train: split.train, val: split.val };
}

/** An evaluation and when it came, in seconds since the run started (evaluations included). */
type TimedEval = EvalInfo & { elapsedSec: number };

interface RunReport {
  steps: number;
  seconds: number;
  tokensPerSec: number;
  lastLoss: number;
  evals: TimedEval[];
  reachedAt?: TimedEval;
}

async function runTiny(data: { train: Int32Array; val: Int32Array }, vocabSize: number): Promise<RunReport> {
  const config: GPTConfig = { vocabSize, blockSize: 32, nLayer: 2, nHead: 4, nEmbd: 64, dropout: 0, bias: false };
  const controller = new AbortController();
  let reachedAt: TimedEval | undefined;
  let tokensPerSec = 0;
  let lastLoss = Number.NaN;
  const evals: TimedEval[] = [];
  const start = performance.now();
  const result = await train({
    model: new GPT(config, { seed: 1337 }),
    data,
    steps: 3000,
    batchSize: 16,
    lr: 3e-3,
    warmup: 50,
    minLr: 3e-4,
    weightDecay: 0.1,
    betas: [0.9, 0.99],
    gradClip: 1,
    evalEvery: 50,
    evalBatches: 8,
    seed: 1337,
    signal: controller.signal,
    onStep: (s) => {
      tokensPerSec = s.tokensPerSec;
      lastLoss = s.loss;
    },
    onEval: (e) => {
      const timed = { ...e, elapsedSec: (performance.now() - start) / 1000 };
      evals.push(timed);
      if (e.valLoss < 2.5 && !reachedAt) {
        reachedAt = timed;
        controller.abort();
      }
    },
  });
  return { steps: result.step, seconds: result.elapsedSec, tokensPerSec, lastLoss, evals, reachedAt };
}

async function runNanoGPT(data: { train: Int32Array; val: Int32Array }, vocabSize: number, iters: number): Promise<RunReport> {
  const config: GPTConfig = { vocabSize, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false };
  const controller = new AbortController();
  let tokensPerSec = 0;
  let lastLoss = Number.NaN;
  const evals: TimedEval[] = [];
  const start = performance.now();
  // The schedule always spans 2,000 iterations (as nanoGPT's lr_decay_iters); a short run stops early on it.
  const result = await train({
    model: new GPT(config, { seed: 1337 }),
    data,
    steps: 2000,
    batchSize: 12,
    lr: 1e-3,
    warmup: 100,
    minLr: 1e-4,
    weightDecay: 0.1,
    betas: [0.9, 0.99],
    gradClip: 1,
    evalEvery: iters >= 2000 ? 250 : 100,
    evalBatches: iters >= 2000 ? 20 : 10,
    seed: 1337,
    signal: controller.signal,
    onStep: (s) => {
      tokensPerSec = s.tokensPerSec;
      lastLoss = s.loss;
      if (s.step >= iters) controller.abort();
    },
    onEval: (e) => {
      evals.push({ ...e, elapsedSec: (performance.now() - start) / 1000 });
    },
  });
  return { steps: result.step, seconds: result.elapsedSec, tokensPerSec, lastLoss, evals };
}

export const trainSuite: Suite = {
  name: 'train',
  title: '@attn/train: character-level Shakespeare training',
  async run() {
    const loadAtStart = os.loadavg()[0];
    const wasm = await registerWasmBackend({ threads: 2 });
    const backend = wasm ? `attn + @attn/wasm (${wasm.threads} thread${wasm.threads > 1 ? 's' : ''})` : 'attn TS backend (wasm unavailable)';
    try {
      const { vocab, train: trainIds, val } = shakespeareChars();
      const data = { train: trainIds, val };
      const tiny = await runTiny(data, vocab.size);
      const full = process.env.ATTN_BENCH_FULL === '1';
      const nano = await runNanoGPT(data, vocab.size, full ? 2000 : 200);
      const lines: string[] = [];
      lines.push(`Corpus: embedded Shakespeare, ${trainIds.length + val.length} characters, vocabulary ${vocab.size}, split 90/10 in order. Backend: ${backend}. Seed 1337. Load average at the start: ${fmt(loadAtStart, 1)} on ${os.cpus().length} cores.`);
      lines.push('', '### (a) Tiny config: 2 layers, 4 heads, width 64, block 32, batch 16, lr 3e-3 (warm-up 50, cosine to 3e-4 over 3,000), AdamW 0.9/0.99, wd 0.1, clip 1', '');
      lines.push(tiny.reachedAt
        ? `Validation loss ${fmt(tiny.reachedAt.valLoss, 3)} < 2.5 after **${tiny.reachedAt.step} steps, ${fmt(tiny.reachedAt.elapsedSec, 1)} s** (training ${fmt(tiny.tokensPerSec, 0)} tokens/s; evaluations every 50 steps on 8 batches are included in the time).`
        : `Did NOT reach validation loss 2.5 within ${tiny.steps} steps (${fmt(tiny.seconds, 1)} s).`);
      lines.push('', table(['step', 'val loss', 'seconds'], tiny.evals.map((e) => [e.step, fmt(e.valLoss, 3), fmt(e.elapsedSec, 1)])));
      lines.push('', `### (b) nanoGPT CPU recipe: 4 layers, 4 heads, width 128, block 64, batch 12, bias off, dropout 0, lr 1e-3 (warm-up 100, cosine to 1e-4 over 2,000), AdamW 0.9/0.99, wd 0.1 on matrices, clip 1 — ${nano.steps} of 2,000 iterations${full ? '' : ' (set ATTN_BENCH_FULL=1 for the full run)'}`, '');
      lines.push(`Wall time ${fmt(nano.seconds, 1)} s, ${fmt(nano.tokensPerSec, 0)} tokens/s, last training loss ${fmt(nano.lastLoss, 3)}.`);
      const finalVal = nano.evals.at(-1)?.valLoss;
      if (full && finalVal !== undefined) {
        lines.push(
          '',
          `Final validation loss **${fmt(finalVal, 3)}**, ${finalVal <= 1.8 ? 'below' : 'ABOVE'} the 1.80 acceptance line (nanoGPT reports 1.88 on its own Shakespeare file; ` +
            'PyTorch running this exact recipe on this corpus reached 1.73 in 282 s on 2 threads on this machine, per the issue). ' +
            'The loss curve is deterministic for the seed; the wall time depends on what else the 2 shared cores run.',
        );
      }
      lines.push('', table(['step', 'val loss', 'seconds'], nano.evals.map((e) => [e.step, fmt(e.valLoss, 3), fmt(e.elapsedSec, 1)])));
      return lines.join('\n');
    } finally {
      wasm?.dispose();
    }
  },
};
