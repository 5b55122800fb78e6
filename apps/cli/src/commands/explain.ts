// `attn explain`: one attention head stepped through with real numbers. With --checkpoint,
// head H of layer L of a trained GPT for a sentence in its vocabulary; without, the seed
// documents' worked example (cat, sat, mat, it) or a small seeded head for other sentences.
// The numbers come from @attn/inspect, which the web demo uses too.
import { exampleExplanation, explainHead, type HeadExplanation, InspectError } from '@attn/inspect';
import { visibleLabel } from '@attn/viz';
import { type Command, Option } from 'commander';
import { fail, intFlag } from '../errors.js';
import { formatExplanation } from './format-explanation.js';
import { loadModel } from './load-model.js';

interface ExplainFlags {
  checkpoint?: string;
  layer?: string;
  head?: string;
  query?: string;
  position?: string;
  seed: string;
  backend: string;
  json?: boolean;
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('step through one attention head with real numbers (a trained head with --checkpoint)')
    .argument('<sentence>', 'e.g. "the cat sat on the mat because it was tired"')
    .option('--checkpoint <dir>', 'explain a head of this trained GPT')
    .option('--layer <n>', 'layer of the head (0-based; default 0)')
    .option('--head <n>', 'head within the layer (0-based; default 0)')
    .option('--query <token>', 'the token whose attention is explained (its last occurrence; default: the last token)')
    .option('--position <n>', 'the query token by position instead (0-based)')
    .option('--seed <n>', 'seed of the toy head for sentences without a checkpoint', '0')
    .addOption(new Option('--backend <name>', 'compute backend: wasm, cpu or gpu').default('wasm'))
    .option('--json', 'machine-readable output')
    .action(async (sentence: string, o: ExplainFlags) => {
      let e: HeadExplanation;
      try {
        e = o.checkpoint === undefined ? withoutCheckpoint(sentence, o) : await withCheckpoint(sentence, o.checkpoint, o);
      } catch (err) {
        if (err instanceof InspectError) fail(err.message);
        throw err;
      }
      if (o.json) return void process.stdout.write(`${JSON.stringify(e, null, 2)}\n`);
      process.stdout.write(`${formatExplanation(e)}\n`);
    });
}

function withoutCheckpoint(sentence: string, o: ExplainFlags): HeadExplanation {
  for (const flag of ['layer', 'head', 'query', 'position'] as const) {
    if (o[flag] !== undefined) fail(`--${flag}: needs --checkpoint (without one, explain shows the seed example or a seeded toy head)`);
  }
  return exampleExplanation(sentence, intFlag('--seed', o.seed, 0));
}

async function withCheckpoint(sentence: string, dir: string, o: ExplainFlags): Promise<HeadExplanation> {
  const m = await loadModel(dir, o.backend);
  const { nLayer, nHead } = m.model.config;
  const layer = o.layer === undefined ? 0 : intFlag('--layer', o.layer, 0);
  const head = o.head === undefined ? 0 : intFlag('--head', o.head, 0);
  if (layer >= nLayer) fail(`--layer ${layer}: the model has layers 0..${nLayer - 1}`);
  if (head >= nHead) fail(`--head ${head}: the model has heads 0..${nHead - 1}`);
  const ids = m.encode(sentence);
  if (ids.length === 0) fail('explain: the sentence is empty');
  if (ids.length > m.model.blockSize) fail(`explain: the sentence has ${ids.length} tokens; the model reads at most ${m.model.blockSize}`);
  const labels = ids.map((id) => visibleLabel(m.label(id))); // whitespace tokens as ␣ ↵, so every row has a readable name
  let query = ids.length - 1;
  if (o.query !== undefined && o.position !== undefined) fail('--query and --position: give one, not both');
  if (o.position !== undefined) {
    query = intFlag('--position', o.position, 0);
    if (query >= ids.length) fail(`--position ${query}: the sentence has positions 0..${ids.length - 1}`);
  } else if (o.query !== undefined) {
    const wanted = o.query.trim();
    query = ids.map((id) => m.label(id).trim()).lastIndexOf(wanted);
    if (query < 0) fail(`--query '${o.query}': not a token of the sentence (its tokens: ${labels.map((l) => JSON.stringify(l)).join(' ')})`);
  }
  return explainHead(m.model, ids, { layer, head, query, labels });
}
