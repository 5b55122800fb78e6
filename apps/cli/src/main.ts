#!/usr/bin/env node
// The attn command line. Results go to stdout, progress to stderr; --json prints one JSON
// document on stdout. Bad input prints one line on stderr and exits with code 2.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SafetensorsError } from '@attn/model';
import { BpeTokenizer, CharTokenizer, TokenizerError } from '@attn/tokenizer';
import { Command, CommanderError, Option } from 'commander';
import { releaseBackend, useBackend } from './backend.js';
import { loadCheckpoint } from './checkpoint.js';
import { corefData, MODEL_CONFIGS, textData, type ConfigName } from './data.js';
import { runDemo } from './demo.js';
import { choiceFlag, fail, intFlag, numberFlag, UsageError } from './errors.js';
import { runTraining } from './run-training.js';
import { registerAttend } from './commands/attend.js';
import { registerExplain } from './commands/explain.js';
import { registerGenerate } from './commands/generate.js';
import { registerInspect } from './commands/inspect.js';

const out = (s: string): void => {
  process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
};
const json = (value: unknown): void => out(JSON.stringify(value, null, 2));

const program = new Command('attn')
  .description('Build, train, run and see small GPT-style transformers.')
  .version('0.0.0')
  .exitOverride()
  .showSuggestionAfterError(true)
  .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(s.split('\n')[0] + '\n') });

const backendOption = () => new Option('--backend <name>', 'compute backend: wasm (fast SIMD matmul), cpu (reference), gpu (GPU.js; its webasm mode in Node)').default('wasm');

program
  .command('tokenize')
  .description('show how text splits into tokens (characters, or BPE pieces with --bpe)')
  .argument('<text>', 'the text to tokenize')
  .option('--bpe <file>', 'a BPE tokenizer JSON file (as written by BpeTokenizer.toJSON)')
  .option('--json', 'machine-readable output')
  .action((text: string, o: { bpe?: string; json?: boolean }) => {
    let pieces: { id: number; text: string }[];
    if (o.bpe !== undefined) {
      if (!existsSync(o.bpe)) fail(`--bpe ${o.bpe}: no such file`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(o.bpe, 'utf8'));
      } catch (e) {
        fail(`--bpe ${o.bpe}: not a JSON file (${(e as Error).message.split('\n')[0]})`);
      }
      pieces = BpeTokenizer.fromJSON(parsed).pieces(text).map((p) => ({ id: p.id, text: p.text }));
    } else {
      const tok = CharTokenizer.fromText(text);
      pieces = tok.encode(text).map((id) => ({ id, text: tok.decode([id]) }));
    }
    if (o.json) return json({ tokenizer: o.bpe ? 'bpe' : 'char', count: pieces.length, pieces });
    out(pieces.map((p) => `[${JSON.stringify(p.text).slice(1, -1)}]`).join(' '));
    out(`${pieces.length} tokens; ids ${pieces.map((p) => p.id).join(' ')}`);
  });

registerExplain(program);

