// `attn generate`: text from a checkpoint, streamed. With --show-probs, every step also
// prints the five most likely next tokens with the probabilities the sampler draws from
// (after temperature, top-k and top-p; a token they cut off shows as "cut"), the greedy
// choice marked ★ and the sampled token marked ←.
import { InspectError, samplingView } from '@attn/inspect';
import type { GPT } from '@attn/model';
import { type DecodingState, generateSync, type IncrementalLM, type Sampler } from '@attn/sample';
import { type Command, Option } from 'commander';
import { fail, intFlag, numberFlag } from '../errors.js';
import { buildSampler, streamText } from '../generate-text.js';
import { type InspectableModel, loadModel } from './load-model.js';
import { fixed, tokenText } from './text-table.js';

/** The model as generate sees it, passing every next-token distribution it hands out to `onLogits`. */
function recordingLM(model: GPT, onLogits: (logits: Float32Array) => void): IncrementalLM {
  return {
    blockSize: model.blockSize,
    vocabSize: model.vocabSize,
    startDecoding(): DecodingState {
      const state = model.startDecoding();
      return {
        feed(ids) {
          const logits = state.feed(ids);
          onLogits(logits);
          return logits;
        },
        get length() {
          return state.length;
        },
        dispose() {
          state.dispose?.(); // generate frees each state's cache when it is done with it
        },
      };
    },
  };
}

interface StepView {
  token: { id: number; text: string };
  top: { id: number; text: string; prob: number; modelProb: number; cutBy: string | null; greedy: boolean }[];
}

/** Generates with per-step probabilities; calls `onStep` as each token comes. */
function generateWithProbs(m: InspectableModel, prompt: string, maxTokens: number, s: Sampler, onStep: (step: StepView) => void): { text: string; steps: StepView[] } {
  const ids = m.encode(prompt);
  if (ids.length === 0) fail('--prompt: empty; give at least one character the model knows');
  let last: Float32Array | null = null;
  const context = [...ids];
  const steps: StepView[] = [];
  const out: number[] = [];
  for (const id of generateSync(recordingLM(m.model, (l) => (last = l)), ids, { maxNewTokens: maxTokens, sampler: s })) {
    // The logits fed last are the ones this token was sampled from.
    const view = samplingView(last!, { processors: s.processors }, { show: 5, tokensSoFar: context });
    const step: StepView = {
      token: { id, text: m.label(id) },
      top: view.tokens.map((t) => ({ id: t.id, text: m.label(t.id), prob: t.prob, modelProb: t.modelProb, cutBy: t.cutBy, greedy: t.greedy })),
    };
    steps.push(step);
    onStep(step);
    context.push(id);
    out.push(id);
  }
  return { text: m.decode(out), steps };
}

function stepLine(n: number, step: StepView): string {
  const cells = step.top.map((t) => {
    const marks = `${t.greedy ? '★' : ''}${t.id === step.token.id ? '←' : ''}`;
    return `${tokenText(t.text, 10)} ${t.cutBy ? 'cut' : fixed(t.prob, 3)}${marks}`;
  });
  return `step ${n}: ${tokenText(step.token.text, 10)}  |  ${cells.join('  ')}`;
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('generate text from a checkpoint')
    .requiredOption('--checkpoint <dir>', 'checkpoint directory (attn train --out, or a Hugging Face GPT-2 directory)')
    .requiredOption('--prompt <text>', 'text to continue')
    .option('--max-tokens <n>', 'tokens to generate', '200')
    .option('--temperature <t>', 'divide logits by t (0 < t)', '0.8')
    .option('--top-k <k>', 'keep the k most likely tokens')
    .option('--top-p <p>', 'keep the smallest set with probability mass p')
    .option('--sampler <spec...>', 'extra strategies by name, e.g. typical:p=0.9 or min-p:p=0.05')
    .option('--seed <n>', 'sampling seed', '1')
    .option('--show-probs', 'at each step, print the 5 most likely tokens with the probabilities sampled from (★ greedy, ← chosen)')
    .addOption(new Option('--backend <name>', 'compute backend: wasm (fast SIMD matmul), cpu (reference), gpu (GPU.js; its webasm mode in Node)').default('wasm'))
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      const maxTokens = intFlag('--max-tokens', o.maxTokens, 0);
      const temperature = numberFlag('--temperature', o.temperature, 1e-3, 100);
      const topK = o.topK === undefined ? undefined : intFlag('--top-k', o.topK);
      const topP = o.topP === undefined ? undefined : numberFlag('--top-p', o.topP, 1e-6, 1);
      const seed = intFlag('--seed', o.seed, 0);
      const s = await buildSampler({ temperature, topK, topP, samplers: o.sampler, seed });
      const m = await loadModel(o.checkpoint, o.backend);
      if (o.showProbs) {
        try {
          if (o.json) {
            const { text, steps } = generateWithProbs(m, o.prompt, maxTokens, s, () => {});
            return void process.stdout.write(`${JSON.stringify({ prompt: o.prompt, sampler: s.describe(), text, steps }, null, 2)}\n`);
          }
          m.encode(o.prompt); // fails on unknown characters/words before anything is printed
          process.stdout.write(`sampler: ${s.describe()}; each step: the 5 most likely tokens, the probability sampled from (★ greedy, ← chosen)\n`);
          let n = 0;
          const { text } = generateWithProbs(m, o.prompt, maxTokens, s, (step) => process.stdout.write(`${stepLine(++n, step)}\n`));
          process.stdout.write(`\n${o.prompt}${m.wordLevel && text ? ' ' : ''}${text}\n`);
        } catch (e) {
          if (e instanceof InspectError) fail(e.message);
          throw e;
        }
        return;
      }
      const { model, tokenizer } = m;
      if (o.json) return void process.stdout.write(`${JSON.stringify({ prompt: o.prompt, sampler: s.describe(), text: streamText(model, tokenizer, o.prompt, maxTokens, s) }, null, 2)}\n`);
      tokenizer.encode(o.prompt); // fails on unknown characters/words before anything is printed
      process.stdout.write(o.prompt);
      streamText(model, tokenizer, o.prompt, maxTokens, s, (piece) => process.stdout.write(piece));
      process.stdout.write('\n');
    });
}
