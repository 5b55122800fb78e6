// `attn demo`: the two-minute tour. 1) a tiny character-level GPT on Shakespeare, with a
// sample at each evaluation; 2) streamed generation with temperature and top-k; 3) a
// 2-layer word-level GPT on the coreference language and where "it" looks; 4) an HTML
// report and the checkpoints in one output directory.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GPT, writeFileAtomic } from '@attn/model';
import { attentionHeatmapSvg, htmlReport, lossCurveSvg, type ReportSection, terminalHeatmap } from '@attn/viz';
import { attentionMaps, corefScore } from '@attn/inspect';
import { useBackend } from './backend.js';
import { corefData, loadTrainingData, MODEL_CONFIGS, type TrainingData } from './data.js';
import { buildSampler, streamText } from './generate-text.js';
import { cliTrainer, type RunOptions, runTraining } from './run-training.js';

export interface DemoOptions {
  /** Output directory for checkpoints and the report. */
  out: string;
  /** Shakespeare training steps. */
  steps: number;
  /** Coreference training steps. */
  corefSteps: number;
  /** Characters generated in part 2. */
  chars: number;
  /** Held-out coreference sentences scored in part 3. */
  heldout: number;
  backend: string;
  json: boolean;
}

const say = (s: string) => process.stdout.write(`${s}\n`);

