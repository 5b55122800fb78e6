// `attn inspect`: what a checkpoint does with a prompt. The tokens; the next-token top 10;
// the logit lens (each layer's residual stream through ln_f and the unembedding: the top
// token and its probability at every position); and every head's previous-token,
// duplicate-token and induction scores as TransformerLens's head detector defines them, on
// the prompt or (--detect) on random tokens repeated twice. --json prints one object.
import {
  bestPossibleScore,
  detectHeads,
  duplicateTokenPattern,
  type HeadScores,
  InspectError,
  inductionPattern,
  inspectPrompt,
  previousTokenPattern,
  repeatedRandomTokens,
} from '@attn/inspect';
import { type Command, Option } from 'commander';
import { fail, intFlag } from '../errors.js';
import { type InspectableModel, loadModel } from './load-model.js';
import { bar, cell, fixed, tokenText } from './text-table.js';

interface InspectFlags {
  checkpoint?: string;
  prompt?: string;
  detect?: boolean;
  detectLength?: string;
  seed: string;
  top: string;
  backend: string;
  json?: boolean;
}

const DETECTION = { excludeBos: false, excludeCurrentToken: false, errorMeasure: 'mul' } as const;

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('what a checkpoint does with a prompt: next tokens, the logit lens, and which heads are previous-token, duplicate-token or induction heads')
    .argument('[dir]', 'checkpoint directory (or use --checkpoint)')
    .option('--checkpoint <dir>', 'checkpoint directory')
    .option('--prompt <text>', 'text in the checkpoint vocabulary')
    .option('--detect', 'score heads on random tokens repeated twice instead of the prompt')
    .option('--detect-length <n>', 'random tokens per half with --detect (default: half the context, at most 20)')
    .option('--seed <n>', 'seed of the random tokens', '0')
    .option('--top <n>', 'next tokens listed', '10')
    .addOption(new Option('--backend <name>', 'compute backend: wasm, cpu or gpu').default('wasm'))
    .option('--json', 'one JSON object on stdout')
    .action(async (dirArg: string | undefined, o: InspectFlags) => {
      const dir = o.checkpoint ?? dirArg;
      if (dir === undefined) fail('inspect: give a checkpoint directory, as `attn inspect DIR` or --checkpoint DIR');
      if (o.checkpoint !== undefined && dirArg !== undefined && dirArg !== o.checkpoint) fail(`inspect: two checkpoints given ('${dirArg}' and --checkpoint ${o.checkpoint}); give one`);
      if (o.prompt === undefined && !o.detect) fail('inspect: --prompt TEXT is required (or --detect to look at random repeated tokens)');
      const top = intFlag('--top', o.top);
      const seed = intFlag('--seed', o.seed, 0);
      const m = await loadModel(dir, o.backend);
      try {
        await run(m, dir, o, top, seed);
      } catch (e) {
        if (e instanceof InspectError) fail(e.message);
        throw e;
      }
    });
}

