// The one place where the inspection commands (inspect, explain, attend, generate) load a
// checkpoint directory: attn's own or a Hugging Face GPT-2 directory, through @attn/model's
// loadPretrained.
import { existsSync, statSync } from 'node:fs';
import { type GPT, loadPretrained } from '@attn/model';
import type { Tokenizer } from '@attn/tokenizer';
import { fail } from '../errors.js';

/** A model and how text maps to its token ids. */
export interface InspectableModel {
  model: GPT;
  tokenizer: Tokenizer;
  /** Text to token ids; fails with one clear line on text outside the vocabulary. */
  encode(text: string): number[];
  /** One token id as display text. */
  label(id: number): string;
  /** Token ids back to text. */
  decode(ids: readonly number[]): string;
  /** Whether tokens are words (joined with spaces when printed) rather than characters or pieces. */
  wordLevel: boolean;
}

/** --checkpoint must name a checkpoint directory: say so for a missing path or a file. */
export function checkpointDir(dir: string): string {
  if (!existsSync(dir)) fail(`--checkpoint ${dir}: no such directory`);
  if (!statSync(dir).isDirectory()) fail(`--checkpoint ${dir}: is a file; a checkpoint is a directory (config.json, model.safetensors, tokenizer files)`);
  return dir;
}

export async function loadModel(dir: string): Promise<InspectableModel> {
  const { model, tokenizer } = await loadPretrained(checkpointDir(dir));
  model.eval();
  return {
    model,
    tokenizer,
    encode: (text) => tokenizer.encode(text),
    label: (id) => tokenizer.label(id),
    decode: (ids) => tokenizer.decode(ids),
    wordLevel: tokenizer.kind === 'word',
  };
}
