// The one place where the inspection commands (inspect, explain, attend, generate) load a
// checkpoint directory: attn's own or a Hugging Face GPT-2 directory, through @attn/model's
// loadPretrained, onto the compute backend chosen (and sized) first.
import { existsSync, statSync } from 'node:fs';
import { type GPT, gptParameterCount, loadPretrained, readCheckpointConfig } from '@attn/model';
import type { Tokenizer } from '@attn/tokenizer';
import { useBackend } from '../backend.js';
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

/**
 * The tokenizer, able to show every id the model can output. A Hub model may pad its vocabulary past
 * the tokenizer's (vocab_size 50304 for 50257 tokens, say): those ids have no text, so they are shown
 * as "<unused:N>" instead of failing the command halfway through its output.
 */
export function coverVocabulary(tokenizer: Tokenizer, modelVocabSize: number): Tokenizer {
  if (modelVocabSize <= tokenizer.vocabSize) return tokenizer;
  const unused = (id: number) => `<unused:${id}>`;
  const known = (id: number) => id < tokenizer.vocabSize;
  return {
    kind: tokenizer.kind,
    vocabSize: modelVocabSize,
    encode: (text) => tokenizer.encode(text),
    label: (id) => (known(id) ? tokenizer.label(id) : unused(id)),
    decode(ids) {
      // Runs of ids the tokenizer knows decode together (a character may span tokens); the rest show as placeholders.
      let text = '';
      let run: number[] = [];
      for (const id of Array.from(ids)) {
        if (known(id)) run.push(id);
        else {
          text += tokenizer.decode(run) + unused(id);
          run = [];
        }
      }
      return text + tokenizer.decode(run);
    },
  };
}

/**
 * Loads checkpoint `dir` for computing on `backend` (wasm, cpu or gpu), which is chosen first, sized
 * for the model (config.json says how big), so the weights are read straight into the memory they are
 * used from: wasm memory for the default backend, not JavaScript arrays copied in for every product.
 */
export async function loadModel(dir: string, backend: string): Promise<InspectableModel> {
  checkpointDir(dir);
  await useBackend(backend, { modelBytes: 4 * gptParameterCount((await readCheckpointConfig(dir)).gpt) });
  const loaded = await loadPretrained(dir);
  const { model } = loaded;
  const tokenizer = coverVocabulary(loaded.tokenizer, model.vocabSize);
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
