// `attn export --hf OUT --checkpoint DIR`: a checkpoint directory for Hugging Face
// transformers. attn's checkpoint directory already is one (config.json in GPT2Config keys,
// model.safetensors in GPT2LMHeadModel's names, vocab.json + merges.txt + tokenizer_config.json
// for a byte-level BPE), so exporting is a copy of the inference files that leaves the training
// state (training-state.safetensors: optimizer moments, data cursor) behind. The checkpoint is
// loaded first, so only a directory attn itself can use is exported; the copy is written into a
// temporary directory beside OUT and renamed into place, so OUT is never half written.
// Character and word tokenizers are attn's own (attn-tokenizer.json): Hugging Face loads the
// weights and config but has no such tokenizer, and the command says so.
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  CheckpointError,
  CONFIG_FILE,
  hfTokenizerFiles,
  loadPretrained,
  MODEL_FILE,
  parseShardIndex,
  prepareCheckpointDir,
  SHARDED_INDEX_NAME,
  SPECIAL_TOKENS_FILE,
  TOKENIZER_CONFIG_FILE,
} from '@attn/model';
import { ATTN_TOKENIZER_FILE, GPT2_MERGES_FILE, GPT2_VOCAB_FILE, HF_TOKENIZER_FILE } from '@attn/tokenizer';
import { TRAINING_STATE_FILE } from '@attn/train';
import type { Command } from 'commander';
import { fail } from '../errors.js';
import { checkpointDir } from './load-model.js';

/** transformers' generation defaults, copied when a Hub directory has them. */
const GENERATION_CONFIG_FILE = 'generation_config.json';

interface ExportFlags {
  checkpoint?: string;
  hf?: string;
  force?: boolean;
  json?: boolean;
}

export interface ExportReport {
  from: string;
  to: string;
  /** Files in OUT, in the order written. */
  files: string[];
  /** Files of DIR left out (the training state, anything that is not part of a checkpoint). */
  dropped: string[];
  /** The tokenizer kind, and whether Hugging Face's GPT2TokenizerFast can load it. */
  tokenizer: { kind: string; huggingFace: boolean };
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .summary('copy a checkpoint into Hugging Face layout for transformers, without the training state')
    .description(
      "write a checkpoint for Hugging Face transformers (GPT2LMHeadModel / GPT2TokenizerFast.from_pretrained). attn's checkpoint directory is already in that layout, so this copies it without the training state",
    )
    .argument('[dir]', 'checkpoint directory (or use --checkpoint)')
    .option('--checkpoint <dir>', 'checkpoint directory (attn train --out, or a Hub GPT-2 directory)')
    .option('--hf <out>', 'the directory to write, in Hugging Face layout (created; must be empty or absent unless --force)')
    .option('--force', 'replace OUT if it already holds files')
    .option('--json', 'machine-readable output')
    .action(async (dirArg: string | undefined, o: ExportFlags) => {
      const dir = o.checkpoint ?? dirArg;
      if (dir === undefined) fail('export: give a checkpoint directory, as `attn export DIR --hf OUT` or --checkpoint DIR');
      if (o.checkpoint !== undefined && dirArg !== undefined && dirArg !== o.checkpoint) fail(`export: two checkpoints given ('${dirArg}' and --checkpoint ${o.checkpoint}); give one`);
      if (o.hf === undefined) fail('export: --hf OUT is required (the Hugging Face layout is the one export format)');
      const report = await exportHf(dir, o.hf, Boolean(o.force));
      if (o.json) return void process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      process.stdout.write(`exported ${report.from} to ${report.to}: ${report.files.join(', ')}${report.dropped.length ? ` (left out: ${report.dropped.join(', ')})` : ''}\n`);
      if (!report.tokenizer.huggingFace) process.stderr.write(`${tokenizerNote(report.tokenizer.kind)}\n`);
    });
}

/** The one line for a checkpoint whose tokenizer Hugging Face cannot load. */
export function tokenizerNote(kind: string): string {
  const what = kind === 'word' ? 'word-level' : 'character-level';
  return `note: the tokenizer is attn's own (${what}, ${ATTN_TOKENIZER_FILE}); transformers loads the weights and config.json (GPT2LMHeadModel.from_pretrained) but not this tokenizer: map text to ids with attn, or train with --tokenizer bpe:N for a tokenizer Hugging Face reads`;
}

/** Whether `child` is `parent` or lies inside it (both absolute). */
function within(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel));
}

