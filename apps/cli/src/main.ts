#!/usr/bin/env node
// The attn command line. Results go to stdout, progress to stderr; --json prints one JSON
// document on stdout. Bad input prints one line on stderr and exits with code 2.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '@attn/datasets';
import { InspectError } from '@attn/inspect';
import { CheckpointError, ConfigError } from '@attn/model';
import { BpeTokenizer, CharTokenizer, TokenizerError } from '@attn/tokenizer';
import { TrainingError } from '@attn/train';
import { Command, CommanderError, Option } from 'commander';
import { releaseBackend } from './backend.js';
import { registerAttend } from './commands/attend.js';
import { registerExplain } from './commands/explain.js';
import { registerExport } from './commands/export.js';
import { registerGenerate } from './commands/generate.js';
import { registerInspect } from './commands/inspect.js';
import { registerTranslate } from './commands/translate.js';
import { printTaskReport, TASKS, trainTaskCommand } from './commands/train-task.js';
import { DATE_RECIPE, INDUCTION_RECIPE } from '@attn/train';
import { MODEL_CONFIGS } from './data.js';
import { runDemo } from './demo.js';
import { choiceFlag, fail, intFlag, UsageError } from './errors.js';
import { type TrainFlags, trainCommand } from './train-command.js';

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
  .description('train a GPT and save a checkpoint directory (Ctrl-C saves what is done; --resume continues it)')
  .option('--data <file>', 'a UTF-8 text file to train on')
  .option('--tokenizer <kind>', 'char: one token per character; bpe:N: a byte-level BPE of N tokens trained on the text (GPT-2 format, for attn export --hf)', 'char')
  .addOption(new Option('--corpus <name>', 'built-in corpus').choices(['shakespeare', 'emma', 'coref']))
  .addOption(new Option('--task <name>', 'a built-in task with its own model: induction (a 2-layer GPT, one head per layer, on successor walks: it grows an induction head) or date (the encoder-decoder on "November 11, 2024" -> "2024-11-11"); its own defaults for steps, batch and lr').choices([...TASKS]))
  .addOption(new Option('--config <name>', 'model size').choices(Object.keys(MODEL_CONFIGS)).default('tiny'))
  .option('--steps <n>', "optimiser steps: the run's total, also with --resume (nanoGPT's max_iters)", '200')
  .option('--batch <n>', 'sequences per step', '16')
  .option('--lr <x>', 'peak learning rate', '0.003')
  .option('--warmup <n>', 'steps of linear learning-rate warm-up', '20')
  .option('--decay-steps <n>', "steps over which the cosine decays the rate to lr/10 (nanoGPT's lr_decay_iters; not tied to --steps, so --resume can extend a run)", '5000')
  .option('--dropout <p>', 'dropout probability while training', '0')
  .option('--eval-every <n>', 'evaluate every n steps', '50')
  .option('--seed <n>', 'seed for weights, batches and dropout', '1')
  .addOption(backendOption())
  .option('--out <dir>', 'checkpoint directory', 'attn-out/model')
  .option('--resume', 'continue the run saved in --out (its settings are kept)')
  .option('--json', 'machine-readable output (no progress bar)')
  .action(async (o: TrainFlags & { task?: string }, command: Command) => {
    const explicit = (flag: keyof TrainFlags) => command.getOptionValueSource(flag) === 'cli';
    if (o.task !== undefined) return printTaskReport(await trainTaskCommand(o.task, o, explicit, !o.json), o);
    const r = await trainCommand(o, explicit, !o.json);
    // Ctrl-C saved a checkpoint of the steps done; say how to continue, then exit 130 like any interrupted command.
    if (r.interrupted) {
      process.exitCode = 130;
      process.stderr.write(`continue with: attn train --resume --out ${o.out} --steps ${o.steps}\n`);
    }
    if (o.json) return json({ out: resolve(r.out), steps: r.steps, loss: r.loss, valLoss: r.valLoss, parameters: r.parameters, interrupted: r.interrupted });
    out(`saved ${resolve(r.out)} after ${r.steps} steps (train loss ${r.loss?.toFixed(3)}, held-out ${r.valLoss?.toFixed(3) ?? '-'})`);
  });

registerGenerate(program);
registerAttend(program);
registerInspect(program);
registerExport(program);
registerTranslate(program);

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
  .description('the tour: Shakespeare GPT, sampling, coreference attention and embeddings, an induction head, dates through an encoder-decoder, an HTML report')
  .option('--out <dir>', 'where checkpoints and attn-report.html go', 'attn-out')
  .option('--steps <n>', 'Shakespeare training steps', '500')
  .option('--coref-steps <n>', 'coreference training steps', '950')
  .option('--chars <n>', 'characters to generate', '300')
  .option('--induction-steps <n>', 'induction task training steps', String(INDUCTION_RECIPE.defaultSteps))
  .option('--date-steps <n>', 'date task training steps', String(DATE_RECIPE.defaultSteps))
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
      inductionSteps: quick ? 4 : intFlag('--induction-steps', o.inductionSteps),
      dateSteps: quick ? 4 : intFlag('--date-steps', o.dateSteps),
      dates: quick ? 10 : 200,
      backend: choiceFlag('--backend', o.backend, ['wasm', 'cpu', 'gpu']),
      json: Boolean(o.json),
    });
  });

/** Errors the user can fix, by the class the packages throw: one line, exit 2. */
const USER_ERRORS = [UsageError, CheckpointError, ConfigError, DataError, TokenizerError, TrainingError, InspectError];

/** One line for anything the user can fix; exit 2. Anything else is a bug: one line, exit 1 (ATTN_DEBUG=1 shows the stack). */
function report(e: unknown): number {
  if (e instanceof CommanderError) {
    return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
  }
  const err = e as Error;
  const userError = USER_ERRORS.some((kind) => err instanceof kind);
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