program
  .command('train')
  .description('train a GPT and save a checkpoint directory')
  .option('--data <file>', 'a UTF-8 text file to train on (character level)')
  .addOption(new Option('--corpus <name>', 'built-in corpus').choices(['shakespeare', 'emma', 'coref']))
  .addOption(new Option('--config <name>', 'model size').choices(Object.keys(MODEL_CONFIGS)).default('tiny'))
  .option('--steps <n>', 'optimiser steps', '200')
  .option('--batch <n>', 'sequences per step', '16')
  .option('--lr <x>', 'peak learning rate', '0.003')
  .option('--eval-every <n>', 'evaluate every n steps', '50')
  .option('--seed <n>', 'seed for weights and batches', '1')
  .addOption(backendOption())
  .option('--out <dir>', 'checkpoint directory', 'attn-out/model')
  .option('--resume', 'continue from the checkpoint in --out')
  .option('--json', 'machine-readable output (no progress bar)')
  .action(async (o) => {
    if (o.data !== undefined && o.corpus !== undefined) fail('--data and --corpus: give one, not both');
    const steps = intFlag('--steps', o.steps);
    const batch = intFlag('--batch', o.batch);
    const lr = numberFlag('--lr', o.lr, 1e-6, 1);
    const evalEvery = intFlag('--eval-every', o.evalEvery);
    const seed = intFlag('--seed', o.seed, 0);
    const shape = MODEL_CONFIGS[o.config as ConfigName];
    if (o.data !== undefined && !existsSync(o.data)) fail(`--data ${o.data}: no such file`);
    const resume = o.resume ? await loadCheckpoint(o.out) : undefined;
    if (!o.resume && existsSync(join(o.out, 'model.safetensors'))) {
      fail(`--out ${o.out}: already holds a checkpoint; pass --resume to continue it or choose another --out`);
    }
    if (resume) {
      const c = resume.model.config;
      if (c.nLayer !== shape.nLayer || c.nHead !== shape.nHead || c.nEmbd !== shape.nEmbd) {
        fail(`--resume: ${o.out} holds a ${c.nLayer}-layer, ${c.nHead}-head, ${c.nEmbd}-wide model, not --config ${o.config}`);
      }
    }
    const data =
      o.corpus === 'coref'
        ? corefData(seed)
        : textData({ corpus: o.corpus, file: o.data, blockSize: resume?.model.blockSize ?? shape.blockSize, seed, codec: resume?.codec });
    if (resume && (resume.codec.kind !== data.codec.kind || resume.codec.vocabSize !== data.codec.vocabSize)) {
      fail(`--resume: ${o.out} was trained with a ${resume.codec.vocabSize}-token ${resume.codec.kind} vocabulary that does not match this data`);
    }
    const backend = await useBackend(o.backend);
    if (!o.json) process.stderr.write(`training ${o.config} GPT on ${data.name} (${data.codec.vocabSize} tokens, backend ${backend})\n`);
    const ckpt = await runTraining({ data, shape, steps, batch, lr, evalEvery, out: o.out, seed, resume, progress: !o.json });
    // Ctrl-C saved a checkpoint of the steps done; report it, then exit 130 like any interrupted command.
    if (ckpt.interrupted) process.exitCode = 130;
    const last = ckpt.info.losses.at(-1)?.loss;
    const val = ckpt.info.evals.at(-1)?.loss;
    if (o.json) return json({ out: resolve(o.out), steps: ckpt.info.steps, loss: last, valLoss: val, parameters: ckpt.model.numParameters() });
    out(`saved ${resolve(o.out)} after ${ckpt.info.steps} steps (train loss ${last?.toFixed(3)}, held-out ${val?.toFixed(3) ?? '-'})`);
  });

registerGenerate(program);
registerAttend(program);
registerInspect(program);

program
  .command('bench')
  .description('run the benchmark suites (pnpm bench in the repository), optionally one by name')
  .argument('[suite]', 'one suite name, e.g. tensor or wasm')
  .action((suite?: string) => {
    const here = dirname(fileURLToPath(import.meta.url));
    const benchDir = resolve(here, '../../../bench');
    if (!existsSync(join(benchDir, 'package.json'))) fail(`bench: the bench workspace is not at ${benchDir}; run attn bench from a checkout of the repository`);
    const r = spawnSync('pnpm', ['bench', ...(suite ? ['--', suite] : [])], { cwd: benchDir, stdio: 'inherit' });
    process.exitCode = r.status ?? 1;
  });

program
  .command('demo')
  .description('the two-minute tour: Shakespeare GPT, sampling, coreference attention, an HTML report')
  .option('--out <dir>', 'where checkpoints and attn-report.html go', 'attn-out')
  .option('--steps <n>', 'Shakespeare training steps', '500')
  .option('--coref-steps <n>', 'coreference training steps', '950')
  .option('--chars <n>', 'characters to generate', '300')
  .option('--quick', 'a few steps of each part (for tests)')
  .addOption(backendOption())
  .option('--json', 'also print a JSON summary on stdout at the end')
  .action(async (o) => {
    const quick = Boolean(o.quick);
    await runDemo({
      out: o.out,
      steps: quick ? 6 : intFlag('--steps', o.steps),
      corefSteps: quick ? 6 : intFlag('--coref-steps', o.corefSteps),
      chars: quick ? 40 : intFlag('--chars', o.chars, 0),
      heldout: quick ? 20 : 200,
      backend: choiceFlag('--backend', o.backend, ['wasm', 'cpu', 'gpu']),
      json: Boolean(o.json),
    });
  });

/** One line for anything the user can fix; exit 2. Anything else is a bug: one line, exit 1 (ATTN_DEBUG=1 shows the stack). */
function report(e: unknown): number {
  if (e instanceof CommanderError) {
    return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
  }
  const err = e as Error;
  const userError = err instanceof UsageError || err instanceof TokenizerError || err instanceof SafetensorsError || /^(GPT config|loadTextFile|loadCorpus)/.test(err?.message ?? '') || (err as NodeJS.ErrnoException)?.code === 'ENOENT' || (err as NodeJS.ErrnoException)?.code === 'EACCES';
  process.stderr.write(`attn: ${String(err?.message ?? e).split('\n')[0]}\n`);
  if (process.env.ATTN_DEBUG) process.stderr.write(`${err?.stack}\n`);
  return userError ? 2 : 1;
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.exitCode = report(e);
}
releaseBackend();
