// `attn attend`: where each token of a sentence attends, per layer and head: heatmaps in the
// terminal, and with --svg a file holding the chosen view: heatmaps (one per head), the head
// view (bertviz's two columns of tokens; with no --head, every head of a layer overlaid in
// colours), or the model view (the layer x head grid of thumbnails).
import { attentionMaps, InspectError } from '@attn/inspect';
import { writeFileAtomic } from '@attn/model';
import { attentionHeatmapSvg, headViewSvg, modelViewSvg, stackSvgs, terminalHeatmap } from '@attn/viz';
import { type Command, Option } from 'commander';
import { resolve } from 'node:path';
import { choiceFlag, fail, intFlag } from '../errors.js';
import { loadModel } from './load-model.js';

const VIEWS = ['heatmap', 'head', 'model'] as const;

export function registerAttend(program: Command): void {
  program
    .command('attend')
    .description('show where each token of a sentence attends, per layer and head')
    .argument('<sentence>', 'text in the checkpoint vocabulary')
    .requiredOption('--checkpoint <dir>', 'checkpoint directory')
    .option('--layer <n>', 'only this layer (0-based)')
    .option('--head <n>', 'only this head (0-based)')
    .option('--svg <file>', 'also write the chosen view as one SVG file')
    .addOption(new Option('--view <name>', 'what --svg draws: heatmap (one per head), head (token columns and lines; all heads of a layer overlaid without --head), model (every layer x head)').choices([...VIEWS]).default('heatmap'))
    .option('--no-color', 'plain shades instead of 24-bit colour')
    .addOption(new Option('--backend <name>', 'compute backend: wasm, cpu or gpu').default('wasm'))
    .option('--json', 'machine-readable output')
    .action(async (sentence: string, o) => {
      const view = choiceFlag('--view', o.view, VIEWS);
      if (view !== 'heatmap' && o.svg === undefined) fail(`--view ${view}: the view is drawn into an SVG file; add --svg FILE`);
      const { model, encode, label } = await loadModel(o.checkpoint, o.backend);
      const { nLayer, nHead } = model.config;
      const layer = o.layer === undefined ? undefined : intFlag('--layer', o.layer, 0);
      const head = o.head === undefined ? undefined : intFlag('--head', o.head, 0);
      if (layer !== undefined && layer >= nLayer) fail(`--layer ${layer}: the model has layers 0..${nLayer - 1}`);
      if (head !== undefined && head >= nHead) fail(`--head ${head}: the model has heads 0..${nHead - 1}`);
      const ids = encode(sentence).slice(0, model.blockSize);
      if (ids.length === 0) fail('attend: the sentence is empty');
      const labels = ids.map((id) => label(id));
      let maps: number[][][][];
      try {
        maps = await attentionMaps(model, ids);
      } catch (e) {
        if (e instanceof InspectError) fail(e.message);
        throw e;
      }
      const layers = maps.map((_, l) => l).filter((l) => layer === undefined || l === layer);
      const chosen: { layer: number; head: number; weights: number[][] }[] = [];
      for (const l of layers) {
        for (const [h, w] of maps[l].entries()) if (head === undefined || h === head) chosen.push({ layer: l, head: h, weights: w });
      }
      if (o.svg !== undefined) {
        let svgs: string[];
        if (view === 'heatmap') svgs = chosen.map((c) => attentionHeatmapSvg({ weights: c.weights, queryLabels: labels, title: `layer ${c.layer} head ${c.head}` }));
        else if (view === 'head') {
          svgs = layers.map((l) => {
            const heads = maps[l].map((weights, h) => ({ weights, label: `head ${h}` })).filter((_, h) => head === undefined || h === head);
            return headViewSvg({ heads, labels, title: head === undefined ? `layer ${l}, all ${nHead} heads` : `layer ${l} head ${head}` });
          });
        } else svgs = [modelViewSvg({ layers: maps, labels, title: 'Attention: every layer and head' })]; // the overview: --layer/--head do not apply
        await writeFileAtomic(o.svg, new TextEncoder().encode(stackSvgs(svgs)));
      }
      if (o.json) return void process.stdout.write(`${JSON.stringify({ tokens: labels, maps: chosen }, null, 2)}\n`);
      for (const c of chosen) process.stdout.write(`layer ${c.layer} head ${c.head}\n${terminalHeatmap(c.weights, labels, { color: o.color === false ? false : undefined })}\n`);
      if (o.svg !== undefined) process.stderr.write(`wrote ${resolve(o.svg)}\n`);
    });
}
