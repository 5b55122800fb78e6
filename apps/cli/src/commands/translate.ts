// `attn translate`: run an encoder-decoder checkpoint (attn train --task date) on a source
// text: the greedy translation and the beam-search one, then the cross-attention behind the
// chosen translation as a heatmap of output characters x input characters (the decoder asking
// which input characters matter right now), in the terminal and with --svg as a file.
import { resolve } from 'node:path';
import { type AttendedTranslation, InspectError, translateWithAttention } from '@attn/inspect';
import { loadSeq2SeqCheckpoint, writeFileAtomic } from '@attn/model';
import { TokenizerError } from '@attn/tokenizer';
import { attentionHeatmapSvg, terminalHeatmap } from '@attn/viz';
import type { Command } from 'commander';
import { fail, intFlag } from '../errors.js';
import { crossAttentionView } from '../tasks/cross-attention-view.js';
import { checkpointDir } from './load-model.js';

interface TranslateFlags {
  checkpoint: string;
  beam: string;
  layer?: string;
  head?: string;
  svg?: string;
  color?: boolean;
  json?: boolean;
}

export function registerTranslate(program: Command): void {
  program
    .command('translate')
    .description('translate with an encoder-decoder checkpoint (attn train --task date): greedy and beam search, and the cross-attention heatmap')
    .argument('<text>', 'the source text, e.g. "November 11, 2024"')
    .requiredOption('--checkpoint <dir>', 'an encoder-decoder checkpoint directory')
    .option('--beam <n>', 'beam width of the beam search (1 = greedy again)', '4')
    .option('--layer <n>', 'decoder layer whose cross-attention is shown (default: the last)')
    .option('--head <n>', 'one head of that layer (default: the mean of its heads)')
    .option('--svg <file>', 'also write the cross-attention heatmap as an SVG file')
    .option('--no-color', 'plain shades instead of 24-bit colour')
    .option('--json', 'machine-readable output')
    .action(async (text: string, o: TranslateFlags) => {
      const beam = intFlag('--beam', o.beam);
      const { model, tokenizer } = await loadSeq2SeqCheckpoint(checkpointDir(o.checkpoint));
      model.eval();
      const { nDecoderLayer, nHead } = model.config;
      const layer = o.layer === undefined ? nDecoderLayer - 1 : intFlag('--layer', o.layer, 0);
      const head = o.head === undefined ? undefined : intFlag('--head', o.head, 0);
      if (layer >= nDecoderLayer) fail(`--layer ${layer}: the decoder has layers 0..${nDecoderLayer - 1}`);
      if (head !== undefined && head >= nHead) fail(`--head ${head}: the model has heads 0..${nHead - 1}`);
      let src: number[];
      try {
        src = tokenizer.encode(text);
      } catch (e) {
        if (e instanceof TokenizerError) fail(`translate: ${e.message.replace(/^CharTokenizer\.encode: /, '')}; this model knows ${JSON.stringify((tokenizer as { chars?: string[] }).chars?.join('') ?? '')}`);
        throw e;
      }
      if (src.length === 0) fail('translate: the text is empty');
      if (src.length > model.maxLen) fail(`translate: ${src.length} characters exceed the model's ${model.maxLen}`);
      let greedy: AttendedTranslation;
      let beamed: AttendedTranslation;
      try {
        greedy = await translateWithAttention(model, src, { beamWidth: 1 });
        beamed = await translateWithAttention(model, src, { beamWidth: beam });
      } catch (e) {
        if (e instanceof InspectError) fail(e.message);
        throw e;
      }
      const inputLabels = src.map((id) => tokenizer.label(id));
      const view = crossAttentionView(beamed, layer, head, (id) => tokenizer.label(id));
      const title = `cross-attention, decoder layer ${layer}, ${head === undefined ? `mean of ${nHead} heads` : `head ${head}`}`;
      if (o.svg !== undefined) {
        const svg = attentionHeatmapSvg({ weights: view.weights, queryLabels: view.outputLabels, keyLabels: inputLabels, title, cellSize: 24 });
        await writeFileAtomic(o.svg, new TextEncoder().encode(svg));
      }
      const output = (t: AttendedTranslation) => tokenizer.decode(t.tokens);
      if (o.json) {
        const json = {
          input: text,
          greedy: { text: output(greedy), logProb: greedy.logProb },
          beam: { width: beam, text: output(beamed), logProb: beamed.logProb },
          crossAttention: { layer, head: head ?? 'mean', outputs: view.outputLabels, inputs: inputLabels, weights: view.weights },
        };
        return void process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      }
      const say = (s: string) => process.stdout.write(`${s}\n`);
      say(`input:      ${text}`);
      say(`greedy:     ${output(greedy)}   (log p ${greedy.logProb.toFixed(3)})`);
      say(`beam ${String(beam).padEnd(2)}:    ${output(beamed)}   (log p ${beamed.logProb.toFixed(3)})`);
      say(`\n${title}: rows are output characters (of the beam-search translation), columns input characters`);
      say(terminalHeatmap(view.weights, view.outputLabels, { keyLabels: inputLabels, color: o.color === false ? false : undefined }));
      for (const line of view.summary(inputLabels)) say(line);
      if (o.svg !== undefined) process.stderr.write(`wrote ${resolve(o.svg)}\n`);
    });
}