async function run(m: InspectableModel, dir: string, o: InspectFlags, top: number, seed: number): Promise<void> {
  const { model } = m;
  const half = o.detectLength === undefined ? Math.min(20, Math.floor(model.blockSize / 2)) : intFlag('--detect-length', o.detectLength);
  if (2 * half > model.blockSize) fail(`--detect-length ${half}: two halves must fit the model's context of ${model.blockSize} tokens`);
  const random = o.detect ? repeatedRandomTokens({ vocabSize: model.vocabSize, halfLength: half, seed }) : null;
  let ids: number[];
  if (o.prompt !== undefined) {
    ids = m.encode(o.prompt);
    if (ids.length === 0) fail('--prompt: empty; give at least one token the model knows');
    if (ids.length > model.blockSize) {
      process.stderr.write(`inspect: the prompt has ${ids.length} tokens; using the last ${model.blockSize} (the model's context)\n`);
      ids = ids.slice(-model.blockSize);
    }
  } else ids = random!;
  const view = await inspectPrompt(model, ids, { topK: top, detection: DETECTION });
  const detectionIds = random ?? ids;
  let heads: HeadScores[] = view.heads;
  if (random && random !== ids) heads = await detectHeads(model, random, DETECTION);
  const ceiling = {
    previousToken: bestPossibleScore(previousTokenPattern(detectionIds.length)),
    duplicateToken: bestPossibleScore(duplicateTokenPattern(detectionIds)),
    induction: bestPossibleScore(inductionPattern(detectionIds)),
  };
  const token = (id: number) => ({ id, text: m.label(id) });
  const detection = {
    on: random ? 'random tokens repeated twice' : 'the prompt',
    tokens: detectionIds.map(token),
    ...DETECTION,
    bestPossible: ceiling,
  };

  if (o.json) {
    const result = {
      checkpoint: dir,
      tokens: view.ids.map(token),
      next: view.next.map((t) => ({ ...token(t.id), prob: t.prob })),
      logitLens: view.logitLens.map((layer) => ({
        layer: layer.label,
        hook: layer.hook,
        top: layer.predictions.map(([best]) => ({ ...token(best.id), prob: best.prob })),
      })),
      heads,
      detection,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }

  const out: string[] = [];
  const sep = m.wordLevel ? ' ' : '';
  out.push(`${view.ids.length} tokens: ${view.ids.map((id) => `[${tokenText(m.label(id), 16)}]`).join(sep)}`);
  out.push('', `next token after the prompt (top ${view.next.length}):`);
  for (const [i, t] of view.next.entries()) out.push(`  ${cell(String(i + 1), 3, 'right')}. ${cell(tokenText(m.label(t.id)), 12)} ${fixed(t.prob, 4)}  ${bar(t.prob)}`);

  out.push('', 'logit lens: the top next token read from the residual stream at each depth (through ln_f and the unembedding)');
  const depthWidth = 14;
  out.push(`  ${cell('position', 18)}${view.logitLens.map((l) => cell(l.label, depthWidth)).join('')}`);
  view.ids.forEach((id, t) => {
    const cells = view.logitLens.map((l) => {
      const best = l.predictions[t][0];
      return cell(`${tokenText(m.label(best.id), 8)} ${Math.round(best.prob * 100)}%`, depthWidth);
    });
    out.push(`  ${cell(`${t} ${tokenText(m.label(id), 12)}`, 18)}${cells.join('')}`);
  });

  out.push('', `heads, scored on ${detection.on} as TransformerLens's head detector scores them ("mul", no exclusions);`);
  out.push(`a perfect head would score ${fixed(ceiling.previousToken)} / ${fixed(ceiling.duplicateToken)} / ${fixed(ceiling.induction)} on this sequence; * marks the best head of each kind`);
  if (heads.length === 0) out.push('  (the head detector needs at least 2 tokens)');
  else {
    const best = (kind: 'previousToken' | 'duplicateToken' | 'induction') => heads.reduce((a, b) => (b[kind] > a[kind] ? b : a));
    const bests = { previousToken: best('previousToken'), duplicateToken: best('duplicateToken'), induction: best('induction') };
    const mark = (h: HeadScores, kind: keyof typeof bests) => `${fixed(h[kind], 3)}${bests[kind] === h ? '*' : ' '}`;
    out.push(`  ${cell('layer', 6, 'right')}${cell('head', 6, 'right')}${cell('previous', 11, 'right')}${cell('duplicate', 11, 'right')}${cell('induction', 11, 'right')}`);
    for (const h of heads) {
      out.push(`  ${cell(String(h.layer), 6, 'right')}${cell(String(h.head), 6, 'right')}${cell(mark(h, 'previousToken'), 11, 'right')}${cell(mark(h, 'duplicateToken'), 11, 'right')}${cell(mark(h, 'induction'), 11, 'right')}`);
    }
  }
  process.stdout.write(`${out.map((line) => line.trimEnd()).join('\n')}\n`);
}
