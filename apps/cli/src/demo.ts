// `attn demo`: the tour. 1) a tiny character-level GPT on Shakespeare, with a sample at each
// evaluation; 2) streamed generation with temperature and top-k; 3) a 2-layer word-level GPT on
// the coreference language, where "it" looks, and its embedding map (do the nouns that can be
// "too big" group apart from the containers? measured); 4) the induction task's GPT and the head
// the detector names on repeat lengths it never trained on; 5) the encoder-decoder on dates:
// held-out exact match and its cross-attention; 6) an HTML report and the checkpoints in one
// output directory. The task models are @attn/train's recipes, as `attn train --task` trains them.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GPT, writeFileAtomic } from '@attn/model';
import { attentionHeatmapSvg, embeddingMapSvg, htmlReport, lossCurveSvg, type ReportSection, terminalHeatmap } from '@attn/viz';
import { attentionMaps, corefScore, embeddingMap, repeatedRandomTokens, tokenEmbeddings, translateWithAttention } from '@attn/inspect';
import {
  dateModel,
  dateRunSettings,
  dateTaskData,
  dateTokenizer,
  dateTrainer,
  INDUCTION_RECIPE,
  inductionModel,
  inductionRunSettings,
  inductionTrainer,
  seq2seqFiles,
} from '@attn/train';
import { WordTokenizer } from '@attn/tokenizer';
import { crossAttentionView } from './tasks/cross-attention-view.js';
import { measureDates } from './tasks/date-findings.js';
import { describeInduction, inductionFindings } from './tasks/induction-findings.js';
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
  /** Induction task training steps (part 4). */
  inductionSteps: number;
  /** Date task training steps (part 5). */
  dateSteps: number;
  /** Held-out dates and held-out repeated sequences measured in parts 4 and 5. */
  dates: number;
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

  // The embedding map: the "did not fit" family's nouns, things that can be too big and containers.
  const fit = [...coref.lang.trainPairs, ...coref.lang.heldOutPairs].filter((p) => p.family === 'fit');
  const things = [...new Set(fit.map((p) => p.a))];
  const containers = [...new Set(fit.map((p) => p.b))];
  const nouns = [...things, ...containers];
  const allEmbeddings = await tokenEmbeddings(corefModel);
  const groupNames = ['things that can be too big', 'containers'];
  const map = embeddingMap(
    nouns.map((w) => allEmbeddings[coref.lang.vocabulary.id(w)]),
    nouns,
    { neighbours: 5, groups: groupNames.map((name, g) => ({ name, members: nouns.map((_, i) => i).filter((i) => (i < things.length) === (g === 0)) })) },
  );
  const sep = map.separation!;
  const separation =
    `Mean cosine distance (1 - cosine similarity, over every pair of the ${nouns.length} nouns, in all ${corefModel.config.nEmbd} dimensions): ` +
    `within a group ${sep.within.toFixed(3)} (${groupNames[0]} ${sep.perGroup[groupNames[0]].toFixed(3)}, ${groupNames[1]} ${sep.perGroup[groupNames[1]].toFixed(3)}), ` +
    `between the groups ${sep.between.toFixed(3)}: ${sep.ratio.toFixed(2)}x ${sep.ratio > 1 ? 'further apart than two of the same kind' : 'as far apart as two of the same kind, so no separation'}.`;
  say(`\nEmbedding map of ${nouns.length} nouns: ${separation}`);
  const nearest = (w: string) => map.neighbours[nouns.indexOf(w)].slice(0, 3).map((n) => nouns[n.index]).join(', ');
  say(`   nearest to "trophy": ${nearest('trophy')}; to "suitcase": ${nearest('suitcase')}`);

  // 4. Induction.
  say('\n== 4. Training a 2-layer GPT, one head per layer, on successor walks (the induction task)');
  const inductionRun = inductionRunSettings({ steps: o.inductionSteps, decaySteps: Math.max(o.inductionSteps, INDUCTION_RECIPE.decaySteps), evalEvery: Math.max(1, Math.ceil(o.inductionSteps / 2)) });
  const inductionNet = inductionModel(inductionRun.seed);
  const inductionTokens = new WordTokenizer([...Array.from({ length: INDUCTION_RECIPE.vocabSize }, (_, i) => `t${i}`), '<bos>']);
  const inductionOutcome = await runTraining({ trainer: inductionTrainer(inductionNet, inductionRun), data: { name: 'induction', tokenizer: inductionTokens }, out: join(o.out, 'induction'), progress: true });
  if (inductionOutcome.interrupted) return interruptedDemo(o.out);
  const induction = await inductionFindings(inductionNet, o.dates >= 100 ? 20 : 4);
  for (const line of describeInduction(induction)) say(line);
  const longest = Math.max(...INDUCTION_RECIPE.testHalves);
  // The first test sequence inductionScore draws (its default seed): BOS, then random tokens of the longest test length, repeated.
  const inductionSample = repeatedRandomTokens({ vocabSize: INDUCTION_RECIPE.vocabSize, halfLength: longest, seed: 12345 });
  const sampleIds = [INDUCTION_RECIPE.vocabSize, ...inductionSample].slice(0, inductionNet.blockSize);
  const inductionMaps = await attentionMaps(inductionNet, sampleIds);
  const sampleLabels = sampleIds.map((id) => (id === INDUCTION_RECIPE.vocabSize ? 'BOS' : String(id)));

  // 5. The encoder-decoder on dates.
  say('\n== 5. Training the encoder-decoder on dates ("November 11, 2024" -> "2024-11-11")');
  const dateData = dateTaskData();
  const dateRun = dateRunSettings({ steps: o.dateSteps, decaySteps: Math.max(o.dateSteps, 600), evalEvery: Math.max(1, Math.ceil(o.dateSteps / 2)) });
  const dateNet = dateModel(dateData, dateRun.seed);
  const dateTrainerRun = dateTrainer(dateNet, dateData, dateRun);
  const dateTokens = dateTokenizer(dateData);
  const dateOutcome = await runTraining({ trainer: dateTrainerRun, data: { name: 'date' }, files: seq2seqFiles(dateNet, dateTokens, 'date'), out: join(o.out, 'date'), progress: true });
  if (dateOutcome.interrupted) return interruptedDemo(o.out);
  const dates = measureDates(dateNet, dateRun, dateTrainerRun.stepsDone, o.dates);
  const accuracyLine = `Exact match on ${dates.total} held-out dates never trained on: greedy ${(dates.greedy * 100).toFixed(1)}%, beam search (${dates.beamWidth} beams) ${(dates.beam * 100).toFixed(1)}%.`;
  say(accuracyLine);
  const example = 'November 11, 2024';
  const src = dateTokens.encode(example);
  const translated = await translateWithAttention(dateNet, src, { beamWidth: dates.beamWidth });
  const inputLabels = src.map((id) => dateTokens.label(id));
  const lastLayer = dateNet.config.nDecoderLayer - 1;
  const cross = crossAttentionView(translated, lastLayer, undefined, (id) => dateTokens.label(id));
  say(`"${example}" -> "${dateTokens.decode(translated.tokens)}"; the decoder's last layer reads:`);
  for (const line of cross.summary(inputLabels)) say(line);

  // 6. Report.
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
  sections.push(
    {
      heading: 'Coreference: the embedding map of the nouns',
      note: `The learned embeddings of the "did not fit" nouns, projected to 2-D by PCA (${(map.explainedVarianceRatio[0] * 100).toFixed(0)}% and ${(map.explainedVarianceRatio[1] * 100).toFixed(0)}% of the variance). ${separation} Hover a point for its nearest neighbours.`,
      svg: embeddingMapSvg({ points: map.points, labels: map.labels, groups: nouns.map((_, i) => (i < things.length ? 0 : 1)), groupNames, neighbours: map.neighbours, title: 'Coreference nouns (PCA of the token embeddings)' }),
    },
    {
      heading: 'Named heads: induction',
      note:
        `A 2-layer GPT with one head per layer, trained ${inductionOutcome.steps} steps on successor walks: each row follows its own random successor map over ${INDUCTION_RECIPE.vocabSize} tokens, ` +
        `so the only way to predict a token is to find the current token earlier in the row and copy what followed it. ` +
        `Measured on what training never shows: BOS + random tokens + the same again (after ${INDUCTION_RECIPE.testHalves.join(' and ')} tokens). ` +
        `The detector (TransformerLens's induction score) ranks layer ${induction.layer}, head ${induction.head} first: ${induction.score.toFixed(3)} of a possible ${induction.ceiling.toFixed(3)} ` +
        `(${(induction.fraction * 100).toFixed(0)}% of the ceiling); layer 0's head has a previous-token score of ${induction.previousToken[0].map((x) => x.toFixed(3)).join(', ')}. Loss on the random half ${induction.losses.first.toFixed(3)} (chance ${induction.losses.chance.toFixed(3)}), on the repeated half ${induction.losses.repeated.toFixed(3)}. ` +
        `${describeInduction(induction).at(-1)?.replace(/^verdict: /, 'Verdict: ')}. The heatmap is that head on ${longest} random tokens repeated: each token of the second half puts its weight on the token after its earlier copy (the stripe below the diagonal).`,
      text: [
        ...induction.byLength.map((r) => `repeat ${r.halfLength}: ${r.perHead[induction.layer][induction.head].toFixed(3)} of ${r.ceiling.toFixed(3)}`),
        ...induction.perHead.map((heads, l) => `layer ${l}: ${heads.map((x, h) => `head ${h} ${x.toFixed(3)}`).join(', ')}`),
      ].join('\n'),
      svg: attentionHeatmapSvg({
        weights: inductionMaps[induction.layer][induction.head],
        queryLabels: sampleLabels,
        title: `layer ${induction.layer} head ${induction.head} on ${longest} random tokens, repeated`,
        cellSize: 14,
      }),
    },
    {
      heading: 'Encoder-decoder on dates: cross-attention',
      note: `${accuracyLine} Rows: the output characters of "${dateTokens.decode(translated.tokens)}" (beam search); columns: the input characters of "${example}"; decoder layer ${lastLayer}, mean of its ${dateNet.config.nHead} heads. Below: the input word each output character reads most.`,
      text: cross.reads(inputLabels).map((r) => `${r.output} <- ${r.word} ${(r.share * 100).toFixed(0)}%`).join('\n'),
      svg: attentionHeatmapSvg({ weights: cross.weights, queryLabels: cross.outputLabels, keyLabels: inputLabels, title: `cross-attention: "${example}"`, cellSize: 22 }),
    },
    { heading: 'Encoder-decoder on dates: loss', svg: lossCurveSvg({ train: dateOutcome.losses, val: dateOutcome.evals, title: 'Date encoder-decoder loss' }) },
  );
  const reportPath = join(o.out, 'attn-report.html');
  await writeFileAtomic(reportPath, new TextEncoder().encode(htmlReport({ title: 'attn demo', sections })));
  const seconds = (performance.now() - t0) / 1000;
  say(`\n== 6. Wrote ${resolve(reportPath)}`);
  say(`   checkpoints: ${['shakespeare', 'coref', 'induction', 'date'].map((d) => resolve(o.out, d)).join(', ')}`);
  say(`   try: attn generate --checkpoint ${join(o.out, 'shakespeare')} --prompt "ROMEO:"; attn translate --checkpoint ${join(o.out, 'date')} "${example}"`);
  say(`   done in ${seconds.toFixed(0)} s`);
  if (o.json) {
    say(
      JSON.stringify({
        report: resolve(reportPath),
        shakespeare: { steps: chars.steps, valLoss: chars.valLoss },
        coref: { steps: corefRun.steps, share: score.share, layer: score.layer, head: score.head, sentences: score.sentences },
        embeddings: { within: sep.within, between: sep.between, ratio: sep.ratio },
        induction: { steps: inductionOutcome.steps, layer: induction.layer, head: induction.head, score: induction.score, ceiling: induction.ceiling, fraction: induction.fraction, losses: induction.losses },
        date: { steps: dateOutcome.steps, greedy: dates.greedy, beam: dates.beam, total: dates.total },
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