export async function runDemo(o: DemoOptions): Promise<void> {
  const t0 = performance.now();
  const backend = await useBackend(o.backend);
  await mkdir(o.out, { recursive: true });
  const sampleSampler = await buildSampler({ temperature: 0.8, topK: 20, seed: 1 });

  // 1. Shakespeare, character level.
  say(`== 1. Training a tiny GPT on Shakespeare, one character at a time (backend ${backend})`);
  const shakespeare = loadTrainingData({ corpus: 'shakespeare', batch: 16, blockSize: MODEL_CONFIGS.tiny.blockSize, seed: 1 });
  const charModel = new GPT({ ...MODEL_CONFIGS.tiny, vocabSize: shakespeare.tokenizer.vocabSize, dropout: 0 }, { seed: 1 });
  const chars = await train(charModel, shakespeare, {
    steps: o.steps,
    lr: 4e-3,
    evalEvery: Math.max(1, Math.ceil(o.steps / 4)),
    out: join(o.out, 'shakespeare'),
    onEval(e, model) {
      const text = streamText(model, shakespeare.tokenizer, '\n', 80, sampleSampler).replace(/\n/g, ' / ');
      say(`step ${e.step}: held-out loss ${e.valLoss.toFixed(3)} | ${text}`);
    },
  });

  if (chars.interrupted) return interruptedDemo(o.out);

  // 2. Streamed generation.
  say('\n== 2. Generating with temperature 0.8 and top-k 20 (streamed)');
  const prompt = 'ROMEO:';
  const generator = await buildSampler({ temperature: 0.8, topK: 20, seed: 7 });
  process.stdout.write(prompt);
  const generated = prompt + streamText(charModel, shakespeare.tokenizer, prompt, o.chars, generator, (p) => process.stdout.write(p));
  say('\n');

  // 3. Coreference.
  say('== 3. Training a 2-layer word-level GPT on the coreference language');
  // The recipe of packages/datasets/scripts/coref-check.py (PyTorch): 64 sentences a step at 3e-3.
  // 600 steps of 32 at 6e-3 left the best head on the referent for only 61-66% of held-out sentences.
  const coref = corefData(3, 64);
  const corefModel = new GPT({ nLayer: 2, nHead: 4, nEmbd: 64, vocabSize: coref.tokenizer.vocabSize, blockSize: coref.blockSize, dropout: 0 }, { seed: 3 });
  const corefRun = await train(corefModel, coref, {
    steps: o.corefSteps,
    lr: 3e-3,
    evalEvery: Math.max(1, Math.ceil(o.corefSteps / 3)),
    out: join(o.out, 'coref'),
  });
  if (corefRun.interrupted) return interruptedDemo(o.out);
  // The language's version of "the trophy did not fit in the suitcase because it was too big":
  // the predicate comes before "it" so a causal model can use it (see the datasets README).
  const sentence = 'the trophy did not fit in the suitcase because too big was it'.split(' ');
  const ids = Array.from(coref.lang.vocabulary.encode(sentence));
  const maps = await attentionMaps(corefModel, ids);
  const score = await corefScore(corefModel, coref.lang.generate('heldout', o.heldout, 11), (words) => coref.lang.vocabulary.encode(words));
  const best = maps[score.layer][score.head];
  say(`\nWhere "it" looks (layer ${score.layer}, head ${score.head}, the head that tracks the referent best):`);
  say(terminalHeatmap(best, sentence));
  const itRow = best[sentence.length - 1];
  say(`"it" -> trophy ${(itRow[1] * 100).toFixed(0)}%, suitcase ${(itRow[7] * 100).toFixed(0)}%`);
  say(
    `On ${score.sentences} held-out sentences (noun pairs never seen in training), attention from "it" peaks on the right noun in ${(score.share * 100).toFixed(1)}% (best layer/head; chance is about 1 in ${sentence.length}).`,
  );

  // 4. Report.
  const sections: ReportSection[] = [
    {
      heading: 'Shakespeare: loss',
      svg: lossCurveSvg({ train: chars.losses, val: chars.evals, title: 'Character-level GPT loss' }),
    },
    { heading: 'Shakespeare: generated text', text: generated, note: 'temperature 0.8, top-k 20' },
    { heading: 'Coreference: loss', svg: lossCurveSvg({ train: corefRun.losses, val: corefRun.evals, title: 'Word-level GPT loss' }) },
    {
      heading: 'Coreference: where "it" looks',
      note: `Best head: layer ${score.layer}, head ${score.head}; attention from "it" peaks on the referent in ${(score.share * 100).toFixed(1)}% of ${score.sentences} held-out sentences.`,
    },
  ];
  for (const [l, heads] of maps.entries()) {
    for (const [h, w] of heads.entries()) {
      sections.push({
        heading: `Layer ${l} head ${h} (${(score.perHead[l][h] * 100).toFixed(0)}% on held-out)`,
        svg: attentionHeatmapSvg({ weights: w, queryLabels: sentence, title: `layer ${l} head ${h}`, cellSize: 24 }),
      });
    }
  }
  const reportPath = join(o.out, 'attn-report.html');
  await writeFileAtomic(reportPath, new TextEncoder().encode(htmlReport({ title: 'attn demo', sections })));
  const seconds = (performance.now() - t0) / 1000;
  say(`\n== 4. Wrote ${resolve(reportPath)}`);
  say(`   checkpoints: ${resolve(o.out, 'shakespeare')} and ${resolve(o.out, 'coref')} (try: attn generate --checkpoint ${join(o.out, 'shakespeare')} --prompt "ROMEO:")`);
  say(`   done in ${seconds.toFixed(0)} s`);
  if (o.json) {
    say(
      JSON.stringify({
        report: resolve(reportPath),
        shakespeare: { steps: chars.steps, valLoss: chars.valLoss },
        coref: { steps: corefRun.steps, share: score.share, layer: score.layer, head: score.head, sentences: score.sentences },
        seconds,
      }),
    );
  }
}

/** One demo run: the CLI's recipe with a warm-up of a tenth of the steps (at most 20) and the cosine ending at the last step. */
function train(model: GPT, data: TrainingData, s: { steps: number; lr: number; evalEvery: number; out: string; onEval?: RunOptions['onEval'] }) {
  const trainer = cliTrainer(model, data, { steps: s.steps, lr: s.lr, warmup: Math.min(20, Math.ceil(s.steps / 10)), decaySteps: s.steps, evalEvery: s.evalEvery });
  return runTraining({ trainer, data, out: s.out, progress: true, onEval: s.onEval });
}

/** Ctrl-C during a demo training: its checkpoint is saved; stop there with exit 130. */
function interruptedDemo(out: string): void {
  say(`\ninterrupted: the checkpoint trained so far is in ${out}`);
  process.exitCode = 130;
}
