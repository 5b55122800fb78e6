// A checkpoint directory: model.safetensors (weights + GPT config, HF GPT-2 names),
// tokenizer.json (how text becomes ids) and train.json (what produced it, loss history).
// Every file is written atomically, and loading validates before it allocates a model.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type GPT, loadGPT, readSafetensorsHeader, saveGPT, writeFileAtomic } from '@attn/model';
import { type Codec, codecFromJSON } from './codec.js';
import { fail } from './errors.js';

export interface TrainInfo {
  /** Where the training text came from (a corpus name or a file path). */
  data: string;
  /** Optimiser steps taken so far, over all runs. */
  steps: number;
  /** Loss history: step and mean training loss. */
  losses: { step: number; loss: number }[];
  /** Evaluation history: step and held-out loss. */
  evals: { step: number; loss: number }[];
}

export interface Checkpoint {
  model: GPT;
  codec: Codec;
  info: TrainInfo;
}

export const MODEL_FILE = 'model.safetensors';
export const TOKENIZER_FILE = 'tokenizer.json';
export const INFO_FILE = 'train.json';

export async function saveCheckpoint(dir: string, ckpt: Checkpoint): Promise<void> {
  await mkdir(dir, { recursive: true });
  await saveGPT(ckpt.model, join(dir, MODEL_FILE));
  await writeFileAtomic(join(dir, TOKENIZER_FILE), new TextEncoder().encode(`${JSON.stringify(ckpt.codec.toJSON())}\n`));
  await writeFileAtomic(join(dir, INFO_FILE), new TextEncoder().encode(`${JSON.stringify(ckpt.info, null, 1)}\n`));
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    fail(`${path}: not readable JSON (${(e as Error).message.split('\n')[0]})`);
  }
}

/** Loads a checkpoint directory, failing with one clear line when something is missing or does not match. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  if (!existsSync(dir)) fail(`--checkpoint ${dir}: no such directory`);
  const modelPath = join(dir, MODEL_FILE);
  const tokPath = join(dir, TOKENIZER_FILE);
  for (const p of [modelPath, tokPath]) if (!existsSync(p)) fail(`--checkpoint ${dir}: missing ${p} (train one with 'attn train --out ${dir}')`);
  const codec = codecFromJSON(readJson(tokPath), tokPath);
  const header = readSafetensorsHeader(readFileSync(modelPath));
  if (header.metadata?.architecture !== undefined && header.metadata.architecture !== 'gpt2') {
    fail(`${modelPath}: architecture '${header.metadata.architecture}', expected a gpt2 checkpoint`);
  }
  const model = await loadGPT(modelPath);
  if (model.vocabSize !== codec.vocabSize) {
    fail(`${modelPath}: model vocabulary is ${model.vocabSize} tokens but ${tokPath} has ${codec.vocabSize}; they come from different runs`);
  }
  const infoPath = join(dir, INFO_FILE);
  const info = existsSync(infoPath) ? (readJson(infoPath) as TrainInfo) : { data: 'unknown', steps: 0, losses: [], evals: [] };
  return { model, codec, info };
}