/** Checks OUT (`to`, absolute; `out` as typed) before any work: not DIR, inside it or around it; not a file; empty unless --force. */
function checkOut(from: string, to: string, out: string, force: boolean): void {
  if (within(to, from)) fail(`--hf ${out}: is ${to === from ? 'the checkpoint directory itself' : 'inside the checkpoint directory'}; choose a directory elsewhere`);
  if (within(from, to)) fail(`--hf ${out}: contains the checkpoint directory; choose another place`);
  if (!existsSync(to)) return;
  if (!statSync(to).isDirectory()) fail(`--hf ${out}: exists and is a file; give a directory`);
  if (readdirSync(to).length > 0 && !force) fail(`--hf ${out}: exists and is not empty; pass --force to replace it`);
}

/** The files of `dir` an exported checkpoint holds (names relative to dir), in the order to write them. */
function filesToCopy(dir: string, tokenizerKind: string): string[] {
  const has = (name: string) => existsSync(join(dir, name)) && statSync(join(dir, name)).isFile();
  const files = [CONFIG_FILE];
  if (has(MODEL_FILE)) files.push(MODEL_FILE);
  else {
    // Sharded weights: the index and every shard it names (loadPretrained has checked them).
    const index = parseShardIndex(readFileSync(join(dir, SHARDED_INDEX_NAME), 'utf8'), join(dir, SHARDED_INDEX_NAME));
    files.push(SHARDED_INDEX_NAME, ...new Set(index.weightMap.values()));
  }
  const tokenizerFiles =
    tokenizerKind === 'byte-bpe' ? [GPT2_VOCAB_FILE, GPT2_MERGES_FILE, HF_TOKENIZER_FILE, TOKENIZER_CONFIG_FILE, SPECIAL_TOKENS_FILE] : [ATTN_TOKENIZER_FILE];
  files.push(...tokenizerFiles.filter(has));
  if (has(GENERATION_CONFIG_FILE)) files.push(GENERATION_CONFIG_FILE);
  return files;
}

/** Copies `from` to `to`, then flushes it to disk. */
function copyDurably(from: string, to: string): void {
  copyFileSync(from, to);
  const fd = openSync(to, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Exports checkpoint `dir` into `out` (see the file comment). Fails with one line for anything the user can fix. */
export async function exportHf(dir: string, out: string, force: boolean): Promise<ExportReport> {
  const from = resolve(checkpointDir(dir));
  const to = resolve(out);
  checkOut(from, to, out, force);
  // OUT's parent must exist (it is created) and take new entries: the copy is staged there.
  const parent = dirname(to);
  try {
    await prepareCheckpointDir(parent);
  } catch (err) {
    if (err instanceof CheckpointError) fail(`--hf ${out}: ${err.message}`);
    throw err;
  }
  // Load it: only a checkpoint attn can read (config, tokenizer, every tensor's name, shape and values) is exported.
  const { model, tokenizer } = await loadPretrained(from);
  const files = filesToCopy(from, tokenizer.kind);
  const staging = join(parent, `.${basename(to)}.export-${process.pid}-${Date.now()}.tmp`);
  const written: string[] = [];
  try {
    mkdirSync(staging);
    for (const name of files) {
      copyDurably(join(from, name), join(staging, name));
      written.push(name);
    }
    // A Hub directory may lack what GPT2TokenizerFast.from_pretrained needs beside vocab.json + merges.txt: write it as attn saves it.
    if (tokenizer.kind === 'byte-bpe') {
      for (const [name, bytes] of hfTokenizerFiles(tokenizer, model.blockSize)) {
        if (written.includes(name)) continue;
        writeFileSync(join(staging, name), bytes, { flush: true });
        written.push(name);
      }
    }
    if (existsSync(to)) {
      // Swap: the old OUT (empty, or replaced with --force) steps aside, the new one takes its name, then the old one goes.
      const old = `${staging}.old`;
      renameSync(to, old);
      renameSync(staging, to);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(staging, to);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code) fail(`--hf ${out}: cannot write (${code}: ${(err as Error).message.split('\n')[0]})`);
    throw err;
  }
  const dropped = readdirSync(from).filter((name) => !files.includes(name));
  dropped.sort((a, b) => Number(b === TRAINING_STATE_FILE) - Number(a === TRAINING_STATE_FILE) || a.localeCompare(b));
  return { from, to, files: written, dropped, tokenizer: { kind: tokenizer.kind, huggingFace: tokenizer.kind === 'byte-bpe' } };
}
